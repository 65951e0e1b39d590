// Shift the node's wall clock by an offset: the node's clock-skew chaos toggle.

import { chaosNames } from "../../contract/meshkit.ts";
import { needs } from "../capabilities.ts";
import { chaosResource, goDuration, membersSelector, nodeContainer } from "../chaos-mesh.ts";
import { formatDuration, humanDuration } from "../duration.ts";
import { defineKind, onNodes } from "../kind.ts";
import { durationParam } from "../param.ts";

const referenceOffsetMs = 600_000;

export const clockSkew = defineKind({
  kind: "clock-skew",
  abbrev: "skew",
  summary: "Shift the targets' wall clock by an offset (ahead or behind).",
  params: {
    offset: durationParam({ minMs: 1, maxMs: 86_400_000, signed: true, default: undefined, summary: "Clock offset; negative = behind" }),
  },
  intensity: {
    type: "scale",
    knob: "offset",
    default: 0.5,
    mapping: "offset = +intensity × 10 min, rounded to ms (default 0.5 = +5 min); set offset for a clock behind",
    toKnob: (i) => Math.round(i * referenceOffsetMs),
    fromKnob: (ms) => Math.abs(Number(ms)) / referenceOffsetMs,
  },
  targets: { type: "nodes" },
  capabilities: needs([]),
  mechanism: `the node's ${chaosNames.clockSkew} chaos toggle (its wall clock read through an offset)`,
  chaosMesh: { kind: "TimeChaos", note: "timeOffset on CLOCK_REALTIME of the node container" },
  plan(input) {
    const { offset } = input.params;
    const signed = `${offset > 0 ? "+" : ""}${humanDuration(offset)}`;
    return {
      agent: input.targets.map((node) => ({ node, params: { offsetMs: offset }, about: [node] })),
      description: `would shift the wall clock of ${onNodes(input.targets)} by ${signed} (the node's ${chaosNames.clockSkew} toggle) for ${humanDuration(input.durationMs)}`,
      chaosMesh: [
        chaosResource(input, "TimeChaos", {
          selector: membersSelector(input.targets, input.topology, input.namespace),
          containerNames: [nodeContainer],
          timeOffset: formatDuration(offset),
          clockIds: ["CLOCK_REALTIME"],
          duration: goDuration(input.durationMs),
        }),
      ],
    };
  },
});
