// Shards owned by live members (rendezvous hashing), writes on the owner replicated to the next K
// ranked members with measured lag, and rebalancing when the live set changes: a new owner pulls the
// shard from its previous owner or a replica; moving shards and the rebalance duration are measured.
import { createHash } from "node:crypto";
import { z } from "zod";
import { dataPaths, shardStatus } from "../../contract/meshkit.ts";
import { clock } from "../clock.ts";
import type { Logger } from "../log.ts";
import type { Metrics } from "../metrics.ts";
import type { DataClient } from "../transport/data-client.ts";
import { HttpError } from "../transport/http-util.ts";
import { rank } from "./rendezvous.ts";
import type { ShardItem } from "./shard-view.ts";

const MAX_KEYS_PER_SHARD = 64;

export const writeSchema = z.object({ shardId: z.number().int().min(0), key: z.string().max(200), value: z.string().max(4096) });
export const replicateSchema = writeSchema.extend({ version: z.number().int(), writtenAt: z.number(), from: z.string() });
export const snapshotSchema = z.object({ shardId: z.number().int().min(0) });

interface Shard {
  owner: string | null;
  replicas: string[];
  status: number;
  version: number;
  data: Map<string, string>;
  updatedAt: number;
}

export interface ShardTableOptions {
  readonly nodeId: string;
  readonly namespace: string;
  readonly count: number;
  readonly replicationFactor: number;
  readonly metrics: Metrics;
  readonly log: Logger;
  readonly client: DataClient;
  readonly addressOf: (nodeId: string) => { data: string } | undefined;
}

export class ShardTable {
  private readonly shards: Shard[];
  private mapVersion = 0;
  private rebalanceSeq = 0;

  private readonly o: ShardTableOptions;

  constructor(o: ShardTableOptions) {
    this.o = o;
    this.shards = Array.from({ length: o.count }, () => ({
      owner: null,
      replicas: [],
      status: shardStatus.Unassigned,
      version: 0,
      data: new Map(),
      updatedAt: clock.now(),
    }));
  }

  ownerOf(shardId: number): string | null {
    return this.shards[shardId]?.owner ?? null;
  }

  /** Recomputes ownership for the given live members and pulls shards that moved to this node. */
  rebalance(members: readonly string[]): void {
    const started = performance.now();
    const seq = ++this.rebalanceSeq;
    const incoming: { id: number; from: string[] }[] = [];
    let moving = 0;
    this.shards.forEach((s, id) => {
      const ranked = rank(this.o.namespace, id, members);
      const owner = ranked[0] ?? null;
      const replicas = ranked.slice(1, 1 + this.o.replicationFactor);
      if (owner !== s.owner) {
        if (s.owner !== null) moving++;
        if (owner === this.o.nodeId && s.owner !== null) incoming.push({ id, from: [s.owner, ...s.replicas] });
        s.owner = owner;
        s.status = owner === null ? shardStatus.Unassigned : shardStatus.Active;
        s.updatedAt = clock.now();
      }
      s.replicas = replicas;
    });
    this.mapVersion++;
    this.o.metrics.shardsOwned.set(this.shards.filter((s) => s.owner === this.o.nodeId).length);
    this.o.metrics.rebalanceMoving.set(moving);
    if (moving === 0) return;
    for (const { id } of incoming) this.shards[id]!.status = shardStatus.Moving;
    void Promise.allSettled(incoming.map(({ id, from }) => this.pull(id, from))).then(() => {
      if (seq !== this.rebalanceSeq) return;
      this.o.metrics.rebalanceMoving.set(0);
      this.o.metrics.rebalanceDuration.observe((performance.now() - started) / 1000);
      this.o.log.info("rebalance done", { moving, incoming: incoming.length, ms: Math.round(performance.now() - started) });
    });
  }

  private async pull(id: number, from: string[]): Promise<void> {
    const s = this.shards[id]!;
    for (const peer of from.filter((p) => p !== this.o.nodeId)) {
      const addr = this.o.addressOf(peer);
      if (!addr) continue;
      try {
        const r = await this.o.client.call({ nodeId: peer, data: addr.data }, dataPaths.snapshot, { shardId: id }, { tcpOnly: true });
        if (r.status !== 200) continue;
        const snap = z.object({ version: z.number(), data: z.record(z.string(), z.string()) }).parse(r.body);
        if (snap.version >= s.version) {
          s.version = snap.version;
          s.data = new Map(Object.entries(snap.data));
        }
        break;
      } catch {
        // try the next holder
      }
    }
    if (s.owner === this.o.nodeId) s.status = shardStatus.Active;
  }

  async write(body: z.infer<typeof writeSchema>): Promise<{ shardId: number; version: number; replicas: number }> {
    const s = this.shards[body.shardId];
    if (!s) throw new HttpError(404, `no shard ${body.shardId}`);
    if (s.owner !== this.o.nodeId) throw new HttpError(409, `shard ${body.shardId} is owned by ${s.owner ?? "nobody"}`);
    this.apply(s, body.key, body.value);
    s.version++;
    const writtenAt = clock.now();
    const started = performance.now();
    const results = await Promise.allSettled(
      s.replicas.map(async (peer) => {
        const addr = this.o.addressOf(peer);
        if (!addr) throw new Error(`no address for ${peer}`);
        const r = await this.o.client.call({ nodeId: peer, data: addr.data }, dataPaths.replicate, {
          ...body,
          version: s.version,
          writtenAt,
          from: this.o.nodeId,
        });
        if (r.status !== 200) throw new Error(`replica ${peer} answered ${r.status}`);
        this.o.metrics.replicationLag.observe({ shard_id: String(body.shardId), rpc_peer: peer }, performance.now() - started);
        this.o.metrics.replicationEvents.inc();
      }),
    );
    return { shardId: body.shardId, version: s.version, replicas: results.filter((r) => r.status === "fulfilled").length };
  }

  replicate(body: z.infer<typeof replicateSchema>): { ok: true } {
    const s = this.shards[body.shardId];
    if (!s) throw new HttpError(404, `no shard ${body.shardId}`);
    this.apply(s, body.key, body.value);
    s.version = Math.max(s.version, body.version);
    return { ok: true };
  }

  snapshot(shardId: number): { version: number; data: Record<string, string> } {
    const s = this.shards[shardId];
    if (!s) throw new HttpError(404, `no shard ${shardId}`);
    return { version: s.version, data: Object.fromEntries(s.data) };
  }

  view(): { items: ShardItem[]; version: number } {
    return {
      version: this.mapVersion,
      items: this.shards.map((s, id) => ({
        namespace: this.o.namespace,
        shardId: id,
        strategyId: "rendezvous",
        ownerNodeId: s.owner,
        leaderId: s.owner,
        capacityHint: 1,
        status: s.status,
        version: s.version,
        checksum: createHash("sha256").update(JSON.stringify([...s.data].sort())).digest("hex").slice(0, 16),
        updatedAt: new Date(s.updatedAt).toISOString(),
      })),
    };
  }

  private apply(s: Shard, key: string, value: string): void {
    s.data.delete(key);
    s.data.set(key, value);
    if (s.data.size > MAX_KEYS_PER_SHARD) s.data.delete(s.data.keys().next().value!);
    s.updatedAt = clock.now();
  }
}
