// The `/control/shards` document, shared by node and registry; gated by the x-mesh-scope header.
import type { IncomingMessage, ServerResponse } from "node:http";
import { shardScopeHeader, shardScopes } from "../../contract/meshkit.ts";
import { sendJson } from "../transport/http-util.ts";

export interface ShardItem {
  readonly namespace: string;
  readonly shardId: number;
  readonly strategyId: string;
  readonly ownerNodeId: string | null;
  readonly leaderId: string | null;
  readonly capacityHint: number;
  readonly status: number;
  readonly version: number;
  readonly checksum: string;
  readonly updatedAt: string;
}

export function serveShards(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  view: () => { items: ShardItem[]; version: number },
): void {
  const scope = req.headers[shardScopeHeader];
  if (typeof scope !== "string" || !(shardScopes as readonly string[]).includes(scope)) {
    sendJson(res, 403, { error: `header ${shardScopeHeader} must be one of ${shardScopes.join(", ")}` });
    return;
  }
  const { items, version } = view();
  const limit = Math.min(Math.max(Number(url.searchParams.get("limit") ?? items.length) || items.length, 1), 1000);
  const cursor = Math.max(Number(url.searchParams.get("cursor") ?? 0) || 0, 0);
  const page = items.slice(cursor, cursor + limit);
  const next = cursor + limit < items.length ? String(cursor + limit) : null;
  sendJson(res, 200, { items: page, nextCursor: next, version });
}
