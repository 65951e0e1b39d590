// bandwidth: a root token-bucket filter (tbf) on the interface carrying the default route, its handle
// derived from the fault id. The node's egress is capped at the rate; bursts up to `burstBytes` pass
// at line rate. Packets that would wait longer than `latency` in the bucket are dropped, as a slow
// link would.

import type { AgentParams } from "../params.ts";
import { agentParams } from "../params.ts";
import type { Mechanism } from "./mechanism.ts";
import { assertRootFree, deleteOwnRoot, egressInterface, qdiscHandle, rootQdisc } from "./root-qdisc.ts";

type Params = AgentParams<"bandwidth">;

/** How long a packet may queue in the bucket before tbf drops it. */
const queueLatency = "400ms";

export const tbf: Mechanism<Params> = {
  name: "tbf",
  params: agentParams.bandwidth,

  check(ctx) {
    const missing: string[] = [];
    if (!ctx.capabilities.netAdmin) missing.push("NET_ADMIN: add --cap-add NET_ADMIN to the sidecar (kubernetes: securityContext.capabilities.add)");
    if (!ctx.capabilities.tbf) missing.push("tbf: the kernel refused a tbf qdisc (see the capabilities notes); load sch_tbf on the host (modprobe sch_tbf)");
    return missing;
  },

  async apply(ctx, p) {
    const dev = await egressInterface(ctx.run);
    const handle = qdiscHandle(ctx.id);
    const before = await rootQdisc(ctx.run, dev);
    assertRootFree(before, dev, handle);
    await ctx.record({ dev, handle, rootBefore: before?.line ?? null });
    const spec = ["rate", `${p.rateKbit}kbit`, "burst", String(p.burstBytes), "latency", queueLatency];
    const add = await ctx.run("tc", ["qdisc", "replace", "dev", dev, "root", "handle", handle, "tbf", ...spec]);
    if (!add.ok) throw new Error(`tc qdisc replace dev ${dev} root handle ${handle} tbf ${spec.join(" ")}: ${add.stderr}`);
    const after = await rootQdisc(ctx.run, dev);
    if (after?.kind !== "tbf" || after.handle !== handle) {
      await deleteOwnRoot(ctx.run, dev, handle);
      throw new Error(`tbf qdisc not found on ${dev} after adding it (tc shows: ${after?.line ?? "no root qdisc"})`);
    }
    return { lines: [`tc ${after.line} (dev ${dev})`], measured: { rateKbit: p.rateKbit, burstBytes: p.burstBytes } };
  },

  async revert(ctx) {
    const rec = ctx.recorded();
    const handle = typeof rec.handle === "string" ? rec.handle : qdiscHandle(ctx.id);
    const dev = typeof rec.dev === "string" ? rec.dev : await egressInterface(ctx.run);
    const left = await deleteOwnRoot(ctx.run, dev, handle);
    const backToBefore = typeof rec.rootBefore === "string" ? left?.line === rec.rootBefore : true;
    return {
      lines: [`${dev} root qdisc now: ${left?.line ?? "none listed"}${backToBefore ? "" : ` (before the fault: ${String(rec.rootBefore)})`}`],
      measured: {},
      verified: left?.handle !== handle,
    };
  },
};
