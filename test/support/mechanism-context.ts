// A MechanismContext for driving one agent mechanism directly in a test, as the agent core would:
// an in-memory journal, the real command runner and capabilities measured for what the test uses.

import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { run } from "../../agent/exec.ts";
import type { MechanismContext } from "../../agent/mechanisms/mechanism.ts";
import type { Capabilities } from "../../agent/protocol.ts";
import type { FaultKind } from "../../contract/meshkit.ts";

export interface TestContextOptions {
  readonly id: string;
  readonly kind: FaultKind;
  readonly dataDir: string;
  readonly nodePid: () => number | null;
  readonly stateDir?: string;
  readonly stressNg?: boolean;
}

export interface TestContext extends MechanismContext {
  /** What the mechanism recorded, as the journal would hold it. */
  readonly journal: Record<string, unknown>;
  /** The same fault as seen by an agent restarted from its journal (fresh context, same records). */
  restarted(): MechanismContext;
}

export async function testContext(o: TestContextOptions): Promise<TestContext> {
  const stressNg = o.stressNg ?? (await run("stress-ng", ["--version"])).ok;
  const pid = o.nodePid();
  const capabilities: Capabilities = {
    netAdmin: true,
    schNetem: false,
    tbf: false,
    iptables: { available: false, backend: null, statisticMatch: false },
    pidVisibility: { nodeProcessVisible: pid !== null, pid, sharesNetworkNamespace: true },
    stressTools: { stressNg },
    kernel: "test",
    measuredAt: new Date().toISOString(),
    notes: [],
  };
  const journal: Record<string, unknown> = {};
  const stateDir = o.stateDir ?? mkdtempSync(join(tmpdir(), "meshkit-agent-state-"));
  const base = {
    id: o.id,
    tag: `mkc-${o.id}`,
    kind: o.kind,
    nodeId: "node-test",
    dataDir: o.dataDir,
    stateDir,
    nodePid: o.nodePid,
    capabilities,
    run,
  };
  const ctx: TestContext = {
    ...base,
    journal,
    record: async (state) => {
      // As the journal: a JSON round trip, so nothing but data survives a restart.
      Object.assign(journal, JSON.parse(JSON.stringify(state)));
    },
    recorded: () => journal,
    restarted: () => ({ ...base, record: ctx.record, recorded: () => JSON.parse(JSON.stringify(journal)) }),
  };
  return ctx;
}
