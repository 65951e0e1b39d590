// Cut traffic between the targets and a second group, both ways or one way: iptables DROP rules
// tagged with the fault id on each target's side. With no peers given, the targets are cut off from
// every other node and the registry.

import { needs } from "../capabilities.ts";
import { chaosResource, goDuration, membersSelector } from "../chaos-mesh.ts";
import { humanDuration } from "../duration.ts";
import { defineKind, group, onNodes } from "../kind.ts";
import { choiceParam, selectorParam } from "../param.ts";
import { everyoneElse, resolvePeers } from "../peers.ts";

const chaosMeshDirection = { both: "both", outbound: "to", inbound: "from" } as const;

export const networkPartition = defineKind({
  kind: "network-partition",
  abbrev: "part",
  summary: "Cut traffic between the targets and a second group (both ways or one way).",
  params: {
    peers: selectorParam({
      summary: "The other group: node names, count:N, percent:P, role:leader[:scope] or registry; default every non-target node and the registry",
    }),
    direction: choiceParam(["both", "outbound", "inbound"], {
      default: "both",
      summary: "both = two-way; outbound = targets cannot send to peers (one-way); inbound = peers cannot reach targets (one-way)",
    }),
  },
  intensity: { type: "single", mapping: "one level: every packet between the groups is dropped (for a share, use packet-loss)" },
  targets: { type: "nodes" },
  capabilities: needs(["netAdmin", "iptables.available"]),
  mechanism: "iptables DROP rules tagged with the fault id, on each target's side (INPUT and/or OUTPUT)",
  chaosMesh: { kind: "NetworkChaos", note: "action partition; direction both/to/from; target = the peers" },
  plan(input) {
    const peers = resolvePeers(input.params.peers, input) ?? everyoneElse(input);
    const { direction } = input.params;
    const agent = input.targets.map((node) => ({ node, params: { peers, direction }, about: [node, ...peers] }));
    const how =
      direction === "both"
        ? `between ${group(input.targets)} and ${group(peers)} both ways`
        : direction === "outbound"
          ? `from ${group(input.targets)} to ${group(peers)} (one way: outbound)`
          : `from ${group(peers)} to ${group(input.targets)} (one way: inbound)`;
    return {
      agent,
      description: `would add iptables DROP ${how} on ${onNodes(input.targets)} for ${humanDuration(input.durationMs)}`,
      chaosMesh: [
        chaosResource(input, "NetworkChaos", {
          action: "partition",
          selector: membersSelector(input.targets, input.topology, input.namespace),
          direction: chaosMeshDirection[direction],
          target: { mode: "all", selector: membersSelector(peers, input.topology, input.namespace) },
          duration: goDuration(input.durationMs),
        }),
      ],
    };
  },
});
