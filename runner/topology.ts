// The live topology a fault plan resolves its targets against: the environment's nodes (stack
// outputs) and who leads each scope right now (`/control/leaders` of the nodes that answer).

import { z } from "zod";
import { defaultLeadershipScope, paths } from "../contract/meshkit.ts";
import type { Topology } from "../faults/targets.ts";

export interface LiveTopology extends Topology {
  /** Term of each scope's current leader, for "new leader with a higher term" checks. */
  readonly terms: Readonly<Record<string, number>>;
}

const leadersBody = z.object({
  tokens: z.array(z.object({ scope: z.string(), leaderId: z.string().nullable(), term: z.number(), expiresAt: z.string() })),
});

/** Reads leaders from every node in parallel and keeps, per scope, the unexpired token with the highest term. */
export async function readTopology(nodes: readonly { name: string; controlUrl: string }[]): Promise<LiveTopology> {
  const answers = await Promise.all(
    nodes.map(async (n) => {
      try {
        const res = await fetch(`${n.controlUrl}${paths.leaders}`, { signal: AbortSignal.timeout(2_000) });
        return res.ok ? leadersBody.parse(await res.json()).tokens : [];
      } catch {
        return []; // a killed or partitioned node: the others answer
      }
    }),
  );
  const now = Date.now();
  const leaders: Record<string, string | null> = { [defaultLeadershipScope]: null };
  const terms: Record<string, number> = {};
  for (const token of answers.flat()) {
    const live = token.leaderId !== null && Date.parse(token.expiresAt) > now;
    if (live && (terms[token.scope] ?? -1) < token.term) {
      leaders[token.scope] = token.leaderId;
      terms[token.scope] = token.term;
    }
  }
  return { nodes: nodes.map((n) => n.name), leaders, terms };
}
