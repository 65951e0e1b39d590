// The member table of the SWIM-style failure detector. Each member bumps its own heartbeat every
// interval; a higher (incarnation, heartbeat) learnt directly or relayed by any neighbour refreshes
// lastSeen, so liveness travels through the mesh. Status follows from the age of that refresh:
// Alive ≤ suspicion < Suspect ≤ suspicion + pingTimeout·retransmitLimit < Left.
import { z } from "zod";
import type { PeerStatus } from "../../contract/meshkit.ts";
import { clock } from "../clock.ts";

export const peerMetadataSchema = z.object({
  role: z.string(),
  clusterId: z.string(),
  region: z.string(),
  meshVersion: z.string(),
  http3Support: z.boolean(),
  endpoint: z.string(),
  metadataVersion: z.number().int(),
  labels: z.record(z.string(), z.string()),
});
export type PeerMetadata = z.infer<typeof peerMetadataSchema>;

export const digestSchema = z.object({
  nodeId: z.string().min(1).max(200),
  gossip: z.string().min(1).max(300),
  data: z.string().min(1).max(300),
  inc: z.number().int(),
  hb: z.number().int(),
  mv: z.number().int(),
  left: z.boolean().optional(),
});
export type Digest = z.infer<typeof digestSchema>;

export const gossipMessageSchema = z.object({
  from: z.string().min(1),
  clusterId: z.string(),
  members: z.array(digestSchema).max(10_000),
  metadata: z.array(z.object({ nodeId: z.string(), metadata: peerMetadataSchema })).max(10_000),
});
export type GossipMessage = z.infer<typeof gossipMessageSchema>;

interface MemberRecord {
  digest: Digest;
  metadata: PeerMetadata | undefined;
  /** Local monotonic ms at which this member's heartbeat last advanced. */
  lastSeen: number;
  lastSeenWall: number;
  rttMs: number | null;
}

export interface PeerView {
  readonly nodeId: string;
  readonly status: PeerStatus;
  readonly lastSeen: string;
  readonly rttMs: number | null;
  readonly metadata: PeerMetadata | undefined;
  readonly gossip: string;
  readonly data: string;
}

export interface Timing {
  readonly suspicionMs: number;
  readonly leftAfterMs: number;
  /** Left members are forgotten after this long (they stay probe targets until then). */
  readonly forgetAfterMs: number;
}

const newer = (a: Digest, b: Digest): boolean => a.inc > b.inc || (a.inc === b.inc && a.hb > b.hb);

export class Membership {
  private readonly members = new Map<string, MemberRecord>();
  private lastExchange = -Infinity;
  private changeListeners: (() => void)[] = [];
  private lastAliveSet = "";

  private self: Digest;
  private selfMetadata: PeerMetadata;
  private readonly timing: Timing;
  private readonly hasSeeds: boolean;
  private readonly now: () => number;

  constructor(self: Digest, selfMetadata: PeerMetadata, timing: Timing, hasSeeds: boolean, now: () => number = () => performance.now()) {
    this.self = self;
    this.selfMetadata = selfMetadata;
    this.timing = timing;
    this.hasSeeds = hasSeeds;
    this.now = now;
  }

  get selfDigest(): Digest {
    return this.self;
  }

  tick(): void {
    this.self = { ...this.self, hb: this.self.hb + 1 };
    const t = this.now();
    for (const [id, r] of this.members) {
      if (t - r.lastSeen > this.timing.forgetAfterMs) this.members.delete(id);
    }
    this.notifyIfChanged();
  }

  markLeaving(): void {
    this.self = { ...this.self, left: true, hb: this.self.hb + 1 };
  }

  recordExchange(peerId: string | undefined, rttMs?: number): void {
    this.lastExchange = this.now();
    if (peerId && rttMs !== undefined) {
      const r = this.members.get(peerId);
      if (r) r.rttMs = Math.round(rttMs * 100) / 100;
    }
  }

  /** Merges a peer's view; the sender's own entry counts as a direct contact. */
  merge(msg: GossipMessage): void {
    const t = this.now();
    const meta = new Map(msg.metadata.map((m) => [m.nodeId, m.metadata]));
    for (const d of msg.members) {
      if (d.nodeId === this.self.nodeId) continue;
      const r = this.members.get(d.nodeId);
      if (!r) {
        this.members.set(d.nodeId, {
          digest: d,
          metadata: meta.get(d.nodeId),
          lastSeen: d.left ? -Infinity : t,
          lastSeenWall: clock.now(),
          rttMs: null,
        });
        continue;
      }
      if (newer(d, r.digest)) {
        r.digest = d;
        if (d.left) r.lastSeen = -Infinity;
        else {
          r.lastSeen = t;
          r.lastSeenWall = clock.now();
        }
      }
      const m = meta.get(d.nodeId);
      if (m && (!r.metadata || m.metadataVersion >= r.metadata.metadataVersion)) r.metadata = m;
    }
    this.notifyIfChanged();
  }

  statusOf(r: MemberRecord): PeerStatus {
    const age = this.now() - r.lastSeen;
    if (age <= this.timing.suspicionMs) return "Alive";
    if (age <= this.timing.leftAfterMs) return "Suspect";
    return "Left";
  }

  /**
   * A node sees itself Alive when it exchanged gossip recently, or when it is alone by design (no seeds
   * and no member known). A node that lost all its peers is cut off, not alone.
   */
  selfAlive(): boolean {
    if (this.now() - this.lastExchange <= this.timing.suspicionMs) return true;
    return !this.hasSeeds && this.members.size === 0;
  }

  message(metadataSample: number): GossipMessage {
    const recs = [...this.members.values()];
    const metadata = [{ nodeId: this.self.nodeId, metadata: this.selfMetadata }];
    for (const r of sample(recs, metadataSample)) if (r.metadata) metadata.push({ nodeId: r.digest.nodeId, metadata: r.metadata });
    return {
      from: this.self.nodeId,
      clusterId: this.selfMetadata.clusterId,
      members: [this.self, ...recs.map((r) => r.digest)],
      metadata,
    };
  }

  peers(): PeerView[] {
    const self: PeerView = {
      nodeId: this.self.nodeId,
      status: this.selfAlive() ? "Alive" : "Suspect",
      lastSeen: clock.iso(),
      rttMs: 0,
      metadata: this.selfMetadata,
      gossip: this.self.gossip,
      data: this.self.data,
    };
    const others = [...this.members.values()].map((r) => ({
      nodeId: r.digest.nodeId,
      status: this.statusOf(r),
      lastSeen: new Date(r.lastSeenWall).toISOString(),
      rttMs: r.rttMs,
      metadata: r.metadata,
      gossip: r.digest.gossip,
      data: r.digest.data,
    }));
    return [self, ...others.sort((a, b) => a.nodeId.localeCompare(b.nodeId))];
  }

  /** Live members including self, sorted: the input of shard ownership. */
  aliveIds(): string[] {
    const ids = [...this.members.values()].filter((r) => this.statusOf(r) === "Alive").map((r) => r.digest.nodeId);
    return [this.self.nodeId, ...ids].sort();
  }

  addressOf(nodeId: string): { gossip: string; data: string } | undefined {
    if (nodeId === this.self.nodeId) return { gossip: this.self.gossip, data: this.self.data };
    const r = this.members.get(nodeId);
    return r && { gossip: r.digest.gossip, data: r.digest.data };
  }

  /** Gossip targets: `fanout` live or suspect members, plus one Left member as a probe so partitions heal. */
  targets(fanout: number): { nodeId: string; gossip: string }[] {
    const recs = [...this.members.values()];
    const live = recs.filter((r) => this.statusOf(r) !== "Left");
    const gone = recs.filter((r) => this.statusOf(r) === "Left" && !r.digest.left);
    const picked = sample(live, fanout);
    const probe = sample(gone, 1);
    return [...picked, ...probe].map((r) => ({ nodeId: r.digest.nodeId, gossip: r.digest.gossip }));
  }

  knownGossipAddresses(): Set<string> {
    return new Set([...this.members.values()].map((r) => r.digest.gossip));
  }

  counts(): Record<"alive" | "suspect" | "left", number> {
    const c = { alive: this.selfAlive() ? 1 : 0, suspect: this.selfAlive() ? 0 : 1, left: 0 };
    for (const r of this.members.values()) c[this.statusOf(r).toLowerCase() as "alive" | "suspect" | "left"]++;
    return c;
  }

  size(): number {
    return this.members.size + 1;
  }

  /** Called when the set of live members changes (shards rebalance on it). */
  onAliveSetChange(l: () => void): void {
    this.changeListeners.push(l);
  }

  private notifyIfChanged(): void {
    const key = this.aliveIds().join(",");
    if (key === this.lastAliveSet) return;
    this.lastAliveSet = key;
    for (const l of this.changeListeners) l();
  }
}

export function sample<T>(items: readonly T[], n: number): T[] {
  const a = [...items];
  const out: T[] = [];
  while (out.length < n && a.length > 0) out.push(a.splice(Math.floor(Math.random() * a.length), 1)[0]!);
  return out;
}
