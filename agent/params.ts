// The concrete parameters an agent receives for each fault kind (`params` of an apply request): the
// one wire format between the fault catalog (faults/, which plans them from what a user asked) and the
// agent's mechanisms (agent/mechanisms/, which validate them again here). Units are in the names.

import { z } from "zod";
import type { FaultKind } from "../contract/meshkit.ts";

/** Host names on the environment network (node-1, registry) or IPv4 addresses; the agent resolves them. */
const peers = z.array(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, "expected a host name or IPv4 address"));
const share = z.number().min(0).max(1);

export const agentParams = {
  "leader-kill": z.strictObject({ signal: z.enum(["SIGKILL", "SIGTERM"]), scope: z.string().min(1) }),
  "process-kill": z.strictObject({ signal: z.enum(["SIGKILL", "SIGTERM"]) }),
  "process-pause": z.strictObject({}),
  "network-partition": z.strictObject({ peers: peers.min(1), direction: z.enum(["both", "outbound", "inbound"]) }),
  /** Egress delay; `peers` empty = every destination. */
  "network-latency": z.strictObject({
    delayMs: z.number().int().min(1).max(10_000),
    jitterMs: z.number().int().min(0).max(10_000),
    correlationPct: z.number().min(0).max(100),
    peers,
  }),
  "packet-loss": z.strictObject({ lossPct: z.number().min(0.1).max(100), peers }),
  "bandwidth": z.strictObject({ rateKbit: z.number().int().min(8).max(10_000_000), burstBytes: z.number().int().min(1_600).max(64 * 1024 * 1024) }),
  "dns-failure": z.strictObject({
    mode: z.enum(["nxdomain", "servfail", "timeout"]),
    /** Glob patterns (`*` matches any run of characters); `*` alone matches every name. */
    names: z.array(z.string().regex(/^[A-Za-z0-9*._-]{1,253}$/, "expected a DNS name pattern")).min(1),
  }),
  "cpu-stress": z.strictObject({ workers: z.number().int().min(1).max(64), loadPct: z.number().int().min(1).max(100) }),
  "memory-pressure": z.strictObject({ megabytes: z.number().int().min(1).max(16_384) }),
  "disk-fill": z.strictObject({ fillPct: z.number().min(1).max(99) }),
  /** Not applied by an agent: extra nodes are run-stack resources. */
  "membership-surge": z.strictObject({ count: z.number().int().min(1).max(50) }),
  "transport-downgrade": z.strictObject({}),
  "cert-expiry": z.strictObject({ mode: z.enum(["expired", "untrusted"]) }),
  "clock-skew": z.strictObject({ offsetMs: z.number().int().min(-86_400_000).max(86_400_000) }),
  "http-fault": z.strictObject({ mode: z.enum(["delay", "abort"]), share, delayMs: z.number().int().min(0).max(60_000) }),
  "invalid-signature": z.strictObject({ share }),
} as const satisfies Record<FaultKind, z.ZodType>;

export type AgentParams<K extends FaultKind> = z.infer<(typeof agentParams)[K]>;
