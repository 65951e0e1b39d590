// Campaigns for the configured scopes with fenced leases held in the registry. Every evaluation
// (interval + 25–125 ms jitter): a leader renews when its lease is within the renewal lead time of
// expiry; a follower tries to acquire (the registry grants only a vacant or expired lease). A node
// that does not see itself Alive does not campaign and does not renew. The leader's own idea of its
// lease ends at (request sent + lease duration), so it never outlives the registry's.
import { defaults, leadershipTransition } from "../../contract/meshkit.ts";
import { clock } from "../clock.ts";
import type { Logger } from "../log.ts";
import type { Metrics } from "../metrics.ts";
import type { RegistryClient } from "../registry/client.ts";
import { type EventKindName, leadershipEvent, type LeadershipEventStream } from "./events.ts";
import { type LeaseToken, scopeKindLabel } from "./lease.ts";

interface ScopeState {
  token: LeaseToken | null;
  leading: boolean;
  localExpiry: number;
  vacantSince: number | null;
}

export interface ElectorOptions {
  readonly nodeId: string;
  readonly scopes: readonly string[];
  readonly leaseDurationMs: number;
  readonly renewalLeadTimeMs: number;
  readonly evaluationIntervalMs: number;
  readonly registry: RegistryClient;
  readonly selfAlive: () => boolean;
  readonly events: LeadershipEventStream;
  readonly metrics: Metrics;
  readonly log: Logger;
}

export class Elector {
  private readonly state = new Map<string, ScopeState>();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  private readonly o: ElectorOptions;

  constructor(o: ElectorOptions) {
    this.o = o;
    for (const s of o.scopes) {
      this.state.set(s, { token: null, leading: false, localExpiry: 0, vacantSince: null });
      o.metrics.isLeader.set({ mesh_scope: s }, 0);
    }
  }

  start(): void {
    const [lo, hi] = defaults.leadership.evaluationJitterMs;
    const loop = async () => {
      await Promise.allSettled(this.o.scopes.map((s) => this.evaluate(s)));
      if (!this.stopped) this.timer = setTimeout(loop, this.o.evaluationIntervalMs + lo + Math.random() * (hi - lo));
    };
    this.timer = setTimeout(loop, Math.random() * this.o.evaluationIntervalMs);
  }

  tokens(): LeaseToken[] {
    const now = clock.now(); // a skewed clock misjudges expiry, as on a real node
    return [...this.state.values()]
      .map((s) => s.token)
      .filter((t): t is LeaseToken => t !== null && Date.parse(t.expiresAt) > now);
  }

  isLeader(scope: string): boolean {
    const s = this.state.get(scope);
    return !!s && s.leading && performance.now() < s.localExpiry;
  }

  /** SIGTERM path: release every held lease so a successor takes over at its next evaluation. */
  async stepDown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await Promise.allSettled(
      [...this.state.entries()].map(async ([scope, s]) => {
        if (!s.leading || !s.token) return;
        const token = s.token;
        s.leading = false;
        this.o.metrics.isLeader.set({ mesh_scope: scope }, 0);
        this.emit("SteppedDown", scope, token, "shutdown");
        await this.o.registry.release(scope, this.o.nodeId, token.fenceToken);
      }),
    );
  }

  private async evaluate(scope: string): Promise<void> {
    const s = this.state.get(scope)!;
    const now = performance.now();
    if (s.leading && now >= s.localExpiry) this.lose(scope, s, "lease expired before renewal");
    const alive = this.o.selfAlive();
    if (s.leading) {
      if (!alive) return; // let the lease lapse: an isolated node must not keep leading
      if (s.localExpiry - now > this.o.renewalLeadTimeMs) return;
    } else if (!alive) {
      return;
    }
    const sent = performance.now();
    let r;
    try {
      r = await this.o.registry.acquire(scope, this.o.nodeId, this.o.leaseDurationMs, {
        term: s.token?.term ?? 0,
        fence: s.token?.fenceToken ?? 0,
        renewFence: s.leading ? s.token?.fenceToken : undefined,
      });
    } catch (e) {
      if (!s.leading) s.vacantSince ??= sent;
      this.o.log.warn("registry unreachable", { scope, error: (e as Error).message });
      return;
    }
    if (this.stopped) return;
    const prev = s.token;
    if (r.granted && r.token) {
      s.token = r.token;
      s.localExpiry = sent + this.o.leaseDurationMs;
      this.o.metrics.leaderTerm.set({ mesh_scope: scope }, r.token.term);
      if (s.leading && prev?.fenceToken === r.token.fenceToken) {
        this.emit("Renewed", scope, r.token, "renewed");
        return;
      }
      if (r.previous?.reason === "expired" && r.previous.leaderId !== this.o.nodeId) {
        this.emit("Expired", scope, prev && prev.leaderId === r.previous.leaderId ? prev : null, `lease of ${r.previous.leaderId} expired`);
      }
      s.leading = true;
      this.o.metrics.isLeader.set({ mesh_scope: scope }, 1);
      // The campaign started when the scope fell vacant: as the registry saw it, or as this node did.
      const vacantAt = Math.min(s.vacantSince ?? sent, r.previous ? sent - r.previous.endedAgoMs : sent);
      this.o.metrics.electionDuration.observe({ mesh_scope: scope }, performance.now() - vacantAt);
      s.vacantSince = null;
      this.emit("Elected", scope, r.token, r.previous ? `previous leader ${r.previous.leaderId} ${r.previous.reason}` : "vacant");
      return;
    }
    if (s.leading) {
      if (r.token && r.token.leaderId !== this.o.nodeId && performance.now() < s.localExpiry) {
        this.o.metrics.splitBrain.inc({ mesh_scope: scope });
      }
      this.lose(scope, s, `lease held by ${r.token?.leaderId ?? "nobody"}`);
    }
    s.token = r.token;
    s.vacantSince = r.token ? null : (s.vacantSince ?? sent);
    if (r.token) {
      this.o.metrics.leaderTerm.set({ mesh_scope: scope }, r.token.term);
      if (!prev || prev.fenceToken !== r.token.fenceToken) this.emit("Observed", scope, r.token, "leader observed");
    }
  }

  private lose(scope: string, s: ScopeState, reason: string): void {
    s.leading = false;
    this.o.metrics.isLeader.set({ mesh_scope: scope }, 0);
    this.emit("Lost", scope, s.token, reason);
    this.o.log.warn("leadership lost", { scope, reason });
  }

  private emit(kind: EventKindName, scope: string, token: LeaseToken | null, reason: string): void {
    this.o.events.publish(leadershipEvent(kind, scope, token, reason));
    if (kind !== "Observed" && kind !== "Snapshot") {
      this.o.metrics.leadershipTransitions.inc({
        mesh_scope: scope,
        mesh_scope_kind: scopeKindLabel(scope),
        mesh_leader: token?.leaderId ?? "",
        mesh_transition: leadershipTransition[kind],
      });
    }
    if (kind !== "Renewed") this.o.log.info(`leadership ${kind}`, { scope, leader: token?.leaderId, term: token?.term, reason });
  }
}
