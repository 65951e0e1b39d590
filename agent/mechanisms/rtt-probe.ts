// Measuring what a latency fault does, from inside the node's network namespace: the time a TCP
// connect takes to a peer (a refused connection counts too: the RST comes back after one round trip).
// A SYN is one packet each way, so the median connect time moves by exactly the egress delay.

import { lookup } from "node:dns/promises";
import { isIPv4, Socket } from "node:net";
import type { CommandResult } from "../exec.ts";

type Runner = (file: string, args: readonly string[]) => Promise<CommandResult>;

/** Any port works (refused = answered); the agents' port is open on every node of an environment. */
export const probePort = 9100;

/** Resolves host names to IPv4 addresses; throws naming the peer that did not resolve. */
export async function resolvePeers(peers: readonly string[]): Promise<Map<string, string[]>> {
  const resolved = new Map<string, string[]>();
  for (const peer of peers) {
    if (isIPv4(peer)) {
      resolved.set(peer, [peer]);
      continue;
    }
    try {
      const addresses = await lookup(peer, { family: 4, all: true });
      resolved.set(peer, [...new Set(addresses.map((a) => a.address))]);
    } catch (e) {
      throw new Error(`peer ${peer} does not resolve to an IPv4 address in this network namespace (${(e as Error).message}); name a node or registry of the environment, or an IPv4 address`);
    }
  }
  return resolved;
}

/** The interface and gateway of the IPv4 default route, null when there is none. */
export async function defaultRoute(run: Runner): Promise<{ dev: string; gateway: string | null } | null> {
  const r = await run("ip", ["-4", "-j", "route", "show", "default"]);
  if (!r.ok) return null;
  const routes = JSON.parse(r.stdout || "[]") as { dev?: string; gateway?: string }[];
  const route = routes.find((x) => x.dev !== undefined);
  return route?.dev ? { dev: route.dev, gateway: route.gateway ?? null } : null;
}

/** One connect; the time until SYN-ACK or RST, null on timeout or an unreachable host. */
export function connectRttMs(host: string, port: number, timeoutMs: number): Promise<number | null> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const started = performance.now();
    const done = (rtt: number | null): void => {
      socket.destroy();
      clearTimeout(timer);
      resolve(rtt);
    };
    const timer = setTimeout(() => done(null), timeoutMs);
    socket.once("connect", () => done(performance.now() - started));
    socket.once("error", (e: NodeJS.ErrnoException) => done(e.code === "ECONNREFUSED" ? performance.now() - started : null));
    socket.connect({ host, port });
  });
}

export const median = (xs: readonly number[]): number | null => {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

export interface RttSample {
  readonly target: string;
  readonly medianMs: number | null;
  readonly answered: number;
  readonly sent: number;
}

/**
 * `probes` connects to `target`, started together so a long delay does not multiply the wait (each
 * SYN is delayed on its own), and their median.
 */
export async function measureRtt(target: string, probes: number, timeoutMs: number, port = probePort): Promise<RttSample> {
  const results = await Promise.all(Array.from({ length: probes }, () => connectRttMs(target, port, timeoutMs)));
  const answered = results.filter((x): x is number => x !== null);
  return { target, medianMs: median(answered), answered: answered.length, sent: probes };
}

/** Where to probe: the first resolved peer, else the default gateway; null when neither exists. */
export async function probeTarget(run: Runner, peerAddresses: readonly string[]): Promise<string | null> {
  if (peerAddresses.length > 0) return peerAddresses[0]!;
  return (await defaultRoute(run))?.gateway ?? null;
}

export interface LatencyCheck {
  readonly lines: string[];
  readonly measured: Record<string, number>;
  /** Null when the delay was measured and is there; else why verification failed. */
  readonly failure: string | null;
}

/**
 * Compares a baseline taken before apply with a measurement after: the median must rise by at least
 * half the configured delay. Without a reachable target the check says so instead of guessing.
 */
export async function checkLatency(before: RttSample | null, delayMs: number, jitterMs: number): Promise<LatencyCheck> {
  if (before === null || before.medianMs === null) {
    const why = before === null ? "no peer and no default gateway to probe" : `${before.target} did not answer ${before.sent} TCP connects before apply`;
    return { lines: [`RTT not measured: ${why}; kernel state verified only`], measured: {}, failure: null };
  }
  const after = await measureRtt(before.target, before.sent, 2 * (delayMs + jitterMs) + 1_000);
  if (after.medianMs === null) {
    return { lines: [], measured: {}, failure: `${before.target} answered before apply but none of ${after.sent} TCP connects after it` };
  }
  const increase = after.medianMs - before.medianMs;
  const lines = [
    `TCP connect RTT to ${before.target}: median ${before.medianMs.toFixed(2)} ms before, ${after.medianMs.toFixed(2)} ms after (${after.answered}/${after.sent} answered): +${increase.toFixed(1)} ms for a configured ${delayMs} ms`,
  ];
  const measured = { rttBeforeMs: round(before.medianMs), rttAfterMs: round(after.medianMs), rttIncreaseMs: round(increase) };
  const failure = increase < 0.5 * delayMs ? `the median RTT rose by ${increase.toFixed(1)} ms, less than half the configured ${delayMs} ms` : null;
  return { lines, measured, failure };
}

const round = (x: number): number => Math.round(x * 100) / 100;
