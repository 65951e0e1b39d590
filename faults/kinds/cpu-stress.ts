// Load the node's CPU: stress-ng workers placed in the node's cgroup.

import { needs } from "../capabilities.ts";
import { chaosResource, goDuration, membersSelector, nodeContainer } from "../chaos-mesh.ts";
import { humanDuration } from "../duration.ts";
import { defineKind, onNodes } from "../kind.ts";
import { numberParam } from "../param.ts";

export const cpuStress = defineKind({
  kind: "cpu-stress",
  abbrev: "cpu",
  summary: "Load the targets' CPU with stress-ng workers in the node's cgroup.",
  params: {
    workers: numberParam({ unit: "workers", min: 1, max: 64, integer: true, default: 1, summary: "stress-ng CPU workers (each loads up to one CPU)" }),
    load: numberParam({ unit: "%", min: 1, max: 100, integer: true, default: undefined, summary: "Load of each worker, percent of one CPU" }),
  },
  intensity: {
    type: "scale",
    knob: "load",
    default: 0.5,
    mapping: "load = intensity × 100 % of one CPU per worker, rounded (default 0.5 = 50 %)",
    toKnob: (i) => Math.round(i * 100),
    fromKnob: (pct) => Number(pct) / 100,
  },
  targets: { type: "nodes" },
  capabilities: needs(["stressTools.stressNg"]),
  mechanism: "stress-ng --cpu workers in the node's cgroup, killed on revert",
  chaosMesh: { kind: "StressChaos", note: "stressors.cpu {workers, load} in the node container" },
  plan(input) {
    const { workers, load } = input.params;
    return {
      agent: input.targets.map((node) => ({ node, params: { workers, loadPct: load }, about: [node] })),
      description:
        `would run ${workers} stress-ng CPU worker${workers === 1 ? "" : "s"} at ${load} % load in the cgroup of ` +
        `${onNodes(input.targets)} for ${humanDuration(input.durationMs)}`,
      chaosMesh: [
        chaosResource(input, "StressChaos", {
          selector: membersSelector(input.targets, input.topology, input.namespace),
          containerNames: [nodeContainer],
          stressors: { cpu: { workers, load } },
          duration: goDuration(input.durationMs),
        }),
      ],
    };
  },
});
