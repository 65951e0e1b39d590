// A data-plane client for tests: the node's own client code with a throw-away leaf certificate of the
// mesh's CA, calling a node's RPC port over HTTP/2 (mutual TLS) and tallying what a caller would see.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { dataPaths, paths } from "../../contract/meshkit.ts";
import { createLeaf, writeLeaf } from "../../node/local/certs.ts";
import type { LocalMesh } from "../../node/local/mesh.ts";
import { createMetrics } from "../../node/metrics.ts";
import { watchCertificates } from "../../node/tls/certificates.ts";
import { createDataClient } from "../../node/transport/data-client.ts";

export interface CallTally {
  readonly calls: number;
  /** Answered 5xx. */
  readonly failed: number;
  /** Rejected by the client because the response signature did not verify. */
  readonly badSignature: number;
  /** Took at least `slowMs`. */
  readonly slow: number;
  /** Any other error (connection, timeout). */
  readonly errors: number;
}

export interface DataPlaneCaller {
  /** `calls` pings to the node, `concurrency` at a time. */
  tally(calls: number, opts?: { concurrency?: number; slowMs?: number }): Promise<CallTally>;
  close(): void;
}

export async function dataPlaneCaller(mesh: LocalMesh, controlUrl: string): Promise<DataPlaneCaller> {
  const peers = (await (await fetch(`${controlUrl}${paths.peers}`)).json()) as {
    localNodeId: string;
    peers: { nodeId: string; metadata: { endpoint: string } }[];
  };
  const self = peers.peers.find((p) => p.nodeId === peers.localNodeId)!;
  const data = self.metadata.endpoint.replace(/^https:\/\//, "");
  const dir = mkdtempSync(join(tmpdir(), "meshkit-test-client-"));
  const certs = watchCertificates(writeLeaf(dir, await createLeaf(mesh.ca, "test-client"), mesh.ca.certPem));
  const client = createDataClient({ certs, metrics: createMetrics(), preferUdp: false });
  const peer = { nodeId: peers.localNodeId, data };
  return {
    async tally(calls, opts = {}) {
      const t = { calls, failed: 0, badSignature: 0, slow: 0, errors: 0 };
      let next = 0;
      const worker = async () => {
        while (next < calls) {
          next++;
          const started = performance.now();
          try {
            const r = await client.call(peer, dataPaths.ping, {});
            if (r.status >= 500) t.failed++;
          } catch (e) {
            if (/invalid signature/.test((e as Error).message)) t.badSignature++;
            else t.errors++;
          }
          if (opts.slowMs !== undefined && performance.now() - started >= opts.slowMs) t.slow++;
        }
      };
      await Promise.all(Array.from({ length: opts.concurrency ?? 20 }, worker));
      return t;
    },
    close() {
      client.close();
      certs.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
