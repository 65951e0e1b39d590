// Freeze the node process with SIGSTOP for the duration, SIGCONT on revert.

import { needs } from "../capabilities.ts";
import { chaosResource, goDuration, membersSelector } from "../chaos-mesh.ts";
import { humanDuration } from "../duration.ts";
import { defineKind, onNodes } from "../kind.ts";

export const processPause = defineKind({
  kind: "process-pause",
  abbrev: "pause",
  summary: "Freeze the targets' node process (SIGSTOP) for the duration, then SIGCONT.",
  params: {},
  intensity: { type: "single", mapping: "one level: the process is stopped" },
  targets: { type: "nodes" },
  capabilities: needs(["pidVisibility.nodeProcessVisible"]),
  mechanism: "SIGSTOP to the node process through the shared PID namespace (state T), SIGCONT on revert",
  chaosMesh: { kind: "PodChaos", note: "pod-failure for the duration (the node container is unavailable, not frozen: the closest Chaos Mesh action)" },
  plan(input) {
    return {
      agent: input.targets.map((node) => ({ node, params: {}, about: [node] })),
      description: `would SIGSTOP the node process of ${onNodes(input.targets)} through the shared PID namespace for ${humanDuration(input.durationMs)}, then SIGCONT`,
      chaosMesh: [
        chaosResource(input, "PodChaos", {
          action: "pod-failure",
          selector: membersSelector(input.targets, input.topology, input.namespace),
          duration: goDuration(input.durationMs),
        }),
      ],
    };
  },
});
