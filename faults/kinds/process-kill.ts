// Kill the node process (SIGKILL, or SIGTERM for a graceful stop) through the PID namespace the
// sidecar shares with the node; the node comes back by its restart policy.

import { needs } from "../capabilities.ts";
import { chaosResource, goDuration, membersSelector, nodeContainer } from "../chaos-mesh.ts";
import { humanDuration } from "../duration.ts";
import { defineKind, onNodes } from "../kind.ts";
import { gracePeriodSeconds, signalIntensity, signalParam } from "./signal.ts";

export const processKill = defineKind({
  kind: "process-kill",
  abbrev: "kill",
  summary: "Kill the targets' node process (SIGKILL, or SIGTERM); it restarts by its restart policy.",
  params: { signal: signalParam() },
  intensity: signalIntensity,
  targets: { type: "nodes" },
  capabilities: needs(["pidVisibility.nodeProcessVisible"]),
  mechanism: "a signal to the node process through the shared PID namespace; revert makes sure the node runs again",
  chaosMesh: { kind: "PodChaos", note: "SIGKILL → container-kill of the node container; SIGTERM → pod-kill with a 30 s grace period" },
  plan(input) {
    const { signal } = input.params;
    const selector = membersSelector(input.targets, input.topology, input.namespace);
    return {
      agent: input.targets.map((node) => ({ node, params: { signal }, about: [node] })),
      description:
        `would send ${signal} to the node process of ${onNodes(input.targets)} through the shared PID namespace ` +
        `(the node restarts by its restart policy); the fault window lasts ${humanDuration(input.durationMs)}`,
      chaosMesh: [
        signal === "SIGKILL"
          ? chaosResource(input, "PodChaos", { action: "container-kill", selector, containerNames: [nodeContainer], duration: goDuration(input.durationMs) })
          : chaosResource(input, "PodChaos", { action: "pod-kill", selector, gracePeriod: gracePeriodSeconds(signal), duration: goDuration(input.durationMs) }),
      ],
    };
  },
});
