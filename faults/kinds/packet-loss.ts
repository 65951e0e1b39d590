// Drop a share of the targets' egress packets (optionally only towards some peers): netem loss where
// the kernel has sch_netem, otherwise an iptables `statistic --mode random` DROP rule.

import { needs } from "../capabilities.ts";
import { chaosResource, goDuration, membersSelector } from "../chaos-mesh.ts";
import { humanDuration } from "../duration.ts";
import { defineKind, group, onNodes } from "../kind.ts";
import { numberParam, selectorParam } from "../param.ts";
import { resolvePeers } from "../peers.ts";

export const packetLoss = defineKind({
  kind: "packet-loss",
  abbrev: "loss",
  summary: "Drop a share of the targets' egress packets, optionally only towards some peers.",
  params: {
    loss: numberParam({ unit: "%", min: 0.1, max: 100, default: undefined, summary: "Share of packets dropped" }),
    peers: selectorParam({ summary: "Only packets to these nodes (or registry); default every destination" }),
  },
  intensity: {
    type: "scale",
    knob: "loss",
    default: 0.1,
    mapping: "loss = intensity × 100 % (default 0.1 = 10 %)",
    toKnob: (i) => Number((i * 100).toFixed(3)),
    fromKnob: (pct) => Number(pct) / 100,
  },
  targets: { type: "nodes" },
  capabilities: needs(["netAdmin"], ["schNetem", "iptables.statisticMatch"]),
  mechanism: "tc netem loss; without sch_netem, an iptables statistic-match DROP rule tagged with the fault id",
  chaosMesh: { kind: "NetworkChaos", note: "action loss (loss as a percentage string), direction to; target = the peers when given" },
  plan(input) {
    const { loss } = input.params;
    const peers = resolvePeers(input.params.peers, input);
    return {
      agent: input.targets.map((node) => ({ node, params: { lossPct: loss, peers: peers ?? [] }, about: [node, ...(peers ?? [])] })),
      description:
        `would drop ${loss} % of the packets ${group(input.targets)} sends${peers ? ` to ${group(peers)}` : ""} ` +
        `(tc netem, or an iptables statistic DROP rule where the kernel lacks sch_netem) on ${onNodes(input.targets)} for ${humanDuration(input.durationMs)}`,
      chaosMesh: [
        chaosResource(input, "NetworkChaos", {
          action: "loss",
          selector: membersSelector(input.targets, input.topology, input.namespace),
          loss: { loss: String(loss), correlation: "0" },
          direction: "to",
          ...(peers ? { target: { mode: "all", selector: membersSelector(peers, input.topology, input.namespace) } } : {}),
          duration: goDuration(input.durationMs),
        }),
      ],
    };
  },
});
