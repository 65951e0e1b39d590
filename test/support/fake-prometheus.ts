// A stand-in Prometheus HTTP API on 127.0.0.1 for unit tests of the hypothesis engine: each query is
// answered from a table the test sets (series with values, and the newest sample time of each metric
// for the freshness queries `max(timestamp(<metric>))`).
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface FakeSeries {
  readonly metric?: Record<string, string>;
  readonly value: number | "NaN";
}

export interface FakePrometheus {
  readonly url: string;
  /** Answers for a probe query (by exact text). */
  readonly answers: Map<string, FakeSeries[]>;
  /** Newest sample time (ms) of each metric name; absent = no sample. */
  readonly newest: Map<string, number>;
  /** Queries answered with an API error. */
  readonly failing: Set<string>;
  scrapeInterval: string;
  readonly queries: string[];
  close(): Promise<void>;
}

export async function startFakePrometheus(): Promise<FakePrometheus> {
  const answers = new Map<string, FakeSeries[]>();
  const newest = new Map<string, number>();
  const failing = new Set<string>();
  const queries: string[] = [];
  const state = { scrapeInterval: "1s" };
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://fake");
    const send = (body: unknown) => {
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify(body));
    };
    if (url.pathname === "/api/v1/status/config") {
      return send({ status: "success", data: { yaml: `global:\n  scrape_interval: 15s\nscrape_configs:\n- job_name: a\n  scrape_interval: ${state.scrapeInterval}\n` } });
    }
    if (url.pathname !== "/api/v1/query") return send({ status: "error", errorType: "not_found", error: url.pathname });
    const query = url.searchParams.get("query") ?? "";
    const time = Number(url.searchParams.get("time") ?? Date.now() / 1000);
    queries.push(query);
    if (failing.has(query)) return send({ status: "error", errorType: "bad_data", error: "parse error" });
    const fresh = /^max\(timestamp\((.*)\)\)$/.exec(query);
    if (fresh) {
      const t = newest.get(fresh[1]!);
      return send({ status: "success", data: { resultType: "vector", result: t === undefined ? [] : [{ metric: {}, value: [time, String(t / 1000)] }] } });
    }
    const series = answers.get(query) ?? [];
    return send({ status: "success", data: { resultType: "vector", result: series.map((s) => ({ metric: s.metric ?? {}, value: [time, String(s.value)] })) } });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    answers,
    newest,
    failing,
    queries,
    get scrapeInterval() {
      return state.scrapeInterval;
    },
    set scrapeInterval(v: string) {
      state.scrapeInterval = v;
    },
    close: () => new Promise((r) => server.close(() => r())),
  };
}
