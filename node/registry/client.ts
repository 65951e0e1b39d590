// The node's side of the registry API: leases and peer registration over mutual TLS.
import { registryPaths } from "../../contract/meshkit.ts";
import { type AcquireResponse, acquireResponseSchema, leaseTokenSchema, type LeaseToken } from "../leadership/lease.ts";
import type { PeerClient } from "../transport/peer-client.ts";
import { type Registration, registrationReplySchema } from "./protocol.ts";
import { z } from "zod";

export interface RegistryClient {
  acquire(
    scope: string,
    nodeId: string,
    durationMs: number,
    seen?: { term: number; fence: number; renewFence?: number },
  ): Promise<AcquireResponse>;
  release(scope: string, nodeId: string, fenceToken: number): Promise<void>;
  leases(): Promise<LeaseToken[]>;
  register(r: Registration): Promise<{ nodeId: string; gossip: string }[]>;
}

export function createRegistryClient(client: PeerClient, address: string, timeoutMs: number): RegistryClient {
  return {
    acquire: async (scope, nodeId, durationMs, seen) =>
      acquireResponseSchema.parse(
        await client.postJson(
          address,
          registryPaths.acquire,
          { scope, nodeId, durationMs, seenTerm: seen?.term, seenFence: seen?.fence, renewFence: seen?.renewFence },
          timeoutMs,
        ),
      ),
    release: async (scope, nodeId, fenceToken) => {
      await client.postJson(address, registryPaths.release, { scope, nodeId, fenceToken }, timeoutMs);
    },
    leases: async () =>
      z.object({ tokens: z.array(leaseTokenSchema) }).parse(await client.getJson(address, registryPaths.leases, timeoutMs)).tokens,
    register: async (r) => registrationReplySchema.parse(await client.postJson(address, registryPaths.register, r, timeoutMs)).peers,
  };
}
