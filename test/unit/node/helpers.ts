// Helpers for the node tests: HTTP against the control port, polling with deadlines, metric parsing.
import { expect } from "vitest";
import { paths } from "../../../contract/meshkit.ts";

export async function getJson<T = any>(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: T }> {
  const r = await fetch(url, { headers, signal: AbortSignal.timeout(5000) });
  return { status: r.status, body: (await r.json()) as T };
}

export async function post(url: string, body?: unknown): Promise<{ status: number; body: any }> {
  const r = await fetch(url, {
    method: "POST",
    body: body === undefined ? undefined : JSON.stringify(body),
    headers: body === undefined ? {} : { "content-type": "application/json" },
    signal: AbortSignal.timeout(5000),
  });
  const text = await r.text();
  return { status: r.status, body: text ? JSON.parse(text) : null };
}

/** Polls `probe` until it returns a value other than undefined, or fails with the last observation. */
export async function waitFor<T>(what: string, deadlineMs: number, probe: () => Promise<T | undefined>, everyMs = 200): Promise<T> {
  const end = Date.now() + deadlineMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out after ${deadlineMs} ms waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ""}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export type PeerStatusMap = Record<string, string>;

export async function peerStatuses(controlUrl: string): Promise<PeerStatusMap> {
  const { body } = await getJson<{ peers: { nodeId: string; status: string }[] }>(`${controlUrl}${paths.peers}`);
  return Object.fromEntries(body.peers.map((p) => [p.nodeId, p.status]));
}

export interface Token {
  scope: string;
  leaderId: string;
  term: number;
  fenceToken: number;
}

export async function leaderAt(controlUrl: string): Promise<Token | undefined> {
  const { body } = await getJson<{ tokens: Token[] }>(`${controlUrl}${paths.leaders}`);
  return body.tokens[0];
}

export async function metricsText(controlUrl: string): Promise<string> {
  const r = await fetch(`${controlUrl}${paths.metrics}`, { signal: AbortSignal.timeout(5000) });
  expect(r.status).toBe(200);
  return r.text();
}

/** Sum of every sample of `name` whose labels include all of `match`. */
export function sample(text: string, name: string, match: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split("\n")) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const labels = line.slice(name.length).match(/^\{(.*)\}/)?.[1] ?? "";
    if (Object.entries(match).every(([k, v]) => labels.includes(`${k}="${v}"`))) sum += Number(line.split(" ").pop());
  }
  return sum;
}

/** Waits until every node of the mesh sees every node (itself included) Alive. */
export async function meshFormed(controlUrls: readonly string[], deadlineMs = 30_000): Promise<void> {
  await waitFor("mesh formed", deadlineMs, async () => {
    const views = await Promise.all(controlUrls.map(peerStatuses));
    return views.every((v) => Object.values(v).length === controlUrls.length && Object.values(v).every((s) => s === "Alive")) || undefined;
  });
}
