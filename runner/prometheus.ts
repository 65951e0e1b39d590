// A small client of the environment's Prometheus HTTP API: instant and range queries, and the scrape
// interval from the running configuration (what "too old" means for a sample). Answers are parsed once
// with zod at this edge; a Prometheus that errs or does not answer throws PrometheusError naming the
// query.

import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { parseDuration } from "../faults/duration.ts";

const sample = z.tuple([z.number(), z.string()]);
const vectorResult = z.array(z.object({ metric: z.record(z.string(), z.string()), value: sample }));
const matrixResult = z.array(z.object({ metric: z.record(z.string(), z.string()), values: z.array(sample) }));

const envelope = z.object({
  status: z.enum(["success", "error"]),
  data: z.unknown().optional(),
  errorType: z.string().optional(),
  error: z.string().optional(),
});

const instantData = z.discriminatedUnion("resultType", [
  z.object({ resultType: z.literal("vector"), result: vectorResult }),
  z.object({ resultType: z.literal("scalar"), result: sample }),
  z.object({ resultType: z.literal("matrix"), result: matrixResult }),
  z.object({ resultType: z.literal("string"), result: sample }),
]);

/** One series of an instant query: its labels, the evaluation time and the value (NaN and ±Inf kept). */
export interface InstantSeries {
  readonly metric: Readonly<Record<string, string>>;
  readonly at: number;
  readonly value: number;
}

export interface RangeSeries {
  readonly metric: Readonly<Record<string, string>>;
  readonly values: readonly (readonly [number, string])[];
}

export class PrometheusError extends Error {
  override name = "PrometheusError";
}

export class PrometheusClient {
  readonly url: string;
  readonly #timeoutMs: number;

  constructor(url: string, options: { timeoutMs?: number } = {}) {
    this.url = url.replace(/\/+$/, "");
    this.#timeoutMs = options.timeoutMs ?? 5_000;
  }

  async #get(path: string, params: Record<string, string>, what: string): Promise<unknown> {
    const query = new URLSearchParams(params).toString();
    let res: Response;
    try {
      res = await fetch(`${this.url}${path}${query ? `?${query}` : ""}`, { signal: AbortSignal.timeout(this.#timeoutMs) });
    } catch (error) {
      throw new PrometheusError(`Prometheus at ${this.url} did not answer ${what}: ${(error as Error).message}`, { cause: error });
    }
    const text = await res.text();
    let body: z.infer<typeof envelope>;
    try {
      body = envelope.parse(JSON.parse(text));
    } catch {
      throw new PrometheusError(`Prometheus at ${this.url} answered ${what} with HTTP ${res.status} and no API body: ${text.slice(0, 200)}`);
    }
    if (body.status !== "success") {
      throw new PrometheusError(`Prometheus refused ${what}: ${body.errorType ?? "error"}: ${body.error ?? "(no detail)"}`);
    }
    return body.data;
  }

  /** Instant query at `timeSec` (default: Prometheus's now). A scalar answer is one series without labels. */
  async instant(query: string, timeSec?: number): Promise<InstantSeries[]> {
    const data = instantData.parse(
      await this.#get("/api/v1/query", { query, ...(timeSec === undefined ? {} : { time: timeSec.toFixed(3) }) }, `the query ${query}`),
    );
    switch (data.resultType) {
      case "vector":
        return data.result.map((r) => ({ metric: r.metric, at: r.value[0], value: Number(r.value[1]) }));
      case "scalar":
        return [{ metric: {}, at: data.result[0], value: Number(data.result[1]) }];
      default:
        throw new PrometheusError(`the query ${query} returned a ${data.resultType}; a probe needs an instant vector or a scalar`);
    }
  }

  async range(query: string, startSec: number, endSec: number, stepSeconds: number): Promise<RangeSeries[]> {
    const data = await this.#get(
      "/api/v1/query_range",
      { query, start: startSec.toFixed(3), end: endSec.toFixed(3), step: String(stepSeconds) },
      `the range query ${query}`,
    );
    const parsed = z.object({ resultType: z.literal("matrix"), result: matrixResult }).parse(data);
    return parsed.result;
  }

  /**
   * The shortest scrape interval of the running configuration (global and per job), in milliseconds:
   * the freshest a sample can be expected to be.
   */
  async scrapeIntervalMs(): Promise<number> {
    const data = z.object({ yaml: z.string() }).parse(await this.#get("/api/v1/status/config", {}, "its configuration"));
    return scrapeIntervalOf(data.yaml);
  }
}

const promConfig = z.object({
  global: z.object({ scrape_interval: z.string().optional() }).loose().optional(),
  scrape_configs: z.array(z.object({ scrape_interval: z.string().optional() }).loose()).optional(),
}).loose();

/** The shortest scrape interval a Prometheus configuration (YAML) declares; Prometheus's default is 1m. */
export function scrapeIntervalOf(configYaml: string): number {
  const config = promConfig.parse(parseYaml(configYaml));
  const intervals = [config.global?.scrape_interval ?? "1m", ...(config.scrape_configs ?? []).flatMap((c) => (c.scrape_interval ? [c.scrape_interval] : []))];
  return Math.min(...intervals.map((i) => parseDuration(i, { name: "scrape_interval", minMs: 1, maxMs: 86_400_000 })));
}
