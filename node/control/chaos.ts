// App-level chaos toggles (`POST /omnirelay/control/chaos/{name}:start|:stop`).
import type { IncomingMessage, ServerResponse } from "node:http";
import { z } from "zod";
import { type ChaosName, chaosNames, paths } from "../../contract/meshkit.ts";
import { readJson, sendJson } from "../transport/http-util.ts";
import { clock } from "../clock.ts";
import type { Metrics } from "../metrics.ts";

export interface ChaosSetting {
  readonly share: number;
  readonly delayMs: number;
  readonly since: string;
  /** clock-skew only: how far the node's wall clock is shifted. */
  readonly offsetMs?: number;
}

const DAY_MS = 86_400_000;

const startBody = z.strictObject({
  share: z.number().min(0).max(1).optional(),
  delayMs: z.number().int().min(0).max(60_000).optional(),
  offsetMs: z.number().int().min(-DAY_MS).max(DAY_MS).optional(),
});

const known = new Set<string>(Object.values(chaosNames));

export class ChaosToggles {
  private readonly active = new Map<ChaosName, ChaosSetting>();
  private readonly metrics: Pick<Metrics, "clockOffset">;

  constructor(metrics: Pick<Metrics, "clockOffset">) {
    this.metrics = metrics;
    metrics.clockOffset.set(clock.offsetMs() / 1000);
  }

  get(name: ChaosName): ChaosSetting | undefined {
    return this.active.get(name);
  }

  /** True for a share of calls while the toggle is on. */
  hits(name: ChaosName): ChaosSetting | undefined {
    const s = this.active.get(name);
    return s && Math.random() < s.share ? s : undefined;
  }

  list(): Record<string, ChaosSetting> {
    return Object.fromEntries(this.active);
  }

  /** Handles everything under the chaos prefix; 404 for an unknown name or action. */
  async serve(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const rest = url.pathname.slice(paths.chaosPrefix.length);
    if (req.method === "GET" && (rest === "" || rest === "/")) {
      sendJson(res, 200, { active: this.list(), known: [...known] });
      return;
    }
    const m = /^\/([^/:]+):(start|stop)$/.exec(rest);
    const name = m ? decodeURIComponent(m[1]!) : undefined;
    if (!m || !name || !known.has(name)) {
      sendJson(res, 404, { error: `unknown chaos toggle "${name ?? rest}"; known: ${[...known].join(", ")}` });
      return;
    }
    if (req.method !== "POST") {
      sendJson(res, 405, { error: "use POST" });
      return;
    }
    const key = name as ChaosName;
    const skew = key === chaosNames.clockSkew;
    if (m[2] === "start") {
      const body = await readJson(req, startBody);
      if (skew !== (body.offsetMs !== undefined)) {
        const error = skew
          ? `${key} needs {"offsetMs": <integer milliseconds, -${DAY_MS}..${DAY_MS}>}`
          : `offsetMs applies to ${chaosNames.clockSkew} only, not to ${key}`;
        sendJson(res, 400, { error });
        return;
      }
      const full = key === chaosNames.gossipPartition || key === chaosNames.udpBlackhole;
      if (skew) this.setClockOffset(body.offsetMs ?? 0);
      this.active.set(key, {
        share: body.share ?? (full ? 1 : 0.5),
        delayMs: body.delayMs ?? 500,
        since: clock.iso(),
        ...(skew ? { offsetMs: body.offsetMs } : {}),
      });
    } else {
      this.active.delete(key);
      if (skew) this.setClockOffset(0);
    }
    sendJson(res, 200, { name: key, active: this.active.has(key), setting: this.active.get(key) ?? null });
  }

  private setClockOffset(ms: number): void {
    clock.setOffset(ms);
    this.metrics.clockOffset.set(ms / 1000);
  }
}
