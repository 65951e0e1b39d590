// `node-chaos-toggle`: faults the node applies to itself through its chaos endpoints
// (`POST /omnirelay/control/chaos/{name}:start|:stop` on the control port). The agent shares the
// node's network namespace, so it reaches the control port on 127.0.0.1. Kinds:
//   http-fault         mode delay -> `slow-handlers` {share, delayMs}; abort -> `failing-handlers` {share}
//   invalid-signature  `invalid-signature` {share}
//   clock-skew         `clock-skew` {offsetMs} (reference node extension)
// Verified active by reading the toggle back from `GET /omnirelay/control/chaos` (and for clock-skew the
// node's `mesh_clock_offset_seconds` and its reported time); reverted likewise. For abort, the share of
// requests the node answered 500 during the fault is measured from its own counters at revert.

import { chaosNames, chaosToggle, metrics, paths, ports } from "../../contract/meshkit.ts";
import { agentApi } from "../contract.ts";
import { type AgentParams, agentParams } from "../params.ts";
import type { Evidence } from "../protocol.ts";
import type { Mechanism, MechanismContext } from "./mechanism.ts";

/** Where the agent reaches the node's control port; the environment sets it from the node's configured port. */
export const nodeControlEnv = agentApi.env.nodeControlUrl;
export const defaultNodeControlUrl = `http://127.0.0.1:${ports.control}`;

const REQUEST_TIMEOUT_MS = 3000;
/** Reported time vs the agent's clock: loopback round trip plus rounding. */
const CLOCK_TOLERANCE_MS = 500;

interface Toggle {
  readonly name: string;
  readonly body: Record<string, number>;
}

type ToggleKind = "http-fault" | "invalid-signature" | "clock-skew";

const toggleOf = {
  "http-fault": (p: AgentParams<"http-fault">): Toggle =>
    p.mode === "delay"
      ? { name: chaosNames.slowHandlers, body: { share: p.share, delayMs: p.delayMs } }
      : { name: chaosNames.failingHandlers, body: { share: p.share } },
  "invalid-signature": (p: AgentParams<"invalid-signature">): Toggle => ({ name: chaosNames.invalidSignature, body: { share: p.share } }),
  "clock-skew": (p: AgentParams<"clock-skew">): Toggle => ({ name: chaosNames.clockSkew, body: { offsetMs: p.offsetMs } }),
} satisfies { [K in ToggleKind]: (p: AgentParams<K>) => Toggle };

interface ActiveSetting {
  readonly share?: number;
  readonly delayMs?: number;
  readonly offsetMs?: number;
  readonly since?: string;
}

/** Sum of the samples of a metric whose labels include `match`, from Prometheus text. */
export function metricSum(text: string, name: string, match: Record<string, string> = {}): number | undefined {
  let sum: number | undefined;
  for (const line of text.split("\n")) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const labels = /^\{(.*)\}/.exec(line.slice(name.length))?.[1] ?? "";
    if (Object.entries(match).every(([k, v]) => labels.includes(`${k}="${v}"`))) sum = (sum ?? 0) + Number(line.split(" ").pop());
  }
  return sum;
}

class NodeControl {
  readonly base: string;
  constructor(base: string) {
    this.base = base.replace(/\/$/, "");
  }

  private async request(method: "GET" | "POST", path: string, body?: unknown): Promise<{ status: number; text: string }> {
    try {
      const r = await fetch(`${this.base}${path}`, {
        method,
        ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { "content-type": "application/json" } }),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      return { status: r.status, text: await r.text() };
    } catch (e) {
      const cause = (e as { cause?: { code?: string } }).cause?.code ?? (e as Error).message;
      throw new Error(
        `the node's control port does not answer at ${this.base} (${method} ${path}: ${cause}); is the node up? ` +
          `If its control port is not ${ports.control}, set ${nodeControlEnv} on the agent`,
      );
    }
  }

  async active(): Promise<Record<string, ActiveSetting>> {
    const r = await this.request("GET", paths.chaosPrefix);
    if (r.status !== 200) throw new Error(`GET ${this.base}${paths.chaosPrefix} answered ${r.status}: ${r.text.slice(0, 200)}`);
    return (JSON.parse(r.text) as { active?: Record<string, ActiveSetting> }).active ?? {};
  }

  async toggle(t: Toggle, action: "start" | "stop"): Promise<void> {
    const path = chaosToggle(t.name, action);
    const r = await this.request("POST", path, action === "start" ? t.body : undefined);
    if (r.status === 404) throw new Error(`the node has no chaos toggle "${t.name}" (POST ${path}: 404); is it the reference node or an OmniRelay build with it?`);
    if (r.status !== 200) throw new Error(`POST ${this.base}${path} answered ${r.status}: ${r.text.slice(0, 200)}`);
  }

  async metricsText(): Promise<string | undefined> {
    const r = await this.request("GET", paths.metrics);
    return r.status === 200 ? r.text : undefined;
  }

  /** The node's reported time minus the agent's, from `generatedAt` of /control/peers; undefined without it. */
  async reportedClockOffsetMs(): Promise<number | undefined> {
    const before = Date.now();
    const r = await this.request("GET", paths.peers);
    const after = Date.now();
    if (r.status !== 200) return undefined;
    const at = Date.parse((JSON.parse(r.text) as { generatedAt?: string }).generatedAt ?? "");
    return Number.isFinite(at) ? Math.round(at - (before + after) / 2) : undefined;
  }
}

const matches = (s: ActiveSetting | undefined, t: Toggle): boolean =>
  s !== undefined && Object.entries(t.body).every(([k, v]) => s[k as keyof ActiveSetting] === v);

/** Requests the node completed, and those it answered 500, so far. */
async function requestCounts(node: NodeControl): Promise<{ total: number; failed: number } | undefined> {
  const text = await node.metricsText();
  if (!text) return undefined;
  const name = metrics.httpRequestsCompleted.name;
  return { total: metricSum(text, name) ?? 0, failed: metricSum(text, name, { http_response_status_code: "500" }) ?? 0 };
}

async function clockEvidence(node: NodeControl, expectedMs: number, lines: string[], measured: Record<string, number>): Promise<boolean> {
  let ok = true;
  const text = await node.metricsText();
  const metric = text ? metricSum(text, metrics.clockOffset.name) : undefined;
  if (metric !== undefined) {
    measured.clockOffsetMetricSeconds = metric;
    lines.push(`${metrics.clockOffset.name} ${metric}`);
    ok &&= Math.abs(metric * 1000 - expectedMs) < 1;
  }
  const reported = await node.reportedClockOffsetMs();
  if (reported !== undefined) {
    measured.reportedClockOffsetMs = reported;
    lines.push(`node's reported time is ${reported} ms from the agent's (expected ${expectedMs} ± ${CLOCK_TOLERANCE_MS})`);
    ok &&= Math.abs(reported - expectedMs) <= CLOCK_TOLERANCE_MS;
  }
  return ok;
}

function toggleMechanism<K extends ToggleKind>(kind: K, controlUrl: () => string): Mechanism<AgentParams<K>> {
  const toggleFor = toggleOf[kind] as (p: AgentParams<K>) => Toggle;
  return {
    name: "node-chaos-toggle",
    params: agentParams[kind] as unknown as Mechanism<AgentParams<K>>["params"],
    // Nothing beyond reaching the node, which apply finds out before it changes anything.
    check: () => [],

    async apply(ctx: MechanismContext, params: AgentParams<K>): Promise<Evidence> {
      const node = new NodeControl(controlUrl());
      const t = toggleFor(params);
      const before = await node.active();
      if (before[t.name]) {
        throw new Error(
          `chaos toggle "${t.name}" is already active on ${ctx.nodeId} (since ${before[t.name]!.since ?? "?"}), started by another fault or by hand; ` +
            `revert that first (POST ${chaosToggle(t.name, "stop")})`,
        );
      }
      const baseline = kind === "http-fault" ? await requestCounts(node) : undefined;
      await ctx.record({ toggle: t.name, ...(baseline ? { baseline } : {}) });
      await node.toggle(t, "start");
      const lines = [`${t.name} started: ${JSON.stringify(t.body)}`];
      const measured: Record<string, number> = {};
      const setting = (await node.active())[t.name];
      let ok = matches(setting, t);
      lines.push(`GET ${paths.chaosPrefix}: ${t.name} ${setting ? JSON.stringify(setting) : "not active"}`);
      if (kind === "clock-skew") ok = (await clockEvidence(node, t.body.offsetMs!, lines, measured)) && ok;
      if (!ok) {
        await node.toggle(t, "stop");
        throw new Error(`${t.name} did not verify on ${ctx.nodeId}: ${lines.join("; ")}; stopped it again`);
      }
      return { lines, measured };
    },

    async revert(ctx: MechanismContext, params: AgentParams<K>): Promise<Evidence & { verified: boolean }> {
      const t = toggleFor(params);
      // Nothing recorded: apply refused before starting (the toggle was someone else's); leave it alone.
      if (ctx.recorded().toggle !== t.name) return { lines: [`${t.name} was not started by ${ctx.id}; left as it is`], measured: {}, verified: true };
      const node = new NodeControl(controlUrl());
      await node.toggle(t, "stop"); // stopping an inactive toggle is a no-op on the node
      const setting = (await node.active())[t.name];
      const lines = [`${t.name} stopped; GET ${paths.chaosPrefix}: ${setting ? `still active ${JSON.stringify(setting)}` : "not active"}`];
      const measured: Record<string, number> = {};
      let verified = setting === undefined;
      if (kind === "clock-skew") verified = (await clockEvidence(node, 0, lines, measured)) && verified;
      const baseline = ctx.recorded().baseline as { total: number; failed: number } | undefined;
      const now = baseline ? await requestCounts(node) : undefined;
      if (baseline && now && now.total >= baseline.total) {
        const total = now.total - baseline.total;
        measured.windowRequests = total;
        if (t.name === chaosNames.failingHandlers && total > 0) {
          measured.windowFailedShare = (now.failed - baseline.failed) / total;
          lines.push(`during the fault the node answered ${now.failed - baseline.failed} of ${total} requests with 500`);
        }
      }
      return { lines, measured, verified };
    },
  };
}

/** The mechanisms for the node's own chaos toggles; `controlUrl` is read per call. */
export function nodeToggleMechanisms(controlUrl: () => string = () => process.env[nodeControlEnv] || defaultNodeControlUrl) {
  return {
    "http-fault": toggleMechanism("http-fault", controlUrl),
    "invalid-signature": toggleMechanism("invalid-signature", controlUrl),
    "clock-skew": toggleMechanism("clock-skew", controlUrl),
  } as const;
}
