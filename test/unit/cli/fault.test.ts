// `meshkit-chaos fault` as a user runs it: bad input is refused before anything is read or applied
// (exit 2, the error names the kind, key, bound or selector), and the catalog is listed.
import { describe, expect, it, vi } from "vitest";
import { lastJsonLine, meshkitChaos } from "../../support/cli.ts";

vi.setConfig({ testTimeout: 240_000 });

describe("meshkit-chaos fault", () => {
  it("lists the catalog with every kind and its parameters (--json for pipelines)", async () => {
    const r = await meshkitChaos(["fault", "kinds", "--json"]);
    expect(r.exitCode).toBe(0);
    const kinds = lastJsonLine(r.stdout) as { kind: string; params: { name: string }[] }[];
    expect(kinds.map((k) => k.kind)).toContain("network-latency");
    expect(kinds).toHaveLength(17);
    expect(kinds.find((k) => k.kind === "network-latency")!.params.map((p) => p.name)).toContain("delay");
  });

  it("refuses bad input with exit 2 before touching any environment", async () => {
    // The stack does not exist: every refusal below happens before it would be read.
    const cases: [string[], RegExp][] = [
      [["fault", "apply", "lag", "--target", "node-1"], /unknown fault kind 'lag' \(did you mean 'network-latency'\?\)/],
      [["fault", "apply", "network-latency", "--target", "node-1", "--set", "delay=20s"], /delay=20s is out of bounds: expected 1ms\.\.10s/],
      [["fault", "apply", "packet-loss", "--target", "node-1", "--set", "los=10"], /los/],
      [["fault", "apply", "network-partition", "--target", "node-1", "--set", "peers"], /--set expects key=value/],
      [["fault", "apply", "network-partition", "--target", "node-1", "--lease", "forever"], /--lease/],
      [["fault", "apply", "network-partition", "--target", "node-1", "--stack", "Bad Name"], /is not a stack name/],
      [["fault", "revert"], /name fault ids or --all/],
    ];
    const results = await Promise.all(cases.map(([args]) => meshkitChaos([...args, ...(args.includes("--stack") ? [] : ["--stack", "no-such-env"])])));
    cases.forEach(([args, expected], i) => {
      expect(results[i]!.exitCode, args.join(" ")).toBe(2);
      expect(results[i]!.stderr, args.join(" ")).toMatch(expected);
    });
  });

  it("fails (exit 1) naming the command that brings the environment up when it is not up", async () => {
    const r = await meshkitChaos(["fault", "apply", "network-partition", "--target", "node-1", "--stack", "no-such-env"]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/env up --stack no-such-env/);
  });
});
