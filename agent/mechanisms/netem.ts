// network-latency and packet-loss with the kernel's netem qdisc, where the kernel has sch_netem: a
// root netem qdisc on the interface carrying the default route, its handle derived from the fault id.
// netem shapes a whole interface, so a peer filter is left to the fallbacks (nfqueue-delay for
// latency, the iptables statistic match for loss), which `check` makes the agent choose instead.

import type { AgentParams } from "../params.ts";
import { agentParams } from "../params.ts";
import type { Evidence } from "../protocol.ts";
import type { Mechanism, MechanismContext } from "./mechanism.ts";
import { assertRootFree, deleteOwnRoot, egressInterface, qdiscHandle, rootQdisc } from "./root-qdisc.ts";
import { checkLatency, measureRtt, probeTarget } from "./rtt-probe.ts";

function netemMissing(ctx: MechanismContext, peers: readonly string[], fallback: string): string[] {
  const missing: string[] = [];
  if (!ctx.capabilities.netAdmin) missing.push("NET_ADMIN: add --cap-add NET_ADMIN to the sidecar (kubernetes: securityContext.capabilities.add)");
  if (!ctx.capabilities.schNetem) missing.push(`sch_netem: the kernel has no netem qdisc (modprobe sch_netem on the host); ${fallback} applies this fault instead`);
  if (peers.length > 0) missing.push(`netem: shapes a whole interface and cannot filter by peer; ${fallback} applies a peer filter`);
  return missing;
}

/** Adds the root netem qdisc with `spec`, reads it back, and returns the read-back line. */
async function addNetem(ctx: MechanismContext, spec: readonly string[]): Promise<{ dev: string; handle: string; line: string }> {
  const dev = await egressInterface(ctx.run);
  const handle = qdiscHandle(ctx.id);
  const before = await rootQdisc(ctx.run, dev);
  assertRootFree(before, dev, handle);
  await ctx.record({ dev, handle, rootBefore: before?.line ?? null });
  const add = await ctx.run("tc", ["qdisc", "replace", "dev", dev, "root", "handle", handle, "netem", ...spec]);
  if (!add.ok) throw new Error(`tc qdisc replace dev ${dev} root handle ${handle} netem ${spec.join(" ")}: ${add.stderr}`);
  const after = await rootQdisc(ctx.run, dev);
  if (after?.kind !== "netem" || after.handle !== handle) {
    await deleteOwnRoot(ctx.run, dev, handle);
    throw new Error(`netem qdisc not found on ${dev} after adding it (tc shows: ${after?.line ?? "no root qdisc"})`);
  }
  return { dev, handle, line: after.line };
}

async function revertNetem(ctx: MechanismContext): Promise<Evidence & { verified: boolean }> {
  const rec = ctx.recorded();
  const handle = typeof rec.handle === "string" ? rec.handle : qdiscHandle(ctx.id);
  const dev = typeof rec.dev === "string" ? rec.dev : await egressInterface(ctx.run);
  const left = await deleteOwnRoot(ctx.run, dev, handle);
  const verified = left?.handle !== handle;
  return { lines: [`${dev} root qdisc now: ${left?.line ?? "none listed"}`], measured: {}, verified };
}

export const netemLatency: Mechanism<AgentParams<"network-latency">> = {
  name: "netem",
  params: agentParams["network-latency"],
  check: (ctx, p) => netemMissing(ctx, p.peers, "nfqueue-delay"),
  async apply(ctx, p) {
    const target = await probeTarget(ctx.run, []);
    const baseline = target === null ? null : await measureRtt(target, 7, 1_000);
    const spec = ["delay", `${p.delayMs}ms`, ...(p.jitterMs > 0 ? [`${p.jitterMs}ms`, ...(p.correlationPct > 0 ? [`${p.correlationPct}%`] : [])] : [])];
    const { dev, handle, line } = await addNetem(ctx, spec);
    const latency = await checkLatency(baseline, p.delayMs, p.jitterMs);
    if (latency.failure !== null) {
      await deleteOwnRoot(ctx.run, dev, handle);
      throw new Error(`network-latency not verified: ${latency.failure}`);
    }
    return { lines: [`tc ${line} (dev ${dev})`, ...latency.lines], measured: latency.measured };
  },
  revert: revertNetem,
};

export const netemLoss: Mechanism<AgentParams<"packet-loss">> = {
  name: "netem",
  params: agentParams["packet-loss"],
  check: (ctx, p) => netemMissing(ctx, p.peers, "the iptables statistic match"),
  async apply(ctx, p) {
    const { dev, line } = await addNetem(ctx, ["loss", `${p.lossPct}%`]);
    return { lines: [`tc ${line} (dev ${dev})`], measured: {} };
  },
  revert: revertNetem,
};
