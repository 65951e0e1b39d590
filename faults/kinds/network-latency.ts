// Delay the targets' egress packets (optionally only towards some peers): tc netem where the kernel
// has sch_netem, otherwise the agent's NFQUEUE delayer; the agent reports which one it used.

import { needs } from "../capabilities.ts";
import { chaosResource, goDuration, membersSelector } from "../chaos-mesh.ts";
import { humanDuration } from "../duration.ts";
import { defineKind, group, onNodes } from "../kind.ts";
import { durationParam, numberParam, selectorParam } from "../param.ts";
import { resolvePeers } from "../peers.ts";

const referenceDelayMs = 1_000;

export const networkLatency = defineKind({
  kind: "network-latency",
  abbrev: "lat",
  summary: "Delay the targets' egress packets (+ jitter, correlation), optionally only towards some peers.",
  params: {
    delay: durationParam({ minMs: 1, maxMs: 10_000, default: undefined, summary: "Added one-way delay of each packet" }),
    jitter: durationParam({ minMs: 0, maxMs: 10_000, default: 0, summary: "Random variation of the delay (±)" }),
    correlation: numberParam({ unit: "%", min: 0, max: 100, default: 0, summary: "Correlation of each packet's jitter with the previous one's" }),
    peers: selectorParam({ summary: "Only packets to these nodes (or registry); default every destination" }),
  },
  intensity: {
    type: "scale",
    knob: "delay",
    default: 0.1,
    mapping: "delay = intensity × 1 s (default 0.1 = 100 ms)",
    toKnob: (i) => Math.round(i * referenceDelayMs),
    fromKnob: (ms) => Number(ms) / referenceDelayMs,
  },
  targets: { type: "nodes" },
  capabilities: needs(["netAdmin"], ["schNetem", "iptables.available"]),
  mechanism: "tc netem on egress; without sch_netem, an NFQUEUE userspace delayer (iptables rules tagged with the fault id)",
  chaosMesh: { kind: "NetworkChaos", note: "action delay (latency, jitter, correlation), direction to; target = the peers when given" },
  plan(input) {
    const { delay, jitter, correlation } = input.params;
    const peers = resolvePeers(input.params.peers, input);
    const agent = input.targets.map((node) => ({
      node,
      params: { delayMs: delay, jitterMs: jitter, correlationPct: correlation, peers: peers ?? [] },
      about: [node, ...(peers ?? [])],
    }));
    const amount = `${humanDuration(delay)}${jitter > 0 ? ` ± ${humanDuration(jitter)}` : ""}${correlation > 0 ? ` (correlation ${correlation} %)` : ""}`;
    const towards = peers ? ` to ${group(peers)}` : "";
    return {
      agent,
      description:
        `would delay every packet ${group(input.targets)} sends${towards} by ${amount} ` +
        `(tc netem, or the NFQUEUE delayer where the kernel lacks sch_netem) on ${onNodes(input.targets)} for ${humanDuration(input.durationMs)}`,
      chaosMesh: [
        chaosResource(input, "NetworkChaos", {
          action: "delay",
          selector: membersSelector(input.targets, input.topology, input.namespace),
          delay: { latency: `${delay}ms`, jitter: `${jitter}ms`, correlation: String(correlation) },
          direction: "to",
          ...(peers ? { target: { mode: "all", selector: membersSelector(peers, input.topology, input.namespace) } } : {}),
          duration: goDuration(input.durationMs),
        }),
      ],
    };
  },
});
