// Leadership events and their Server-Sent Events stream: the current state first (Snapshot), then
// every transition as it happens.
import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { leadershipEventKind } from "../../contract/meshkit.ts";
import { clock } from "../clock.ts";
import type { LeaseToken } from "./lease.ts";

export type EventKindName = keyof typeof leadershipEventKind;

export interface LeadershipEvent {
  readonly eventKind: number;
  readonly scope: string;
  readonly leaderId: string | null;
  readonly token: LeaseToken | null;
  readonly reason: string;
  readonly correlationId: string;
  readonly occurredAt: string;
}

export function leadershipEvent(kind: EventKindName, scope: string, token: LeaseToken | null, reason: string): LeadershipEvent {
  return {
    eventKind: leadershipEventKind[kind],
    scope,
    leaderId: token?.leaderId ?? null,
    token,
    reason,
    correlationId: randomUUID(),
    occurredAt: clock.iso(),
  };
}

export class LeadershipEventStream {
  private readonly clients = new Set<{ res: ServerResponse; scope: string | null }>();

  publish(e: LeadershipEvent): void {
    for (const c of this.clients) if (c.scope === null || c.scope === e.scope) write(c.res, e);
  }

  /** Serves `GET /control/events/leadership?scope=`; `snapshot` gives the current tokens. */
  serve(req: IncomingMessage, res: ServerResponse, url: URL, snapshot: () => LeaseToken[], scopes: () => string[]): void {
    const scope = url.searchParams.get("scope");
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" });
    res.write(": leadership events\n\n");
    const tokens = snapshot();
    for (const s of scope ? [scope] : scopes()) {
      const t = tokens.find((x) => x.scope === s) ?? null;
      write(res, leadershipEvent("Snapshot", s, t, t ? "current leader" : "no leader"));
    }
    const client = { res, scope };
    this.clients.add(client);
    const keepAlive = setInterval(() => res.write(": keep-alive\n\n"), 15_000);
    const drop = () => {
      clearInterval(keepAlive);
      this.clients.delete(client);
    };
    req.on("close", drop);
    res.on("error", drop);
  }

  closeAll(): void {
    for (const c of this.clients) c.res.end();
    this.clients.clear();
  }
}

function write(res: ServerResponse, e: LeadershipEvent): void {
  res.write(`event: leadership\ndata: ${JSON.stringify(e)}\n\n`);
}
