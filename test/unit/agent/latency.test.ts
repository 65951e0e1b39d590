// The network-latency, packet-loss and bandwidth mechanisms on the real kernel, in two network
// namespaces this test makes (veth, 192.0.2.0/24): the effect is measured from the other namespace
// (ping, bulk TCP), and after revert the namespace's iptables rules and qdiscs equal what they were.
// Needs root (ip netns); it fails, never skips, without it.

import { fileURLToPath } from "node:url";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type MechanismDriver, startDriver } from "../../support/mechanism-driver-client.ts";
import { createNetnsPair, delayersIn, kernelState, medianOf, type NetnsPair, ping } from "../../support/netns-pair.ts";

const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));
const traffic = fileURLToPath(new URL("../../support/netns-traffic.ts", import.meta.url));

let pair: NetnsPair;
let driver: MechanismDriver;
let env: Record<string, string>;

const delayers = (): string[] => delayersIn(pair.a);

const latency = (delayMs: number, jitterMs: number, peers: string[] = []) => ({ delayMs, jitterMs, correlationPct: 0, peers });

beforeAll(async () => {
  if (process.getuid?.() !== 0) throw new Error("latency.test.ts needs root: it creates network namespaces (run the unit tests as root, as CI does)");
  const built = await execa(`${repoRoot}scripts/build-netdelay`, [], { reject: false });
  if (built.exitCode !== 0) throw new Error(`scripts/build-netdelay failed: ${built.stderr}`);
  env = { MESHKIT_AGENT_NETDELAY: built.stdout.trim() };
  pair = await createNetnsPair();
  driver = await startDriver(pair.a, env);
}, 60_000);

afterAll(async () => {
  await driver?.stop();
  await pair?.remove();
});

describe("network-latency", () => {
  test("the registry picks netem where the kernel has sch_netem, else the NFQUEUE delayer", async () => {
    const chosen = await driver.choose("network-latency", latency(100, 20));
    expect(chosen.mechanism).toBe(driver.capabilities.schNetem ? "netem" : "nfqueue-delay");
    // A peer filter is never netem's: it shapes a whole interface.
    expect((await driver.choose("network-latency", latency(100, 20, [pair.addrB]))).mechanism).toBe("nfqueue-delay");
  });

  test("nfqueue-delay 100 ms ± 20 ms: median RTT rises by 100 ms ± 10 %, and revert leaves the namespace as it was", async () => {
    const before = await kernelState(pair, pair.a);
    const base = await ping(pair, pair.b, pair.addrA, { count: 20, intervalS: 0.02 });

    const applied = await driver.apply("network-latency", "nfqueue-delay", "lat-100-20", latency(100, 20));
    expect(applied.error).toBeUndefined();
    expect(applied.ok).toBe(true);
    // The mechanism's own verification probed the default gateway (namespace b) by TCP connect.
    expect(applied.evidence!.measured.rttIncreaseMs).toBeGreaterThan(50);
    expect(applied.evidence!.lines.join("\n")).toMatch(/NFQUEUE --queue-num \d+ --queue-bypass/);

    const delayed = await ping(pair, pair.b, pair.addrA, { count: 60, intervalS: 0.05 });
    const increase = medianOf(delayed.rttsMs) - medianOf(base.rttsMs);
    console.log(`nfqueue-delay 100±20 ms: median RTT +${increase.toFixed(1)} ms over ${delayed.rttsMs.length} pings (min ${Math.min(...delayed.rttsMs)}, max ${Math.max(...delayed.rttsMs)})`);
    expect(delayed.lossRatio).toBe(0);
    expect(increase).toBeGreaterThanOrEqual(90);
    expect(increase).toBeLessThanOrEqual(110);
    // Jitter is there too: the delays spread over most of the ±20 ms.
    expect(Math.max(...delayed.rttsMs) - Math.min(...delayed.rttsMs)).toBeGreaterThan(20);

    const reverted = await driver.revert("network-latency", "nfqueue-delay", "lat-100-20", latency(100, 20));
    expect(reverted.evidence?.verified).toBe(true);
    expect(await kernelState(pair, pair.a)).toBe(before);
    expect(delayers()).toEqual([]);
    const after = await ping(pair, pair.b, pair.addrA, { count: 10, intervalS: 0.02 });
    expect(medianOf(after.rttsMs)).toBeLessThan(medianOf(base.rttsMs) + 5);
  });

  test("a peer filter delays traffic to that peer only", async () => {
    const before = await kernelState(pair, pair.a);
    const params = latency(80, 0, [pair.addrB2]);
    const applied = await driver.apply("network-latency", "nfqueue-delay", "lat-peer", params);
    expect(applied.error).toBeUndefined();
    // Replies to b's second address are delayed, replies to its first are not.
    const toPeer = await ping(pair, pair.b, pair.addrA, { count: 20, intervalS: 0.05, from: pair.addrB2 });
    const toOther = await ping(pair, pair.b, pair.addrA, { count: 20, intervalS: 0.02, from: pair.addrB });
    expect(medianOf(toPeer.rttsMs)).toBeGreaterThan(75);
    expect(medianOf(toOther.rttsMs)).toBeLessThan(5);
    expect((await driver.revert("network-latency", "nfqueue-delay", "lat-peer", params)).evidence?.verified).toBe(true);
    expect(await kernelState(pair, pair.a)).toBe(before);
  });

  test("an agent killed mid-fault: its delayer exits, traffic flows undelayed, and the restarted agent's revert cleans up from the journal", async () => {
    const before = await kernelState(pair, pair.a);
    const params = latency(100, 0);
    const applied = await driver.apply("network-latency", "nfqueue-delay", "lat-crash", params);
    expect(applied.error).toBeUndefined();
    expect(delayers()).toHaveLength(1);

    await driver.kill();
    const deadline = Date.now() + 3_000;
    while (delayers().length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(delayers()).toEqual([]);
    // The rule is still there, but --queue-bypass lets packets pass with no delayer bound.
    expect(await kernelState(pair, pair.a)).not.toBe(before);
    const meanwhile = await ping(pair, pair.b, pair.addrA, { count: 10, intervalS: 0.02 });
    expect(meanwhile.lossRatio).toBe(0);
    expect(medianOf(meanwhile.rttsMs)).toBeLessThan(5);

    driver = await startDriver(pair.a, env, driver.journalPath);
    const reverted = await driver.revert("network-latency", "nfqueue-delay", "lat-crash", params);
    expect(reverted.evidence?.verified).toBe(true);
    expect(await kernelState(pair, pair.a)).toBe(before);
  }, 90_000);

  test("netem: refused with the missing capability on a kernel without sch_netem, nothing changed; measured where it exists", async () => {
    const before = await kernelState(pair, pair.a);
    const answer = await driver.apply("network-latency", "netem", "lat-netem", latency(100, 20));
    if (!driver.capabilities.schNetem) {
      expect(answer.ok).toBe(false);
      expect(answer.missing?.join("\n")).toMatch(/sch_netem/);
    } else {
      expect(answer.error).toBeUndefined();
      const delayed = await ping(pair, pair.b, pair.addrA, { count: 60, intervalS: 0.05 });
      expect(medianOf(delayed.rttsMs)).toBeGreaterThan(90);
      expect((await driver.revert("network-latency", "netem", "lat-netem", latency(100, 20))).evidence?.verified).toBe(true);
    }
    expect(await kernelState(pair, pair.a)).toBe(before);
  });
});

describe("packet-loss", () => {
  test("10 % loss by the mechanism this kernel gets: 10 ± 3 % of 1000 pings lost, nothing left after revert", async () => {
    const before = await kernelState(pair, pair.a);
    const params = { lossPct: 10, peers: [] };
    const chosen = (await driver.choose("packet-loss", params)).mechanism;
    if (!chosen) throw new Error("no packet-loss mechanism passes its check in the test namespace");
    const applied = await driver.apply("packet-loss", chosen, "loss-10", params);
    expect(applied.error).toBeUndefined();
    const measured = await ping(pair, pair.b, pair.addrA, { count: 1000, intervalS: 0.002 });
    console.log(`packet-loss 10 % (${chosen}): ${(measured.lossRatio * 100).toFixed(1)} % of ${measured.sent} pings lost`);
    expect(measured.sent).toBe(1000);
    expect(measured.lossRatio).toBeGreaterThanOrEqual(0.07);
    expect(measured.lossRatio).toBeLessThanOrEqual(0.13);
    expect((await driver.revert("packet-loss", chosen, "loss-10", params)).evidence?.verified).toBe(true);
    expect(await kernelState(pair, pair.a)).toBe(before);
  }, 60_000);
});

/** Bulk TCP from a to b for `ms`; bits per second as b received them. */
async function throughput(ms: number): Promise<number> {
  const sink = execa("ip", ["netns", "exec", pair.b, process.execPath, "--import", "tsx", traffic, "sink", "5201"], { cwd: repoRoot, reject: false });
  await new Promise<void>((resolve) => sink.stdout!.once("data", () => resolve()));
  await execa("ip", ["netns", "exec", pair.a, process.execPath, "--import", "tsx", traffic, "send", pair.addrB, "5201", String(ms)], { cwd: repoRoot });
  const out = (await sink).stdout.split("\n").map((l) => JSON.parse(l) as { bytes?: number; ms?: number });
  const done = out.find((o) => o.bytes !== undefined);
  if (!done?.bytes || !done.ms) throw new Error(`sink reported nothing: ${JSON.stringify(out)}`);
  return (done.bytes * 8) / (done.ms / 1000);
}

describe("bandwidth", () => {
  test("tbf at 1 Mbit caps bulk TCP throughput; revert restores the root qdisc", async () => {
    const before = await kernelState(pair, pair.a);
    const free = await throughput(1_500);
    const params = { rateKbit: 1_000, burstBytes: 16_000 };
    const applied = await driver.apply("bandwidth", "tbf", "bw-1mbit", params);
    expect(applied.error).toBeUndefined();
    expect(applied.evidence!.lines.join("\n")).toMatch(/qdisc tbf [0-9a-f]+: root .*rate 1Mbit/);
    const capped = await throughput(4_000);
    console.log(`tbf 1 Mbit: ${(free / 1e6).toFixed(0)} Mbit/s free, ${(capped / 1e6).toFixed(2)} Mbit/s capped`);
    expect(free).toBeGreaterThan(20e6);
    expect(capped).toBeGreaterThan(0.5e6);
    expect(capped).toBeLessThan(1.25e6);
    expect((await driver.revert("bandwidth", "tbf", "bw-1mbit", params)).evidence?.verified).toBe(true);
    expect(await kernelState(pair, pair.a)).toBe(before);
  }, 60_000);

  test("a root qdisc the fault did not set is refused and left alone", async () => {
    await pair.exec(pair.a, "tc", ["qdisc", "add", "dev", pair.devA, "root", "handle", "1:", "htb"]);
    try {
      const before = await kernelState(pair, pair.a);
      const answer = await driver.apply("bandwidth", "tbf", "bw-refused", { rateKbit: 1_000, burstBytes: 16_000 });
      expect(answer.ok).toBe(false);
      expect(answer.error).toMatch(/already has a root qdisc that is not the kernel default/);
      expect(await kernelState(pair, pair.a)).toBe(before);
      // Revert of a fault that never applied must not touch the user's qdisc either.
      await driver.revert("bandwidth", "tbf", "bw-refused", { rateKbit: 1_000, burstBytes: 16_000 });
      expect(await kernelState(pair, pair.a)).toBe(before);
    } finally {
      await pair.exec(pair.a, "tc", ["qdisc", "del", "dev", pair.devA, "root"]);
    }
  });
});
