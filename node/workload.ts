// Built-in workload generator: writes to random shards at a fixed rate through the data plane, so the
// error-rate and latency SLOs always have traffic. Rate 0 turns it off.
import { dataPaths } from "../contract/meshkit.ts";
import type { ShardTable } from "./shards/shard-table.ts";
import type { DataClient } from "./transport/data-client.ts";

export function startWorkload(o: {
  ratePerSecond: number;
  shardCount: number;
  nodeId: string;
  table: ShardTable;
  client: DataClient;
  addressOf: (nodeId: string) => { data: string } | undefined;
}): () => void {
  if (o.ratePerSecond <= 0) return () => undefined;
  let seq = 0;
  const timer = setInterval(() => {
    const shardId = Math.floor(Math.random() * o.shardCount);
    const owner = o.table.ownerOf(shardId);
    const addr = owner ? o.addressOf(owner) : undefined;
    if (!owner || !addr) return;
    const body = { shardId, key: `k${seq % 32}`, value: `${o.nodeId}:${seq++}` };
    o.client.call({ nodeId: owner, data: addr.data }, dataPaths.write, body).catch(() => undefined);
  }, 1000 / o.ratePerSecond);
  return () => clearInterval(timer);
}
