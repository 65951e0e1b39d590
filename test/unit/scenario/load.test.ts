// Scenario files as a user writes them: valid files parse into typed scenarios with a stable
// definition hash; typical mistakes are reported at the exact file:line:column and document path.
import { describe, expect, it } from "vitest";
import { definitionHash, parseScenarioText, type ScenarioLoad } from "../../../runner/scenario/load.ts";
import { formatProblem } from "../../../runner/scenario/problems.ts";

/** A small valid scenario; tests edit its lines to introduce one mistake each. */
const valid = `# yaml-language-server: $schema=./scenario.schema.json
apiVersion: meshkit-chaos/v1
kind: Scenario
metadata:
  name: latency-smoke
  version: 1.2.0
  owner: sre
  description: One slow node.
steadyState:
  probes:
    - name: errors
      query: sum(rate(x[30s]))
      threshold: { op: "<", value: 0.05 }
      abort: { op: "<", value: 0.25 }
steps:
  - name: slow
    fault: network-latency
    targets: node-2
    duration: 30s
    params:
      delay: 100ms
  - pause: 5s
  - waitUntil: { probe: errors, timeout: 30s }
slos:
  - name: alive
    kind: members-alive
    within: 30s
`;

const problemsOf = (load: ScenarioLoad): string[] => {
  if (load.ok) throw new Error("expected problems, the file loaded");
  return load.problems.map(formatProblem);
};

/** Replaces exactly one occurrence of `from` in the valid text. */
const edit = (from: string, to: string): string => {
  expect(valid.split(from).length, `'${from}' occurs once`).toBe(2);
  return valid.replace(from, to);
};

describe("loading valid scenario files", () => {
  it("parses a single scenario with defaults filled in and a definition hash", () => {
    const load = parseScenarioText(valid, "s.yaml");
    if (!load.ok) throw new Error(problemsOf(load).join("\n"));
    expect(load.scenarios).toHaveLength(1);
    const [one] = load.scenarios;
    expect(one!.index).toBeNull();
    expect(one!.scenario.metadata.name).toBe("latency-smoke");
    expect(one!.scenario.steadyState.interval).toBe("2s"); // default
    expect(one!.scenario.prerequisites.minNodes).toBe(3); // default of an omitted section
    expect(one!.scenario.steps[0]).toMatchObject({ fault: "network-latency", targets: "node-2", params: { delay: "100ms" } });
    expect(one!.definitionHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it("parses a list of scenarios, each with its own index, line and hash", () => {
    const second = valid.replace("latency-smoke", "latency-smoke-2").replace("# yaml-language-server: $schema=./scenario.schema.json\n", "");
    const asItem = (text: string): string =>
      text
        .split("\n")
        .filter((l) => !l.startsWith("#") && l !== "")
        .map((l, i) => (i === 0 ? `- ${l}` : `  ${l}`))
        .join("\n");
    const list = `${asItem(valid)}\n${asItem(second)}\n`;
    const load = parseScenarioText(list, "list.yaml");
    if (!load.ok) throw new Error(problemsOf(load).join("\n"));
    expect(load.scenarios.map((s) => [s.scenario.metadata.name, s.index])).toEqual([
      ["latency-smoke", 0],
      ["latency-smoke-2", 1],
    ]);
    expect(load.scenarios[1]!.line).toBe(27);
    expect(load.scenarios[0]!.definitionHash).not.toBe(load.scenarios[1]!.definitionHash);
  });

  it("gives the same definition hash however the YAML is written (key order, flow style, spelled-out defaults)", () => {
    const reordered = edit(
      "  probes:\n    - name: errors\n      query: sum(rate(x[30s]))\n      threshold: { op: \"<\", value: 0.05 }\n",
      "  interval: 2s\n  probes:\n    - query: sum(rate(x[30s]))\n      name: errors\n      threshold:\n        value: 0.05\n        op: \"<\"\n",
    );
    const a = parseScenarioText(valid, "a.yaml");
    const b = parseScenarioText(reordered, "b.yaml");
    if (!a.ok || !b.ok) throw new Error("both load");
    expect(b.scenarios[0]!.definitionHash).toBe(a.scenarios[0]!.definitionHash);
    expect(definitionHash(a.scenarios[0]!.scenario)).toBe(a.scenarios[0]!.definitionHash);
    const changed = parseScenarioText(edit("delay: 100ms", "delay: 150ms"), "c.yaml");
    if (!changed.ok) throw new Error("loads");
    expect(changed.scenarios[0]!.definitionHash).not.toBe(a.scenarios[0]!.definitionHash);
  });
});

describe("lint positions of typical mistakes", () => {
  it("unknown key: at the key, with a did-you-mean and the keys expected", () => {
    expect(problemsOf(parseScenarioText(edit("    params:\n", "    parms:\n"), "f.yaml"))).toEqual([
      "f.yaml:20:5: steps[0].parms: unknown key 'parms' (did you mean 'params'?); expected one of: name, fault, targets, duration, intensity, params",
    ]);
    expect(problemsOf(parseScenarioText(edit("      delay: 100ms", "      delay: 100ms\n      jiter: 5ms"), "f.yaml"))).toEqual([
      "f.yaml:22:7: steps[0].params.jiter: unknown key 'jiter' (did you mean 'jitter'?); expected one of: intensity, delay, jitter, correlation, peers",
    ]);
  });

  it("wrong type: at the value, saying what was expected and what was found", () => {
    expect(problemsOf(parseScenarioText(edit('value: 0.05 }', 'value: "0.05" }'), "f.yaml"))).toEqual([
      "f.yaml:13:36: steadyState.probes[0].threshold.value: expected a number, got '0.05' (a string)",
    ]);
  });

  it("out-of-bound fault parameter: at the parameter, with the catalog's bound and unit", () => {
    expect(problemsOf(parseScenarioText(edit("delay: 100ms", "delay: 20s"), "f.yaml"))).toEqual([
      "f.yaml:21:14: steps[0].params.delay: delay=20s is out of bounds: expected 1ms..10s",
    ]);
  });

  it("bad duration: at the value, saying what a duration looks like", () => {
    expect(problemsOf(parseScenarioText(edit("pause: 5s", "pause: 5 seconds"), "f.yaml"))).toEqual([
      "f.yaml:22:12: steps[1].pause: expected a duration such as 500ms, 30s, 2m (a number with a unit), got '5 seconds' (a string)",
    ]);
    expect(problemsOf(parseScenarioText(edit("pause: 5s", "pause: 5"), "f.yaml"))).toEqual([
      "f.yaml:22:12: steps[1].pause: expected a duration such as 500ms, 30s, 2m (a number with a unit), got 5 (a number)",
    ]);
    expect(problemsOf(parseScenarioText(edit("duration: 30s", "duration: 2h"), "f.yaml"))).toEqual([
      "f.yaml:19:15: steps[0].duration: network-latency: duration=2h is out of bounds: expected 1s..1h",
    ]);
  });

  it("unknown probe in waitUntil: at the probe name, listing the probes", () => {
    expect(problemsOf(parseScenarioText(edit("probe: errors,", "probe: eror,"), "f.yaml"))).toEqual([
      "f.yaml:23:25: steps[2].waitUntil.probe: waitUntil names probe 'eror', which steadyState.probes does not define (did you mean 'errors'?); probes: errors",
    ]);
  });

  it("YAML syntax error: at the offending character", () => {
    const problems = problemsOf(parseScenarioText(edit("  owner: sre\n", "  owner: [sre\n"), "f.yaml"));
    expect(problems.length).toBeGreaterThanOrEqual(1);
    expect(problems[0]).toMatch(/^f\.yaml:8:\d+: \(document\): YAML syntax: /);
  });

  it("unknown fault kind, missing key, abort looser than the threshold, duplicate names, unknown step form", () => {
    expect(problemsOf(parseScenarioText(edit("fault: network-latency", "fault: network-latncy"), "f.yaml"))[0]).toMatch(
      /^f\.yaml:17:12: steps\[0\]\.fault: expected one of: leader-kill, .*, got 'network-latncy' \(a string\) \(did you mean 'network-latency'\?\)$/,
    );
    expect(problemsOf(parseScenarioText(edit("  owner: sre\n", ""), "f.yaml"))).toEqual([
      "f.yaml:5:3: metadata.owner: missing required key 'owner' (expected a string)",
    ]);
    expect(problemsOf(parseScenarioText(edit('abort: { op: "<", value: 0.25 }', 'abort: { op: "<", value: 0.01 }'), "f.yaml"))).toEqual([
      "f.yaml:14:14: steadyState.probes[0].abort: abort (< 0.01) would fire while the steady state still holds (< 0.05); the abort bound must be looser than the threshold (a value above 0.05)",
    ]);
    // Steps and SLOs are different namespaces: the same name in both is fine.
    expect(parseScenarioText(edit("  - name: alive\n", "  - name: slow\n"), "f.yaml").ok).toBe(true);
    expect(problemsOf(parseScenarioText(edit("  - pause: 5s\n", "  - name: slow\n    fault: packet-loss\n    targets: node-3\n    duration: 10s\n"), "f.yaml"))).toEqual([
      "f.yaml:22:11: steps[1].name: step name 'slow' is used twice; step names must be unique (the timeline and reports refer to them)",
    ]);
    expect(problemsOf(parseScenarioText(edit("  - pause: 5s\n", "  - sleep: 5s\n"), "f.yaml"))).toEqual([
      "f.yaml:22:5: steps[1]: expected one of these forms: {fault, duration} | {parallel} | {pause} | {waitUntil}; got a mapping",
    ]);
  });

  it("reports shape and catalog problems of one file together", () => {
    const text = edit("delay: 100ms", "delay: 20s").replace("  owner: sre\n", "  owner: sre\n  team: x\n");
    expect(problemsOf(parseScenarioText(text, "f.yaml"))).toEqual([
      "f.yaml:8:3: metadata.team: unknown key 'team'; expected one of: name, version, owner, description, tags",
      "f.yaml:22:14: steps[0].params.delay: delay=20s is out of bounds: expected 1ms..10s",
    ]);
  });

  it("an empty file and a file that is not a mapping say what a scenario file is", () => {
    expect(problemsOf(parseScenarioText("", "e.yaml"))).toEqual(["e.yaml:1:1: (document): expected a mapping or a list, got null (an empty value)"]);
    expect(problemsOf(parseScenarioText("just words\n", "w.yaml"))).toEqual(["w.yaml:1:1: (document): expected a mapping or a list, got 'just words' (a string)"]);
  });
});
