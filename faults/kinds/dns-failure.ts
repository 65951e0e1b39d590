// Make the targets' DNS lookups of matching names fail (NXDOMAIN, SERVFAIL or no answer): the agent
// redirects the node's DNS queries to its own responder with iptables rules tagged with the fault id.

import { needs } from "../capabilities.ts";
import { chaosResource, goDuration, membersSelector, nodeContainer } from "../chaos-mesh.ts";
import { humanDuration } from "../duration.ts";
import { defineKind, group, onNodes } from "../kind.ts";
import { choiceParam, listParam } from "../param.ts";

const answer = { nxdomain: "NXDOMAIN", servfail: "SERVFAIL", timeout: "no answer (the query times out)" } as const;

export const dnsFailure = defineKind({
  kind: "dns-failure",
  abbrev: "dns",
  summary: "Fail the targets' DNS lookups of matching names with NXDOMAIN, SERVFAIL or a timeout.",
  params: {
    mode: choiceParam(["nxdomain", "servfail", "timeout"], { default: "nxdomain", summary: "How matching lookups fail" }),
    names: listParam({
      item: /^[A-Za-z0-9*._-]{1,253}$/,
      itemDescription: "a DNS name pattern (* matches any run of characters)",
      maxItems: 32,
      default: ["*"],
      summary: "Name patterns whose lookups fail; * alone matches every name",
    }),
  },
  intensity: { type: "single", mapping: "one level: every matching lookup fails" },
  targets: { type: "nodes" },
  capabilities: needs(["netAdmin", "iptables.available"]),
  mechanism: "iptables redirect of the node's DNS queries (port 53) to a responder in the agent, rules tagged with the fault id",
  chaosMesh: {
    kind: "DNSChaos",
    note: "action error for every mode (Chaos Mesh answers matching names with an error; it has no NXDOMAIN/SERVFAIL/timeout choice): the mode is kept as an annotation",
  },
  plan(input) {
    const { mode, names } = input.params;
    return {
      agent: input.targets.map((node) => ({ node, params: { mode, names }, about: [node] })),
      description:
        `would answer DNS lookups by ${group(input.targets)} of ${names.join(", ")} with ${answer[mode]} ` +
        `(queries redirected to the agent's responder) on ${onNodes(input.targets)} for ${humanDuration(input.durationMs)}`,
      chaosMesh: [
        chaosResource({ ...input, annotations: { "meshkit-chaos.dns-mode": mode } }, "DNSChaos", {
          action: "error",
          selector: membersSelector(input.targets, input.topology, input.namespace),
          patterns: names,
          containerNames: [nodeContainer],
          duration: goDuration(input.durationMs),
        }),
      ],
    };
  },
});
