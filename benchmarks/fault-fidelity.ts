// Fault fidelity: configured vs measured delay and loss, per mechanism, on this machine's kernel.
// Each mechanism runs as the agent runs it (test/support/mechanism-driver.ts) inside a network
// namespace made here; the effect is measured from a peer namespace with ping (replies leave through
// the faulted path). Mechanisms the kernel lacks (netem without sch_netem) are listed as unavailable.
//   npm run bench:fidelity -- [--pings 100] [--loss-pings 2000] [--json]
// Needs root (ip netns). Prints a table on stdout; asserts nothing.

import { execa } from "execa";
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { startDriver } from "../test/support/mechanism-driver-client.ts";
import { createNetnsPair, medianOf, ping } from "../test/support/netns-pair.ts";

const { values: args } = parseArgs({
  options: {
    pings: { type: "string", default: "100" },
    "loss-pings": { type: "string", default: "2000" },
    json: { type: "boolean", default: false },
  },
});
const delayPings = Number(args.pings);
const lossPings = Number(args["loss-pings"]);
const log = (s: string) => process.stderr.write(`${s}\n`);

if (process.getuid?.() !== 0) {
  log("bench:fidelity needs root: it creates network namespaces");
  process.exit(1);
}

const delaySettings = [
  [50, 0],
  [50, 10],
  [100, 0],
  [100, 20],
  [200, 0],
  [200, 40],
] as const;
const lossSettings = [5, 10, 25] as const;

const quantile = (xs: readonly number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
};
const stdev = (xs: readonly number[]): number => {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  return Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / xs.length);
};

interface DelayRow {
  mechanism: string;
  delayMs: number;
  jitterMs: number;
  measuredMedianMs: number | null;
  errorPct: number | null;
  p10Ms: number | null;
  p90Ms: number | null;
  stdevMs: number | null;
  /** The standard deviation of uniform ±jitter: J/√3. */
  expectedStdevMs: number;
  lost: number;
  applyMs: number | null;
  note: string;
}

interface LossRow {
  mechanism: string;
  lossPct: number;
  measuredPct: number | null;
  /** 95 % binomial interval of the measured ratio, in percent. */
  ci95Pct: number | null;
  sent: number;
  applyMs: number | null;
  note: string;
}

const built = await execa(fileURLToPath(new URL("../scripts/build-netdelay", import.meta.url)), [], { reject: false });
if (built.exitCode !== 0) {
  log(`scripts/build-netdelay failed: ${built.stderr}`);
  process.exit(1);
}
const pair = await createNetnsPair();
const driver = await startDriver(pair.a, { MESHKIT_AGENT_NETDELAY: built.stdout.trim() });
const delayRows: DelayRow[] = [];
const lossRows: LossRow[] = [];
let seq = 0;

try {
  const base = await ping(pair, pair.b, pair.addrA, { count: 50, intervalS: 0.01 });
  const baseMs = medianOf(base.rttsMs);
  log(`baseline RTT b → a: median ${baseMs.toFixed(3)} ms`);

  for (const mechanism of ["netem", "nfqueue-delay"]) {
    for (const [delayMs, jitterMs] of delaySettings) {
      const params = { delayMs, jitterMs, correlationPct: 0, peers: [] };
      const id = `fid-${++seq}`;
      const row: DelayRow = {
        mechanism, delayMs, jitterMs, measuredMedianMs: null, errorPct: null, p10Ms: null, p90Ms: null, stdevMs: null,
        expectedStdevMs: jitterMs / Math.sqrt(3), lost: 0, applyMs: null, note: "",
      };
      const t0 = performance.now();
      const applied = await driver.apply("network-latency", mechanism, id, params);
      if (!applied.ok) {
        // Unavailable for one setting is unavailable for all: one row says why.
        delayRows.push({ ...row, jitterMs: 0, delayMs: 0, expectedStdevMs: 0, note: `unavailable: ${(applied.missing ?? [applied.error]).join("; ")}` });
        log(`${mechanism}: ${delayRows.at(-1)!.note}`);
        break;
      }
      row.applyMs = Math.round(performance.now() - t0);
      try {
        const r = await ping(pair, pair.b, pair.addrA, { count: delayPings, intervalS: 0.02 });
        const added = r.rttsMs.map((x) => x - baseMs);
        row.measuredMedianMs = medianOf(added);
        row.errorPct = ((row.measuredMedianMs - delayMs) / delayMs) * 100;
        row.p10Ms = quantile(added, 0.1);
        row.p90Ms = quantile(added, 0.9);
        row.stdevMs = stdev(added);
        row.lost = r.sent - r.received;
      } finally {
        const reverted = await driver.revert("network-latency", mechanism, id, params);
        if (reverted.evidence?.verified !== true) row.note = `revert not verified: ${reverted.error ?? reverted.evidence?.lines.join("; ")}`;
      }
      delayRows.push(row);
      log(`${mechanism} ${delayMs}±${jitterMs} ms: median +${row.measuredMedianMs?.toFixed(1)} ms`);
    }
  }

  for (const mechanism of ["netem", "iptables-statistic"]) {
    for (const lossPct of lossSettings) {
      const params = { lossPct, peers: [] };
      const id = `fid-${++seq}`;
      const row: LossRow = { mechanism, lossPct, measuredPct: null, ci95Pct: null, sent: 0, applyMs: null, note: "" };
      const t0 = performance.now();
      const applied = await driver.apply("packet-loss", mechanism, id, params);
      if (!applied.ok) {
        lossRows.push({ ...row, lossPct: 0, note: `unavailable: ${(applied.missing ?? [applied.error]).join("; ")}` });
        log(`${mechanism}: ${lossRows.at(-1)!.note}`);
        break;
      }
      row.applyMs = Math.round(performance.now() - t0);
      try {
        const r = await ping(pair, pair.b, pair.addrA, { count: lossPings, intervalS: 0.002 });
        row.sent = r.sent;
        row.measuredPct = r.lossRatio * 100;
        row.ci95Pct = 196 * Math.sqrt((r.lossRatio * (1 - r.lossRatio)) / r.sent);
      } finally {
        const reverted = await driver.revert("packet-loss", mechanism, id, params);
        if (reverted.evidence?.verified !== true) row.note = `revert not verified: ${reverted.error ?? reverted.evidence?.lines.join("; ")}`;
      }
      lossRows.push(row);
      log(`${mechanism} ${lossPct} %: measured ${row.measuredPct?.toFixed(1)} %`);
    }
  }
} finally {
  await driver.stop();
  await pair.remove();
}

const f = (x: number | null, digits = 1): string => (x === null ? "–" : x.toFixed(digits));
if (args.json) {
  console.log(JSON.stringify({ delay: delayRows, loss: lossRows }, null, 2));
} else {
  console.log(`\nDelay: median added RTT over ${delayPings} pings (baseline subtracted); p10/p90 and stdev of the added delay`);
  console.log("| mechanism | configured | measured median | error | p10 | p90 | stdev (uniform: J/√3) | lost | apply ms | note |");
  console.log("|---|---|---|---|---|---|---|---|---|---|");
  for (const r of delayRows) {
    console.log(
      `| ${r.mechanism} | ${r.delayMs === 0 ? "all" : `${r.delayMs} ± ${r.jitterMs} ms`} | ${f(r.measuredMedianMs)} ms | ${f(r.errorPct)} % | ${f(r.p10Ms)} | ${f(r.p90Ms)} | ${f(r.stdevMs)} (${f(r.expectedStdevMs)}) | ${r.lost} | ${r.applyMs ?? "–"} | ${r.note} |`,
    );
  }
  console.log(`\nLoss: share of ${lossPings} pings lost (95 % binomial interval)`);
  console.log("| mechanism | configured | measured | ± 95 % | apply ms | note |");
  console.log("|---|---|---|---|---|---|");
  for (const r of lossRows) {
    console.log(`| ${r.mechanism} | ${r.lossPct === 0 ? "all" : `${r.lossPct} %`} | ${f(r.measuredPct)} % | ${f(r.ci95Pct)} | ${r.applyMs ?? "–"} | ${r.note} |`);
  }
}
