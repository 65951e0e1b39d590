// The agent's HTTP API on the wire: response bodies as zod schemas. Clients (the Pulumi fault
// resource, the e2e tests) parse with these; the agent builds its answers from the same types.

import { z } from "zod";

export const errorBody = z.object({
  error: z.string(),
  detail: z.string(),
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

/** Active faults with their kernel evidence. Empty until fault mechanisms exist. */
export const faultsBody = z.object({
  faults: z.array(
    z.object({
      id: z.string(),
      kind: z.string(),
    }),
  ),
});
export type FaultsBody = z.infer<typeof faultsBody>;
