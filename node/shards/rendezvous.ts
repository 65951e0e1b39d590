// Rendezvous (highest-random-weight) hashing: each shard ranks members by hash(shard, member); the
// first is the owner and the next K hold replicas. A membership change moves only the shards whose
// top-ranked member changed.
import { createHash } from "node:crypto";

const weight = (namespace: string, shardId: number, member: string): bigint =>
  createHash("sha256").update(`${namespace}/${shardId}/${member}`).digest().readBigUInt64BE(0);

export function rank(namespace: string, shardId: number, members: readonly string[]): string[] {
  return members
    .map((m) => ({ m, w: weight(namespace, shardId, m) }))
    .sort((a, b) => (a.w === b.w ? a.m.localeCompare(b.m) : a.w > b.w ? -1 : 1))
    .map((x) => x.m);
}

export function assignment(namespace: string, count: number, members: readonly string[]): (string | null)[] {
  return Array.from({ length: count }, (_, id) => rank(namespace, id, members)[0] ?? null);
}
