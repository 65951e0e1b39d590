// The kernel comparison behind a verified revert: packets counted in between and empty accept-policy
// chains that an iptables call happened to create are no difference; a leftover rule is.
import { describe, expect, it } from "vitest";
import type { CommandResult } from "../../../agent/exec.ts";
import { diffKernel, snapshotKernel } from "../../../agent/kernel-state.ts";

const ruleset = (outputChain: string, extra = "") => `table ip filter {
${extra}\tchain OUTPUT {
\t\ttype filter hook output priority filter; policy accept;
${outputChain}\t}
}
`;
const runner = (nft: string) => async (file: string): Promise<CommandResult> => ({
  ok: true,
  stdout: file === "nft" ? nft : "",
  stderr: "",
  command: file,
  missing: false,
});

describe("kernel snapshots", () => {
  it("ignores counters and empty accept-policy base chains, but not a rule left behind", async () => {
    const before = await snapshotKernel(runner(ruleset("\t\tip daddr 192.0.2.9 counter packets 1 bytes 84 drop\n")));
    const emptyInput = "\tchain INPUT {\n\t\ttype filter hook input priority filter; policy accept;\n\t}\n";
    const after = await snapshotKernel(runner(ruleset("\t\tip daddr 192.0.2.9 counter packets 7 bytes 588 drop\n", emptyInput)));
    expect(diffKernel(before, after)).toEqual({ added: [], removed: [] });

    const leftover = await snapshotKernel(runner(ruleset("\t\tip daddr 192.0.2.9 counter packets 7 bytes 588 drop\n\t\tip daddr 192.0.2.7 drop\n")));
    expect(diffKernel(before, leftover).added).toEqual(["nft: \t\tip daddr 192.0.2.7 drop"]);
  });

  it("treats a table that holds no chain as absent", async () => {
    const none = await snapshotKernel(runner(""));
    const emptyTable = await snapshotKernel(runner("table ip filter {\n}\n"));
    expect(diffKernel(none, emptyTable)).toEqual({ added: [], removed: [] });
  });
});
