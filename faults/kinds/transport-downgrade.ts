// Block the data plane's UDP datagram (HTTP/3-style) path so clients fall back to HTTP/2 over TCP:
// iptables DROP of UDP on the data-plane port, tagged with the fault id.

import { ports } from "../../contract/meshkit.ts";
import { needs } from "../capabilities.ts";
import { humanDuration } from "../duration.ts";
import { defineKind, onNodes } from "../kind.ts";

export const transportDowngrade = defineKind({
  kind: "transport-downgrade",
  abbrev: "tdown",
  summary: "Block the UDP datagram path of the data plane so clients fall back to HTTP/2 over TCP.",
  params: {},
  intensity: { type: "single", mapping: "one level: every UDP datagram on the data-plane port is dropped" },
  targets: { type: "nodes" },
  capabilities: needs(["netAdmin", "iptables.available"]),
  mechanism: `iptables DROP of UDP to and from port ${ports.data}, rules tagged with the fault id`,
  chaosMesh: {
    kind: null,
    note: "no Chaos Mesh equivalent: NetworkChaos cannot select by protocol or port (no such field in the v1alpha1 CRD); on Kubernetes the agent sidecar applies it",
  },
  plan(input) {
    return {
      agent: input.targets.map((node) => ({ node, params: {}, about: [node] })),
      description:
        `would drop UDP datagrams to and from the data-plane port ${ports.data} on ${onNodes(input.targets)} (iptables), ` +
        `so clients fall back to HTTP/2 over TCP, for ${humanDuration(input.durationMs)}`,
      chaosMesh: null,
    };
  },
});
