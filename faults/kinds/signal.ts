// The signal of the kill kinds, shared by leader-kill and process-kill: intensity picks between a
// graceful SIGTERM and a SIGKILL.

import type { IntensityRule } from "../kind.ts";
import { choiceParam } from "../param.ts";

export const signalParam = () =>
  choiceParam(["SIGKILL", "SIGTERM"], { default: "SIGKILL", summary: "SIGKILL = crash; SIGTERM = graceful shutdown" });

export const signalIntensity: IntensityRule = {
  type: "scale",
  knob: "signal",
  default: 1,
  mapping: "intensity ≥ 0.5 → SIGKILL (crash), below → SIGTERM (graceful) (default 1 = SIGKILL)",
  toKnob: (i) => (i >= 0.5 ? "SIGKILL" : "SIGTERM"),
  fromKnob: (signal) => (signal === "SIGKILL" ? 1 : 0),
};

/** PodChaos gracePeriod: 0 kills at once, like SIGKILL; SIGTERM gets Kubernetes' default 30 s. */
export const gracePeriodSeconds = (signal: "SIGKILL" | "SIGTERM"): number => (signal === "SIGKILL" ? 0 : 30);
