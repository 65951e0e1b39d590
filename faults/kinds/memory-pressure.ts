// Allocate memory in the node's cgroup: a stress-ng vm worker holding the given size.

import { needs } from "../capabilities.ts";
import { chaosResource, goDuration, membersSelector, nodeContainer } from "../chaos-mesh.ts";
import { humanDuration } from "../duration.ts";
import { defineKind, onNodes } from "../kind.ts";
import { numberParam } from "../param.ts";

const referenceMegabytes = 1_024;

export const memoryPressure = defineKind({
  kind: "memory-pressure",
  abbrev: "mem",
  summary: "Allocate memory in the targets' cgroup.",
  params: {
    megabytes: numberParam({ unit: "MB", min: 1, max: 16_384, integer: true, default: undefined, summary: "Memory held for the duration" }),
  },
  intensity: {
    type: "scale",
    knob: "megabytes",
    default: 0.25,
    mapping: "megabytes = intensity × 1024 MB, rounded (default 0.25 = 256 MB)",
    toKnob: (i) => Math.round(i * referenceMegabytes),
    fromKnob: (mb) => Number(mb) / referenceMegabytes,
  },
  targets: { type: "nodes" },
  capabilities: needs(["stressTools.stressNg"]),
  mechanism: "a stress-ng vm worker in the node's cgroup holding the memory, killed on revert",
  chaosMesh: { kind: "StressChaos", note: "stressors.memory {workers: 1, size} in the node container" },
  plan(input) {
    const { megabytes } = input.params;
    return {
      agent: input.targets.map((node) => ({ node, params: { megabytes }, about: [node] })),
      description: `would allocate ${megabytes} MB in the cgroup of ${onNodes(input.targets)} (stress-ng vm worker) for ${humanDuration(input.durationMs)}`,
      chaosMesh: [
        chaosResource(input, "StressChaos", {
          selector: membersSelector(input.targets, input.topology, input.namespace),
          containerNames: [nodeContainer],
          stressors: { memory: { workers: 1, size: `${megabytes}MB` } },
          duration: goDuration(input.durationMs),
        }),
      ],
    };
  },
});
