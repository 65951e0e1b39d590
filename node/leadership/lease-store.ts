// The registry's lease store: one lease per scope; term (per scope) and fence token (store-wide)
// increase on every acquisition, never on renewal, so a stale leader's writes can be fenced.
import { clock } from "../clock.ts";
import type { AcquireResponse, LeaseToken } from "./lease.ts";
import { scopeKindOf } from "./lease.ts";

interface Held {
  token: LeaseToken;
  expiresAtMono: number;
}

export type StoreEvent =
  | { kind: "Elected" | "Renewed" | "SteppedDown" | "Expired"; token: LeaseToken; reason: string };

export class LeaseStore {
  private readonly held = new Map<string, Held>();
  private readonly terms = new Map<string, number>();
  private readonly lastEnded = new Map<string, { leaderId: string; reason: "expired" | "released"; at: number }>();
  private fence = 0;
  private readonly listeners: ((e: StoreEvent) => void)[] = [];

  private readonly now: () => number;

  constructor(now: () => number = () => performance.now()) {
    this.now = now;
  }

  onEvent(l: (e: StoreEvent) => void): void {
    this.listeners.push(l);
  }

  acquire(
    scope: string,
    nodeId: string,
    durationMs: number,
    seen: { term?: number; fence?: number; renewFence?: number } = {},
  ): AcquireResponse {
    this.expire();
    // A registry that restarted has lost its counters; the candidates remember the highest ones.
    this.terms.set(scope, Math.max(this.terms.get(scope) ?? 0, seen.term ?? 0));
    this.fence = Math.max(this.fence, seen.fence ?? 0);
    const cur = this.held.get(scope);
    const t = this.now();
    if (cur && cur.token.leaderId !== nodeId) return { granted: false, token: cur.token, previous: null };
    if (cur && seen.renewFence !== cur.token.fenceToken) {
      // The same node id without the current token: a restarted holder. Its old lease ends here.
      this.held.delete(scope);
      this.lastEnded.set(scope, { leaderId: nodeId, reason: "released", at: t });
      this.emit({ kind: "SteppedDown", token: cur.token, reason: "holder restarted" });
    } else if (cur) {
      cur.expiresAtMono = t + durationMs;
      cur.token = { ...cur.token, expiresAt: clock.iso(clock.now() + durationMs) };
      this.emit({ kind: "Renewed", token: cur.token, reason: "renewed" });
      return { granted: true, token: cur.token, previous: null };
    }
    const term = (this.terms.get(scope) ?? 0) + 1;
    this.terms.set(scope, term);
    const token: LeaseToken = {
      scope,
      scopeKind: scopeKindOf(scope),
      leaderId: nodeId,
      term,
      fenceToken: ++this.fence,
      issuedAt: clock.iso(),
      expiresAt: clock.iso(clock.now() + durationMs),
      labels: {},
    };
    this.held.set(scope, { token, expiresAtMono: t + durationMs });
    const ended = this.lastEnded.get(scope);
    const previous = ended ? { leaderId: ended.leaderId, reason: ended.reason, endedAgoMs: Math.round(t - ended.at) } : null;
    this.lastEnded.delete(scope);
    this.emit({ kind: "Elected", token, reason: previous ? `previous leader ${previous.leaderId} ${previous.reason}` : "vacant" });
    return { granted: true, token, previous };
  }

  release(scope: string, nodeId: string, fenceToken: number): boolean {
    const cur = this.held.get(scope);
    if (!cur || cur.token.leaderId !== nodeId || cur.token.fenceToken !== fenceToken) return false;
    this.held.delete(scope);
    this.lastEnded.set(scope, { leaderId: nodeId, reason: "released", at: this.now() });
    this.emit({ kind: "SteppedDown", token: cur.token, reason: "released" });
    return true;
  }

  /** Drops leases past their expiry; called on every access and by the registry's sweep timer. */
  expire(): void {
    const t = this.now();
    for (const [scope, h] of this.held) {
      if (h.expiresAtMono > t) continue;
      this.held.delete(scope);
      this.lastEnded.set(scope, { leaderId: h.token.leaderId, reason: "expired", at: h.expiresAtMono });
      this.emit({ kind: "Expired", token: h.token, reason: "lease expired" });
    }
  }

  tokens(scope?: string): LeaseToken[] {
    this.expire();
    return [...this.held.values()].map((h) => h.token).filter((t) => scope === undefined || t.scope === scope);
  }

  private emit(e: StoreEvent): void {
    for (const l of this.listeners) l(e);
  }
}
