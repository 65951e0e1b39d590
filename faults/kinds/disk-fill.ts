// Fill the node's data volume to a percentage with one fallocated file (never the root fs).

import { needs } from "../capabilities.ts";
import { chaosResource, goDuration, membersSelector, nodeContainer, nodeDataDir } from "../chaos-mesh.ts";
import { humanDuration } from "../duration.ts";
import { defineKind, onNodes } from "../kind.ts";
import { numberParam } from "../param.ts";

/** errno of "No space left on device": what a full disk looks like to the node. */
const ENOSPC = 28;

export const diskFill = defineKind({
  kind: "disk-fill",
  abbrev: "disk",
  summary: "Fill the targets' data volume to a percentage (never the root filesystem).",
  params: {
    fill: numberParam({ unit: "%", min: 1, max: 99, default: undefined, summary: "Used share of the data volume once filled" }),
  },
  intensity: {
    type: "scale",
    knob: "fill",
    default: 0.8,
    mapping: "fill = intensity × 100 % of the data volume (default 0.8 = 80 %)",
    toKnob: (i) => Number((i * 100).toFixed(2)),
    fromKnob: (pct) => Number(pct) / 100,
  },
  targets: { type: "nodes" },
  capabilities: needs([]),
  mechanism: "fallocate of one file tagged with the fault id in the node's data volume, deleted on revert",
  chaosMesh: {
    kind: "IOChaos",
    note: "approximation: Chaos Mesh cannot fill a volume, so the CR injects what a full volume does (writes fail with ENOSPC) on the data volume; the fill percentage is kept as an annotation",
  },
  plan(input) {
    const { fill } = input.params;
    return {
      agent: input.targets.map((node) => ({ node, params: { fillPct: fill }, about: [node] })),
      description:
        `would fill the data volume of ${onNodes(input.targets)} (${nodeDataDir}, never the root filesystem) to ${fill} % ` +
        `with one fallocated file for ${humanDuration(input.durationMs)}`,
      chaosMesh: [
        chaosResource({ ...input, annotations: { "meshkit-chaos.fill-pct": String(fill) } }, "IOChaos", {
          action: "fault",
          selector: membersSelector(input.targets, input.topology, input.namespace),
          containerNames: [nodeContainer],
          volumePath: nodeDataDir,
          path: `${nodeDataDir}/**/*`,
          errno: ENOSPC,
          methods: ["write", "create", "mkdir", "mknod"],
          percent: 100,
          duration: goDuration(input.durationMs),
        }),
      ],
    };
  },
});
