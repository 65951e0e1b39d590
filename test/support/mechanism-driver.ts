// Runs fault mechanisms (agent/mechanisms/) inside a network namespace the test made, exactly as the
// agent would in a sidecar: real capabilities probe, real kernel tools, a journal file standing in for
// the agent's. Protocol: one JSON request per stdin line, one JSON answer per stdout line.
//   {"op":"apply"|"revert","id","kind","mechanism","params"} -> {"ok":true,"evidence"} | {"ok":false,"error","missing"?}
//   {"op":"choose","kind","params"} -> {"ok":true,"mechanism"}: the first mechanism whose check passes
// Usage: ip netns exec NS node --import tsx test/support/mechanism-driver.ts JOURNAL.json

import { readFileSync, writeFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { measureCapabilities } from "../../agent/capabilities.ts";
import { KernelLock, run } from "../../agent/exec.ts";
import { mechanismsByKind } from "../../agent/mechanisms/index.ts";
import type { Mechanism, MechanismContext } from "../../agent/mechanisms/mechanism.ts";
import type { FaultKind } from "../../contract/meshkit.ts";

const journalPath = process.argv[2] ?? "";
if (journalPath === "") throw new Error("usage: mechanism-driver.ts JOURNAL.json");
const journal: Record<string, Record<string, unknown>> = (() => {
  try {
    return JSON.parse(readFileSync(journalPath, "utf8")) as Record<string, Record<string, unknown>>;
  } catch {
    return {};
  }
})();

const capabilities = await measureCapabilities({ nodeProcess: { kind: "pid1" }, lock: new KernelLock() });

interface Request {
  readonly op: "apply" | "revert" | "choose";
  readonly id?: string;
  readonly kind: FaultKind;
  readonly mechanism?: string;
  readonly params: Record<string, unknown>;
}

const context = (id: string, kind: FaultKind): MechanismContext => ({
  id,
  tag: `mkc-${id}`,
  kind,
  nodeId: "node-test",
  dataDir: "/tmp",
  stateDir: "/tmp",
  nodePid: () => null,
  capabilities,
  run,
  record: async (state) => {
    journal[id] = { ...journal[id], ...state };
    writeFileSync(journalPath, JSON.stringify(journal));
  },
  recorded: () => journal[id] ?? {},
});

async function handle(req: Request): Promise<Record<string, unknown>> {
  const candidates = mechanismsByKind[req.kind] ?? [];
  if (req.op === "choose") {
    const ctx = context("choose", req.kind);
    const chosen = candidates.find((m) => m.check(ctx, m.params.parse(req.params)).length === 0);
    return { ok: true, mechanism: chosen?.name ?? null };
  }
  const mech: Mechanism<unknown> | undefined = candidates.find((m) => m.name === req.mechanism);
  if (!mech) return { ok: false, error: `no mechanism ${req.mechanism} for ${req.kind}; registered: ${candidates.map((m) => m.name).join(", ")}` };
  const ctx = context(req.id!, req.kind);
  const params = mech.params.parse(req.params);
  if (req.op === "apply") {
    const missing = mech.check(ctx, params);
    if (missing.length > 0) return { ok: false, error: "capability missing", missing };
    return { ok: true, evidence: await mech.apply(ctx, params) };
  }
  const evidence = await mech.revert(ctx, params);
  delete journal[req.id!];
  writeFileSync(journalPath, JSON.stringify(journal));
  return { ok: true, evidence };
}

console.log(JSON.stringify({ ready: true, capabilities }));
for await (const line of createInterface({ input: process.stdin })) {
  if (line.trim() === "") continue;
  const answer = await handle(JSON.parse(line) as Request).catch((e: Error) => ({ ok: false, error: e.message }));
  console.log(JSON.stringify(answer));
}
