// Have the node sign a share of its data-plane responses with an invalid signature (security
// scenario): the node's invalid-signature chaos toggle; clients count and reject them.

import { chaosNames } from "../../contract/meshkit.ts";
import { needs } from "../capabilities.ts";
import { humanDuration } from "../duration.ts";
import { defineKind, onNodes, percentText } from "../kind.ts";
import { numberParam } from "../param.ts";

export const invalidSignature = defineKind({
  kind: "invalid-signature",
  abbrev: "sig",
  summary: "Sign a share of the targets' data-plane responses with an invalid signature.",
  params: {
    share: numberParam({ unit: "share", min: 0.001, max: 1, default: undefined, summary: "Share of responses with an invalid signature" }),
  },
  intensity: {
    type: "scale",
    knob: "share",
    default: 0.1,
    mapping: "share = intensity (default 0.1 = one response in ten)",
    toKnob: (i) => i,
    fromKnob: (share) => Number(share),
  },
  targets: { type: "nodes" },
  capabilities: needs([]),
  mechanism: `the node's ${chaosNames.invalidSignature} chaos toggle`,
  chaosMesh: { kind: null, note: "no Chaos Mesh equivalent: an application-level fault, toggled on the node by the agent" },
  plan(input) {
    const { share } = input.params;
    return {
      agent: input.targets.map((node) => ({ node, params: { share }, about: [node] })),
      description:
        `would have ${onNodes(input.targets)} sign ${percentText(share)} of its data-plane responses with an invalid signature ` +
        `(the node's ${chaosNames.invalidSignature} toggle) for ${humanDuration(input.durationMs)}`,
      chaosMesh: null,
    };
  },
});
