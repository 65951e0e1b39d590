// The agent's HTTP API on the wire: request and response bodies as zod schemas. One contract for the
// agent (which parses requests with it), the typed client (agent/client.ts), the Pulumi fault
// resource, the CLI, the scenario runner and the tests.
//
// Endpoints (all but health and metrics need the per-run bearer token):
//   GET    /v1/health                 healthBody
//   GET    /v1/capabilities           capabilitiesBody
//   GET    /v1/faults                 faultsBody (active faults with their kernel evidence)
//   POST   /v1/faults                 applyRequest -> appliedFault (201; 409 if the id is active;
//                                     412 + errorBody{missing} when a capability is missing, nothing changed)
//   POST   /v1/faults/{id}/renew      renewRequest -> appliedFault (404 if not active)
//   DELETE /v1/faults/{id}            -> revertedFault (404 if not active)

import { z } from "zod";
import { faultKinds } from "../contract/meshkit.ts";

export const errorBody = z.object({
  error: z.string(),
  detail: z.string(),
  /** For `capability_missing`: each missing capability and how to grant it. */
  missing: z.array(z.string()).optional(),
});
export type ErrorBody = z.infer<typeof errorBody>;

export const healthBody = z.object({
  status: z.literal("ok"),
  nodeId: z.string(),
  version: z.string(),
  uptimeSeconds: z.number().nonnegative(),
});
export type HealthBody = z.infer<typeof healthBody>;

export const iptablesBackends = ["legacy", "nf_tables"] as const;

export const capabilitiesBody = z.object({
  /** CAP_NET_ADMIN in the agent's effective set. */
  netAdmin: z.boolean(),
  /** A netem qdisc could be added (on a throw-away interface), so tc netem faults work. */
  schNetem: z.boolean(),
  /** A tbf qdisc could be added, so bandwidth faults work. */
  tbf: z.boolean(),
  iptables: z.object({
    /** A chain could be created and removed with the image's `iptables`. */
    available: z.boolean(),
    backend: z.enum(iptablesBackends).nullable(),
    /** A rule with `-m statistic --mode random` was accepted by the kernel. */
    statisticMatch: z.boolean(),
  }),
  pidVisibility: z.object({
    nodeProcessVisible: z.boolean(),
    pid: z.number().int().positive().nullable(),
    /** The node process is in the agent's network namespace; null when not visible or not readable. */
    sharesNetworkNamespace: z.boolean().nullable(),
  }),
  stressTools: z.object({ stressNg: z.boolean() }),
  /** `uname -r` */
  kernel: z.string(),
  measuredAt: z.iso.datetime(),
  /** Why a capability is missing and how to grant it; evidence of the probes. */
  notes: z.array(z.string()),
});
export type Capabilities = z.infer<typeof capabilitiesBody>;

/** Fault ids: short, safe in iptables comments, chain names, file names and URLs. */
export const faultId = z.string().regex(/^[a-z0-9][a-z0-9-]{2,39}$/, "expected 3-40 characters of a-z, 0-9 and '-'");

/**
 * One fault on one agent. `params` are the concrete settings of the kind's agent mechanism (see
 * agent/mechanisms/), already planned by the fault catalog (faults/): peers resolved to host names,
 * shares as fractions. The agent validates them again with the mechanism's own schema.
 */
export const applyRequest = z.strictObject({
  id: faultId,
  kind: z.enum(faultKinds),
  params: z.record(z.string(), z.unknown()),
  /** The nodes this fault is about (this agent's node first); informational, kept in evidence. */
  targets: z.array(z.string()).min(1),
  /** Lease: unrenewed for this long, the agent reverts the fault by itself. */
  ttlSeconds: z.number().min(1).max(3600),
});
export type ApplyRequest = z.infer<typeof applyRequest>;

export const renewRequest = z.strictObject({ ttlSeconds: z.number().min(1).max(3600) });
export type RenewRequest = z.infer<typeof renewRequest>;

/** What a mechanism saw in the kernel (or measured) after apply or revert. */
export const evidence = z.object({
  /** Human-readable lines: rules, qdiscs, process states, measured RTT/loss... */
  lines: z.array(z.string()),
  /** Measurements by name, e.g. `rttIncreaseMs`, `lossRatio`, `connectTimedOut` (1/0), `fillPct`. */
  measured: z.record(z.string(), z.number()),
});
export type Evidence = z.infer<typeof evidence>;

export const appliedFault = z.object({
  id: z.string(),
  kind: z.enum(faultKinds),
  nodeId: z.string(),
  params: z.record(z.string(), z.unknown()),
  targets: z.array(z.string()),
  /** The mechanism the agent chose, e.g. `iptables`, `netem`, `nfqueue-delay`, `tbf`, `signal`. */
  mechanism: z.string(),
  appliedAt: z.iso.datetime(),
  leaseExpiresAt: z.iso.datetime(),
  /** Apply + verify-active, in milliseconds. */
  applyMs: z.number().nonnegative(),
  evidence,
});
export type AppliedFault = z.infer<typeof appliedFault>;

export const revertReasons = ["requested", "lease-expired", "journal-recovery", "agent-stopping"] as const;

export const revertedFault = z.object({
  id: z.string(),
  kind: z.enum(faultKinds),
  nodeId: z.string(),
  mechanism: z.string(),
  reason: z.enum(revertReasons),
  revertedAt: z.iso.datetime(),
  /** Revert + verify-reverted, in milliseconds. */
  revertMs: z.number().nonnegative(),
  /** True when the kernel state after revert was compared equal to the state before apply. */
  verified: z.boolean(),
  evidence,
});
export type RevertedFault = z.infer<typeof revertedFault>;

export const faultsBody = z.object({
  faults: z.array(appliedFault),
  /** The last reverts the agent did by itself (lease expiry, journal recovery), newest first, at most 50. */
  recentReverts: z.array(revertedFault),
});
export type FaultsBody = z.infer<typeof faultsBody>;
