// Swap the node's TLS certificate for an expired or an untrusted one; the originals are kept and
// restored on revert. Nodes reload certificates when their files change.

import { needs } from "../capabilities.ts";
import { humanDuration } from "../duration.ts";
import { defineKind, onNodes } from "../kind.ts";
import { choiceParam } from "../param.ts";

const what = { expired: "an expired certificate", untrusted: "a certificate from an untrusted CA" } as const;

export const certExpiry = defineKind({
  kind: "cert-expiry",
  abbrev: "cert",
  summary: "Swap the targets' TLS certificate for an expired (or untrusted) one; originals restored.",
  params: {
    mode: choiceParam(["expired", "untrusted"], { default: "expired", summary: "expired = notAfter in the past; untrusted = signed by a CA the peers do not trust" }),
  },
  intensity: { type: "single", mapping: "one level: the certificate is swapped" },
  targets: { type: "nodes" },
  capabilities: needs([]),
  mechanism: "swap of the PEM files on the node's certificate volume, originals kept beside them and restored",
  chaosMesh: { kind: null, note: "no Chaos Mesh equivalent: on Kubernetes the agent sidecar swaps the files" },
  plan(input) {
    const { mode } = input.params;
    return {
      agent: input.targets.map((node) => ({ node, params: { mode }, about: [node] })),
      description:
        `would swap the TLS certificate of ${onNodes(input.targets)} for ${what[mode]} (originals kept, restored on revert) ` +
        `for ${humanDuration(input.durationMs)}`,
      chaosMesh: null,
    };
  },
});
