// Delay or abort a share of the data-plane requests a node serves (the traffic blast radius): the
// node's slow-handlers / failing-handlers chaos toggles.

import { chaosNames, dataPaths, ports } from "../../contract/meshkit.ts";
import { needs } from "../capabilities.ts";
import { chaosResource, goDuration, membersSelector } from "../chaos-mesh.ts";
import { humanDuration } from "../duration.ts";
import { defineKind, onNodes, percentText } from "../kind.ts";
import { choiceParam, durationParam, numberParam } from "../param.ts";

const rpcPrefix = dataPaths.ping.slice(0, dataPaths.ping.lastIndexOf("/") + 1);

export const httpFault = defineKind({
  kind: "http-fault",
  abbrev: "http",
  summary: "Delay or abort a share of the data-plane requests the targets serve.",
  params: {
    mode: choiceParam(["abort", "delay"], { default: "abort", summary: "abort = the request fails; delay = it is answered late" }),
    delay: durationParam({ minMs: 1, maxMs: 60_000, default: 500, summary: "Added delay of each affected request (mode=delay only)" }),
    share: numberParam({ unit: "share", min: 0.001, max: 1, default: undefined, summary: "Share of requests affected" }),
  },
  intensity: {
    type: "scale",
    knob: "share",
    default: 0.25,
    mapping: "share = intensity (default 0.25 = a quarter of the requests)",
    toKnob: (i) => i,
    fromKnob: (share) => Number(share),
  },
  targets: { type: "nodes" },
  capabilities: needs([]),
  mechanism: `the node's ${chaosNames.failingHandlers} (abort) or ${chaosNames.slowHandlers} (delay) chaos toggle`,
  chaosMesh: {
    kind: "HTTPChaos",
    note: "abort or delay of requests on the data-plane port; HTTPChaos has no per-request share (it acts on every matching request), so the share is kept as an annotation, and the data plane's TLS needs the CR's tls secret set by the platform",
  },
  settle(params, given, targets) {
    if (params.mode === "abort" && given.has("delay")) return "delay applies to mode=delay only; add --set mode=delay or drop delay";
    return { params, targets };
  },
  plan(input) {
    const { mode, delay, share } = input.params;
    const delayMs = mode === "delay" ? delay : 0;
    return {
      agent: input.targets.map((node) => ({ node, params: { mode, share, delayMs }, about: [node] })),
      description:
        (mode === "abort"
          ? `would abort ${percentText(share)} of the data-plane requests served by ${onNodes(input.targets)} (the node's ${chaosNames.failingHandlers} toggle)`
          : `would delay ${percentText(share)} of the data-plane requests served by ${onNodes(input.targets)} by ${humanDuration(delay)} (the node's ${chaosNames.slowHandlers} toggle)`) +
        ` for ${humanDuration(input.durationMs)}`,
      chaosMesh: [
        chaosResource({ ...input, annotations: { "meshkit-chaos.share": String(share) } }, "HTTPChaos", {
          selector: membersSelector(input.targets, input.topology, input.namespace),
          target: "Request",
          port: ports.data,
          path: `${rpcPrefix}*`,
          ...(mode === "abort" ? { abort: true } : { delay: `${delay}ms` }),
          duration: goDuration(input.durationMs),
        }),
      ],
    };
  },
});
