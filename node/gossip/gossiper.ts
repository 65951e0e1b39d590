// Gossip rounds over mutual-TLS HTTPS: every interval the node pushes its view to `fanout` members
// (adaptive: ceil(1.5·log2 N) clamped to the contract's range) and merges the view they answer with.
import { fanoutFor, paths } from "../../contract/meshkit.ts";
import type { Logger } from "../log.ts";
import type { Metrics } from "../metrics.ts";
import type { PeerClient } from "../transport/peer-client.ts";
import { HttpError, readJson, sendJson, type Handler } from "../transport/http-util.ts";
import { type GossipMessage, gossipMessageSchema, type Membership } from "./membership.ts";

export interface GossiperOptions {
  readonly membership: Membership;
  readonly client: PeerClient;
  readonly metrics: Metrics;
  readonly log: Logger;
  readonly intervalMs: number;
  readonly pingTimeoutMs: number;
  readonly fanoutMin: number;
  readonly clusterId: string;
  /** Addresses to probe when few members are known: seeds and peers the registry knows. */
  readonly candidates: () => readonly string[];
  /** True while the `gossip-partition` chaos toggle is on. */
  readonly partitioned: () => boolean;
}

export class Gossiper {
  private timer: NodeJS.Timeout | undefined;
  private inflight = new Set<string>();

  private readonly o: GossiperOptions;

  constructor(o: GossiperOptions) {
    this.o = o;
  }

  start(): void {
    const loop = () => {
      this.round();
      this.timer = setTimeout(loop, this.o.intervalMs);
    };
    this.timer = setTimeout(loop, 0);
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
  }

  private round(): void {
    const { membership: mem, metrics } = this.o;
    mem.tick();
    const c = mem.counts();
    for (const [status, n] of Object.entries(c)) metrics.gossipMembers.set({ mesh_status: status }, n);
    if (this.o.partitioned()) return;
    const fanout = Math.max(this.o.fanoutMin, fanoutFor(mem.size()));
    const targets: { nodeId?: string; gossip: string }[] = mem.targets(fanout);
    const known = mem.knownGossipAddresses();
    const self = mem.selfDigest.gossip;
    const unknown = this.o.candidates().filter((a) => a !== self && !known.has(a));
    // Unknown seeds/registry peers are probed until they show up in the table.
    if (unknown.length > 0) targets.push({ gossip: unknown[Math.floor(Math.random() * unknown.length)]! });
    const metadataSample = Math.min(3, mem.size());
    for (const t of targets) void this.exchange(t, metadataSample);
  }

  /** Push-pull exchange with one member; sends the leave notice too. */
  async exchange(target: { nodeId?: string; gossip: string }, metadataSample: number): Promise<boolean> {
    if (this.inflight.has(target.gossip)) return false;
    this.inflight.add(target.gossip);
    const started = performance.now();
    try {
      const reply = await this.o.client.postJson<unknown>(
        target.gossip,
        paths.gossipMessages,
        this.o.membership.message(metadataSample),
        this.o.pingTimeoutMs,
      );
      const parsed = gossipMessageSchema.safeParse(reply);
      if (!parsed.success) throw new Error("reply is not a gossip message");
      if (this.o.partitioned()) return false;
      const rtt = performance.now() - started;
      this.o.membership.merge(parsed.data);
      this.o.membership.recordExchange(parsed.data.from, rtt);
      this.o.metrics.gossipRtt.observe({ mesh_peer: parsed.data.from }, rtt);
      this.o.metrics.gossipMessages.inc({ mesh_direction: "outbound", mesh_outcome: "success" });
      return true;
    } catch {
      this.o.metrics.gossipMessages.inc({ mesh_direction: "outbound", mesh_outcome: "failure" });
      return false;
    } finally {
      this.inflight.delete(target.gossip);
    }
  }

  /** Tells live members this node is leaving, so they mark it Left without waiting for suspicion. */
  async announceLeave(): Promise<void> {
    this.o.membership.markLeaving();
    const targets = this.o.membership.targets(1000);
    await Promise.allSettled(targets.map((t) => this.exchange(t, 0)));
  }

  handlers(): Record<string, Handler> {
    const receive: Handler = async (req, res) => {
      if (this.o.partitioned()) {
        req.socket.destroy();
        return;
      }
      let msg: GossipMessage;
      try {
        msg = await readJson(req, gossipMessageSchema);
        if (msg.clusterId !== this.o.clusterId) throw new HttpError(409, `cluster ${msg.clusterId} is not ${this.o.clusterId}`);
      } catch (e) {
        this.o.metrics.gossipMessages.inc({ mesh_direction: "inbound", mesh_outcome: "failure" });
        throw e;
      }
      this.o.membership.merge(msg);
      this.o.membership.recordExchange(undefined);
      this.o.metrics.gossipMessages.inc({ mesh_direction: "inbound", mesh_outcome: "success" });
      sendJson(res, 200, this.o.membership.message(3));
    };
    return { [`POST ${paths.gossipMessages}`]: receive, [`POST ${paths.gossipShuffle}`]: receive };
  }
}
