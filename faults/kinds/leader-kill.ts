// Kill the current leader of a leadership scope: the target is `role:leader:<scope>`, resolved from
// the topology's leaders when planned; then the same signal as process-kill.

import { defaultLeadershipScope } from "../../contract/meshkit.ts";
import { needs } from "../capabilities.ts";
import { chaosResource, goDuration, membersSelector } from "../chaos-mesh.ts";
import { humanDuration } from "../duration.ts";
import { defineKind } from "../kind.ts";
import { textParam } from "../param.ts";
import { leaderScopeOf } from "../targets.ts";
import { gracePeriodSeconds, signalIntensity, signalParam } from "./signal.ts";

export const leaderKill = defineKind({
  kind: "leader-kill",
  abbrev: "lkill",
  summary: "Kill the current leader of a leadership scope (default global-control).",
  params: {
    scope: textParam({
      pattern: /^[A-Za-z0-9][A-Za-z0-9/_.:-]{0,127}$/,
      description: "a leadership scope name (global-control, shard/{namespace}/{id})",
      default: defaultLeadershipScope,
      summary: "Leadership scope whose leader is killed",
    }),
    signal: signalParam(),
  },
  intensity: signalIntensity,
  targets: { type: "nodes", note: "role:leader or role:leader:SCOPE only; default role:leader:SCOPE of the scope parameter" },
  capabilities: needs(["pidVisibility.nodeProcessVisible"]),
  mechanism: "the leader resolved from /control/leaders, then a signal to its node process through the shared PID namespace",
  chaosMesh: { kind: "PodChaos", note: "pod-kill of the leader's pod (resolved when planned); gracePeriod 0 for SIGKILL, 30 s for SIGTERM" },
  settle(params, given, targets) {
    if (targets === null) return { params, targets: `role:leader:${params.scope}` };
    const scope = leaderScopeOf(targets);
    if (scope === null) {
      return `the target must be role:leader[:<scope>] (or omit --target); to kill ${targets} whatever its role, use process-kill`;
    }
    if (scope !== params.scope) {
      if (given.has("scope")) return `--target names scope ${scope} but --set scope=${params.scope}; give one of them`;
      return { params: { ...params, scope }, targets };
    }
    return { params, targets };
  },
  plan(input) {
    const { signal, scope } = input.params;
    return {
      agent: input.targets.map((node) => ({ node, params: { signal, scope }, about: [node] })),
      description:
        `would send ${signal} to the node process of ${input.targets.join(", ")}, the current leader of ${scope}, through the shared PID namespace; ` +
        `a new leader with a higher term is expected; the fault window lasts ${humanDuration(input.durationMs)}`,
      chaosMesh: [
        chaosResource(input, "PodChaos", {
          action: "pod-kill",
          selector: membersSelector(input.targets, input.topology, input.namespace),
          gracePeriod: gracePeriodSeconds(signal),
          duration: goDuration(input.durationMs),
        }),
      ],
    };
  },
});
