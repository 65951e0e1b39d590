// Cap the targets' egress rate with a tbf qdisc tagged with the fault id.

import { needs } from "../capabilities.ts";
import { chaosResource, goDuration, membersSelector } from "../chaos-mesh.ts";
import { humanDuration } from "../duration.ts";
import { defineKind, group, onNodes } from "../kind.ts";
import { autoParam, formatRate, numberParam, rateParam } from "../param.ts";

/** The link intensity is measured against: intensity 0.99 leaves 1 % of it (1 mbit). */
const referenceKbit = 100_000;
const minBurstBytes = 1_600;
const maxBurstBytes = 64 * 1024 * 1024;

/** 10 ms worth of bytes at the rate, at least one full-size frame. */
export const autoBurstBytes = (rateKbit: number): number =>
  Math.min(maxBurstBytes, Math.max(minBurstBytes, Math.ceil((rateKbit * 1000) / 8 / 100)));

export const bandwidth = defineKind({
  kind: "bandwidth",
  abbrev: "bw",
  summary: "Cap the targets' egress rate.",
  params: {
    rate: rateParam({ minKbit: 8, maxKbit: 10_000_000, default: undefined, summary: "Egress rate cap" }),
    burst: autoParam(
      numberParam({ unit: "bytes", min: minBurstBytes, max: maxBurstBytes, integer: true, default: undefined, summary: "Token bucket size (tbf burst)" }),
      "10 ms at the rate, at least 1600 bytes",
    ),
  },
  intensity: {
    type: "scale",
    knob: "rate",
    default: 0.99,
    mapping: "rate = 100 mbit × (1 − intensity), at least 8 kbit (default 0.99 = 1 mbit)",
    toKnob: (i) => Math.max(8, Math.round(referenceKbit * (1 - i))),
    fromKnob: (kbit) => 1 - Number(kbit) / referenceKbit,
  },
  targets: { type: "nodes" },
  capabilities: needs(["netAdmin", "tbf"]),
  mechanism: "tc tbf qdisc on egress, handle tagged with the fault id",
  chaosMesh: { kind: "NetworkChaos", note: "action bandwidth: rate, buffer = burst bytes, limit = 50 ms of queue at the rate" },
  plan(input) {
    const rateKbit = input.params.rate;
    const burstBytes = input.params.burst ?? autoBurstBytes(rateKbit);
    const limitBytes = Math.max(burstBytes, Math.ceil((rateKbit * 1000) / 8 / 20));
    return {
      agent: input.targets.map((node) => ({ node, params: { rateKbit, burstBytes }, about: [node] })),
      description:
        `would cap the egress of ${group(input.targets)} to ${formatRate(rateKbit)}/s (tc tbf, burst ${burstBytes} bytes) ` +
        `on ${onNodes(input.targets)} for ${humanDuration(input.durationMs)}`,
      chaosMesh: [
        chaosResource(input, "NetworkChaos", {
          action: "bandwidth",
          selector: membersSelector(input.targets, input.topology, input.namespace),
          bandwidth: { rate: `${rateKbit}kbit`, limit: limitBytes, buffer: burstBytes },
          duration: goDuration(input.durationMs),
        }),
      ],
    };
  },
});
