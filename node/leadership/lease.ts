// Fenced lease tokens as the registry issues them and /control/leaders shows them.
import { z } from "zod";
import { defaultLeadershipScope, leadershipScopeKind } from "../../contract/meshkit.ts";

export const leaseTokenSchema = z.object({
  scope: z.string(),
  scopeKind: z.number().int(),
  leaderId: z.string(),
  term: z.number().int(),
  fenceToken: z.number().int(),
  issuedAt: z.string(),
  expiresAt: z.string(),
  labels: z.record(z.string(), z.string()),
});
export type LeaseToken = z.infer<typeof leaseTokenSchema>;

export const scopeKindOf = (scope: string): number =>
  scope === defaultLeadershipScope
    ? leadershipScopeKind.Global
    : scope.startsWith("shard/")
      ? leadershipScopeKind.Shard
      : leadershipScopeKind.Custom;

export const scopeKindLabel = (scope: string): string => {
  const k = scopeKindOf(scope);
  return (Object.entries(leadershipScopeKind).find(([, v]) => v === k)?.[0] ?? "custom").toLowerCase();
};

export const acquireRequestSchema = z.object({
  scope: z.string().min(1).max(300),
  nodeId: z.string().min(1).max(200),
  durationMs: z.number().int().positive().max(600_000),
  /** Highest term and fence token the node has seen, so a restarted registry never issues lower ones. */
  seenTerm: z.number().int().min(0).optional(),
  seenFence: z.number().int().min(0).optional(),
  /** The fence token of the lease being renewed; without it (e.g. a restarted holder) it is a new acquisition. */
  renewFence: z.number().int().optional(),
});

export const acquireResponseSchema = z.object({
  granted: z.boolean(),
  /** The token now in force (ours if granted, the holder's otherwise); null when none. */
  token: leaseTokenSchema.nullable(),
  /** On a new acquisition: how the previous holder's lease ended. */
  previous: z
    .object({ leaderId: z.string(), reason: z.enum(["expired", "released"]), endedAgoMs: z.number() })
    .nullable(),
});
export type AcquireResponse = z.infer<typeof acquireResponseSchema>;

export const releaseRequestSchema = z.object({
  scope: z.string().min(1),
  nodeId: z.string().min(1),
  fenceToken: z.number().int(),
});
