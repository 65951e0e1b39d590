// Prometheus registry built from the contract map: every metric the contract lists, by its contract name.
import client from "prom-client";
import { metrics as spec, type MetricKey } from "../contract/meshkit.ts";

type Counter = client.Counter<string>;
type Gauge = client.Gauge<string>;
type Histogram = client.Histogram<string>;

type MetricOf<K extends MetricKey> = (typeof spec)[K]["type"] extends "counter"
  ? Counter
  : (typeof spec)[K]["type"] extends "gauge"
    ? Gauge
    : Histogram;

export type Metrics = { readonly [K in MetricKey]: MetricOf<K> } & { readonly registry: client.Registry };

const buckets: Partial<Record<MetricKey, number[]>> = {
  gossipRtt: [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2000],
  electionDuration: [50, 100, 250, 500, 1000, 2000, 5000, 10000, 20000],
  httpRequestDuration: [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000],
  replicationLag: [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 5000],
  rebalanceDuration: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
};

export function createMetrics(): Metrics {
  const registry = new client.Registry();
  // process_* and nodejs_* (RSS, heap, event-loop lag): the node's own footprint, beside the contract.
  client.collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 100 });
  const out: Record<string, unknown> = { registry };
  for (const key of Object.keys(spec) as MetricKey[]) {
    const m = spec[key];
    const cfg = { name: m.name, help: m.help, labelNames: [...m.labels], registers: [registry] };
    out[key] =
      m.type === "counter"
        ? new client.Counter(cfg)
        : m.type === "gauge"
          ? new client.Gauge(cfg)
          : new client.Histogram({ ...cfg, buckets: buckets[key] ?? client.linearBuckets(1, 1, 1) });
  }
  return out as Metrics;
}
