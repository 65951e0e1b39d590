// What one fault kind is (faults/kinds/<kind>.ts defines one each): its user parameters, how
// intensity maps to its main knob, which nodes it may target, what the agent needs, and a plan that
// turns (parameters, resolved targets, topology) into per-node agent requests, a dry-run sentence and
// the Chaos Mesh resources a Kubernetes platform would create instead.

import type { FaultKind } from "../contract/meshkit.ts";
import type { CapabilityNeed } from "./capabilities.ts";
import type { ChaosMeshMapping, ChaosMeshResource } from "./chaos-mesh.ts";
import type { ParamSpec, ParamValues, SetValue } from "./param.ts";
import type { Topology } from "./targets.ts";

export interface PlanInput<P> {
  readonly id: string;
  readonly kind: FaultKind;
  readonly params: P;
  readonly intensity: number;
  readonly durationMs: number;
  /** Resolved target nodes, in topology order (empty for a kind that takes no targets). */
  readonly targets: readonly string[];
  readonly topology: Topology;
  readonly seed: string | number;
  /** Kubernetes namespace of the environment, for the Chaos Mesh resources. */
  readonly namespace: string;
}

/** One agent apply: `params` in exactly agent/params.ts's schema for the kind. */
export interface AgentRequestPlan {
  readonly node: string;
  readonly params: Readonly<Record<string, unknown>>;
  /** The nodes this request is about, this node first (the apply request's `targets`). */
  readonly about: readonly string[];
}

export interface KindPlan {
  readonly agent: readonly AgentRequestPlan[];
  /** membership-surge: extra nodes the run stack adds; no agent is involved. */
  readonly surge?: { readonly count: number };
  /** Dry-run text: what exactly would be done to whom, and for how long. */
  readonly description: string;
  readonly chaosMesh: readonly ChaosMeshResource[] | null;
}

/**
 * Intensity (0..1, the same key for every kind) sets the kind's main knob when the knob is not given:
 * `scale` kinds compute the knob from it (the catalog then validates the knob's bounds), `single`
 * kinds have one level only and accept intensity=1.
 */
export type IntensityRule =
  | {
      readonly type: "scale";
      readonly knob: string;
      readonly default: number;
      /** For docs and `fault kinds`: "delay = intensity × 1 s". */
      readonly mapping: string;
      toKnob(intensity: number): SetValue;
      /** The intensity a given knob value stands for (clamped to 0..1 by the catalog). */
      fromKnob(value: unknown): number;
    }
  | { readonly type: "single"; readonly mapping: string };

export type TargetRule =
  /** `--target` is required: node names, count:N, percent:P, role:leader... */
  | { readonly type: "nodes"; readonly note?: string }
  /** No `--target`: the kind says why. */
  | { readonly type: "none"; readonly why: string };

export interface KindDefinition<S extends Record<string, ParamSpec<unknown>>> {
  readonly kind: FaultKind;
  /** Prefix of generated fault ids: `<abbrev>-<6 hex>`. */
  readonly abbrev: string;
  readonly summary: string;
  readonly params: S;
  readonly intensity: IntensityRule;
  readonly targets: TargetRule;
  readonly capabilities: CapabilityNeed;
  /** The agent mechanism(s), for docs: "iptables DROP rules tagged with the fault id". */
  readonly mechanism: string;
  readonly chaosMesh: ChaosMeshMapping;
  /**
   * Cross-parameter checks once defaults are filled; returns an error message naming the keys, or
   * null. Also where a kind settles its targets from its parameters (leader-kill); a method so that a
   * typed definition is a member of the catalog (params only ever come from this kind's own specs).
   */
  settle?(params: ParamValues<S>, given: ReadonlySet<string>, targets: string | null): { params: ParamValues<S>; targets: string | null } | string;
  plan(input: PlanInput<ParamValues<S>>): KindPlan;
}

export type AnyKindDefinition = KindDefinition<Record<string, ParamSpec<unknown>>>;

export const defineKind = <S extends Record<string, ParamSpec<unknown>>>(d: KindDefinition<S>): KindDefinition<S> => d;

/** "node-2", or "{node-1, node-3, registry}" for a group. */
export const group = (names: readonly string[]): string => (names.length === 1 ? (names[0] as string) : `{${names.join(", ")}}`);

/** "node-2", "node-1 and node-2", "node-1, node-2 and node-3". */
export const onNodes = (names: readonly string[]): string =>
  names.length <= 1 ? (names[0] ?? "") : `${names.slice(0, -1).join(", ")} and ${names.at(-1)}`;

/** Integer percent text without float noise: 0.1 -> "10 %", 0.125 -> "12.5 %". */
export const percentText = (share: number): string => `${Number((share * 100).toFixed(3))} %`;
