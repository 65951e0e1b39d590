// k extra nodes join the mesh at once and leave when the fault ends. They are run-stack resources
// the run stack builds on the environment network; no agent is involved, so the plan carries a surge
// request instead of agent requests.

import { needs } from "../capabilities.ts";
import { humanDuration } from "../duration.ts";
import { defineKind } from "../kind.ts";
import { numberParam } from "../param.ts";

const referenceCount = 10;

export const membershipSurge = defineKind({
  kind: "membership-surge",
  abbrev: "surge",
  summary: "k extra nodes join the mesh at once and leave when the fault ends.",
  params: {
    count: numberParam({ unit: "nodes", min: 1, max: 50, integer: true, default: undefined, summary: "Extra nodes that join" }),
  },
  intensity: {
    type: "scale",
    knob: "count",
    default: 0.2,
    mapping: "count = intensity × 10 nodes, rounded, at least 1 (default 0.2 = 2 nodes)",
    toKnob: (i) => Math.max(1, Math.round(i * referenceCount)),
    fromKnob: (n) => Number(n) / referenceCount,
  },
  targets: { type: "none", why: "extra nodes join the environment network; no existing node is targeted" },
  capabilities: needs([]),
  mechanism: "run-stack resources: extra node containers on the environment network, removed on destroy",
  chaosMesh: { kind: null, note: "no Chaos Mesh equivalent: on Kubernetes the platform scales the node StatefulSet up by count and back" },
  plan(input) {
    const { count } = input.params;
    const size = input.topology.nodes.length;
    return {
      agent: [],
      surge: { count },
      description:
        `would add ${count} extra node${count === 1 ? "" : "s"} to the environment network (members ${size} → ${size + count}), ` +
        `let them join the mesh, and remove them after ${humanDuration(input.durationMs)}`,
      chaosMesh: null,
    };
  },
});
