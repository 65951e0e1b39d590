// The fault catalog: every kind by name, parsing of what a user asked (`fault apply KIND --target T
// --set k=v --duration D`, or a scenario step) into a typed FaultRequest, and planning a request
// against a topology into per-node agent requests, a dry-run text and Chaos Mesh resources.

import { randomBytes } from "node:crypto";
import { z } from "zod";
import { agentParams } from "../agent/params.ts";
import { faultId, type ApplyRequest, type Capabilities } from "../agent/protocol.ts";
import { faultKinds, type FaultKind } from "../contract/meshkit.ts";
import { describeNeed, missingCapabilities } from "./capabilities.ts";
import type { ChaosMeshResource } from "./chaos-mesh.ts";
import { durationParam, numberParam, type ParamInfo, type ParamSpec, type SetValue } from "./param.ts";
import { formatDuration } from "./duration.ts";
import { FaultInputError } from "./errors.ts";
import type { AnyKindDefinition, KindDefinition } from "./kind.ts";
import { parseTargets, resolveTargets, TargetError, type Topology } from "./targets.ts";
import { bandwidth } from "./kinds/bandwidth.ts";
import { certExpiry } from "./kinds/cert-expiry.ts";
import { clockSkew } from "./kinds/clock-skew.ts";
import { cpuStress } from "./kinds/cpu-stress.ts";
import { diskFill } from "./kinds/disk-fill.ts";
import { dnsFailure } from "./kinds/dns-failure.ts";
import { httpFault } from "./kinds/http-fault.ts";
import { invalidSignature } from "./kinds/invalid-signature.ts";
import { leaderKill } from "./kinds/leader-kill.ts";
import { membershipSurge } from "./kinds/membership-surge.ts";
import { memoryPressure } from "./kinds/memory-pressure.ts";
import { networkLatency } from "./kinds/network-latency.ts";
import { networkPartition } from "./kinds/network-partition.ts";
import { packetLoss } from "./kinds/packet-loss.ts";
import { processKill } from "./kinds/process-kill.ts";
import { processPause } from "./kinds/process-pause.ts";
import { transportDowngrade } from "./kinds/transport-downgrade.ts";

export const catalog: Readonly<Record<FaultKind, AnyKindDefinition>> = {
  "leader-kill": leaderKill,
  "process-kill": processKill,
  "process-pause": processPause,
  "network-partition": networkPartition,
  "network-latency": networkLatency,
  "packet-loss": packetLoss,
  "bandwidth": bandwidth,
  "dns-failure": dnsFailure,
  "cpu-stress": cpuStress,
  "memory-pressure": memoryPressure,
  "disk-fill": diskFill,
  "membership-surge": membershipSurge,
  "transport-downgrade": transportDowngrade,
  "cert-expiry": certExpiry,
  "clock-skew": clockSkew,
  "http-fault": httpFault,
  "invalid-signature": invalidSignature,
};

/** Bounds of every fault's duration (how long it stays applied; the lease is renewed meanwhile). */
export const faultDuration = durationParam({
  minMs: 1_000,
  maxMs: 3_600_000,
  default: 30_000,
  summary: "How long the fault stays applied before it is reverted",
});

/** Intensity, 0..1, of every kind: sets the kind's main knob when the knob is not given. */
export const intensityParam = numberParam({
  unit: "share",
  min: 0,
  max: 1,
  default: undefined,
  summary: "Strength of the fault, 0..1; sets the kind's main knob when that is not given (see the kind's mapping)",
});

/** A parsed, defaulted fault request: every parameter of the kind has a value. */
export interface FaultRequest {
  readonly kind: FaultKind;
  /** Target selector (node names, count:N, percent:P, role:leader[:scope]); null for a kind without targets. */
  readonly targets: string | null;
  readonly durationMs: number;
  readonly intensity: number;
  readonly params: Readonly<Record<string, unknown>>;
  /** The parameter keys the user set (the rest are defaults or derived from intensity). */
  readonly given: readonly string[];
}

export interface FaultRequestInput {
  readonly kind: string;
  readonly targets?: string | null;
  /** From `--set key=value` (strings) or a scenario step (typed values). */
  readonly set?: Readonly<Record<string, SetValue>>;
  readonly duration?: string | number;
}

/** Words people type for a kind, for the did-you-mean hint. */
const synonyms: Readonly<Record<string, FaultKind>> = {
  lag: "network-latency",
  delay: "network-latency",
  slow: "network-latency",
  drop: "packet-loss",
  split: "network-partition",
  kill: "process-kill",
  stop: "process-pause",
  freeze: "process-pause",
  cpu: "cpu-stress",
  memory: "memory-pressure",
  oom: "memory-pressure",
  disk: "disk-fill",
  dns: "dns-failure",
  time: "clock-skew",
  clock: "clock-skew",
  tls: "cert-expiry",
  cert: "cert-expiry",
  http: "http-fault",
  scale: "membership-surge",
  udp: "transport-downgrade",
};

const kindList = (): string => faultKinds.join(", ");

/** Parses and validates a fault request; throws FaultInputError listing every problem found. */
export function parseFaultRequest(input: FaultRequestInput): FaultRequest {
  if (!(faultKinds as readonly string[]).includes(input.kind)) {
    const guess = synonyms[input.kind.toLowerCase()] ?? closest(input.kind, faultKinds);
    throw new FaultInputError(`unknown fault kind '${input.kind}'${guess ? ` (did you mean '${guess}'?)` : ""}; kinds: ${kindList()}`);
  }
  const kind = input.kind as FaultKind;
  const def = catalog[kind];
  const problems: string[] = [];
  const set = input.set ?? {};
  const known = [...Object.keys(def.params), "intensity"];

  for (const key of Object.keys(set)) {
    if (key === "duration") problems.push(`${kind}: duration is not a --set parameter; give it as --duration (e.g. --duration 30s)`);
    else if (key === "target" || key === "targets") problems.push(`${kind}: targets are not a --set parameter; give them as --target`);
    else if (!known.includes(key)) {
      const guess = closest(key, known);
      problems.push(
        `${kind}: unknown parameter '${key}'${guess ? ` (did you mean '${guess}'?)` : ""}; parameters: ${known.join(", ")}`,
      );
    }
  }

  const parse = <T>(spec: ParamSpec<T>, key: string, value: SetValue): T | undefined => {
    const r = spec.schema(key).safeParse(value);
    if (r.success) return r.data;
    problems.push(...r.error.issues.map((i) => `${kind}: ${i.message}`));
    return undefined;
  };

  let durationMs = faultDuration.defaultValue as number;
  if (input.duration !== undefined) durationMs = parse(faultDuration, "duration", input.duration) ?? durationMs;

  const given = Object.keys(set).filter((k) => known.includes(k));
  const params: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(def.params)) {
    const raw = set[key];
    params[key] = raw === undefined ? spec.defaultValue : parse(spec, key, raw);
  }
  const rawIntensity = set.intensity;
  const givenIntensity = rawIntensity === undefined ? undefined : parse(intensityParam, "intensity", rawIntensity);

  let intensity = 1;
  const rule = def.intensity;
  if (rule.type === "single") {
    if (givenIntensity !== undefined && givenIntensity !== 1) {
      problems.push(`${kind}: intensity=${givenIntensity} is not available: ${kind} has ${rule.mapping}; only intensity=1 is accepted`);
    }
  } else if (set[rule.knob] !== undefined) {
    if (rawIntensity !== undefined) {
      problems.push(`${kind}: set either ${rule.knob} or intensity, not both (${rule.mapping})`);
    } else if (params[rule.knob] !== undefined) {
      intensity = Math.min(1, Math.max(0, rule.fromKnob(params[rule.knob])));
    }
  } else if (rawIntensity === undefined || givenIntensity !== undefined) {
    intensity = givenIntensity ?? rule.default;
    const knobSpec = def.params[rule.knob];
    if (!knobSpec) throw new Error(`fault kind ${kind}: intensity knob '${rule.knob}' is not one of its parameters`);
    const derived = knobSpec.schema(rule.knob).safeParse(rule.toKnob(intensity));
    if (derived.success) params[rule.knob] = derived.data;
    else {
      problems.push(
        `${kind}: intensity=${intensity} → ${derived.error.issues.map((i) => i.message).join("; ")} (${rule.mapping}); change intensity or set ${rule.knob}`,
      );
    }
  }

  let targets = input.targets ?? null;
  if (targets !== null) {
    try {
      parseTargets(targets);
    } catch (e) {
      if (!(e instanceof TargetError)) throw e;
      problems.push(`${kind}: ${e.message}`);
    }
  }
  if (problems.length > 0) throw new FaultInputError(problems);

  let settled = params;
  if (def.settle) {
    const s = def.settle(params, new Set(given), targets);
    if (typeof s === "string") throw new FaultInputError(`${kind}: ${s}`);
    settled = s.params;
    targets = s.targets;
  }
  if (def.targets.type === "none" && targets !== null) {
    throw new FaultInputError(`${kind} takes no --target: ${def.targets.why}`);
  }
  if (def.targets.type === "nodes" && targets === null) {
    throw new FaultInputError(`${kind} needs --target: node names (node-2), all, count:N, percent:P or role:leader[:scope]`);
  }
  return { kind, targets, durationMs, intensity, params: settled, given };
}

/**
 * The zod schema of a kind's user parameters (each value checked for type, unit and bounds; unknown
 * keys refused), e.g. for linting a scenario file. The cross-parameter rules (intensity vs. knob,
 * targets) are `parseFaultRequest`'s, which a plan always goes through.
 */
export function userParamsSchema(kind: FaultKind): z.ZodType<Record<string, unknown>> {
  const def = catalog[kind];
  const shape: Record<string, z.ZodType<unknown>> = { intensity: intensityParam.schema("intensity").optional() };
  for (const [key, spec] of Object.entries(def.params)) shape[key] = spec.schema(key).optional();
  return z.strictObject(shape);
}

/** One agent apply of a plan, ready for the agent client (add a lease: see `applyRequests`). */
export interface PlannedAgentRequest {
  readonly node: string;
  readonly kind: FaultKind;
  /** Exactly agent/params.ts's schema for the kind (checked when planned). */
  readonly params: Readonly<Record<string, unknown>>;
  /** The nodes this request is about, this node first. */
  readonly targets: readonly string[];
}

export interface FaultPlan {
  /** `<kind-abbrev>-<6 hex>`, valid as agent/protocol.ts `faultId`. */
  readonly id: string;
  readonly kind: FaultKind;
  readonly durationMs: number;
  /** The duration as written: "30s". */
  readonly duration: string;
  readonly intensity: number;
  readonly params: Readonly<Record<string, unknown>>;
  /** The selector as asked (null for a kind without targets). */
  readonly selector: string | null;
  /** Resolved target nodes, in topology order. */
  readonly targets: readonly string[];
  readonly agentRequests: readonly PlannedAgentRequest[];
  /** membership-surge: nodes the run stack adds (no agent request). */
  readonly surge?: { readonly count: number };
  /** Dry-run text. */
  readonly description: string;
  /** Chaos Mesh resources a Kubernetes platform would create; null where Chaos Mesh has no equivalent. */
  readonly chaosMesh: readonly ChaosMeshResource[] | null;
  /** Agent capabilities the kind needs ("a|b" = either). */
  readonly capabilities: readonly string[];
  readonly mechanism: string;
}

export interface PlanOptions {
  /** A fixed fault id (tests, re-planning a recorded fault); default a fresh `<abbrev>-<6 hex>`. */
  readonly id?: string;
  /** Kubernetes namespace of the environment for the Chaos Mesh resources (default `meshkit-chaos`). */
  readonly namespace?: string;
}

export const defaultNamespace = "meshkit-chaos";

export const newFaultId = (kind: FaultKind): string => `${catalog[kind].abbrev}-${randomBytes(3).toString("hex")}`;

/**
 * Plans a request against a topology. Random target picks depend only on `seed`, so a dry-run and
 * the run with the same seed act on the same nodes. Throws TargetError for targets the environment
 * does not have.
 */
export function planFault(request: FaultRequest, topology: Topology, seed: string | number, options: PlanOptions = {}): FaultPlan {
  const def = catalog[request.kind];
  const id = options.id ?? newFaultId(request.kind);
  if (!faultId.safeParse(id).success) throw new FaultInputError(`fault id '${id}' is not valid: expected 3-40 characters of a-z, 0-9 and '-'`);
  const targets = request.targets === null ? [] : resolveTargets(request.targets, topology, seed);
  const planned = def.plan({
    id,
    kind: request.kind,
    params: request.params,
    intensity: request.intensity,
    durationMs: request.durationMs,
    targets,
    topology,
    seed,
    namespace: options.namespace ?? defaultNamespace,
  });
  const agentRequests = planned.agent.map((a) => {
    const checked = agentParams[request.kind].safeParse(a.params);
    if (!checked.success) {
      // A planner bug, not bad input: the catalog and the agent disagree on the wire format.
      throw new Error(`fault catalog bug: ${request.kind} planned agent params the agent would reject: ${checked.error.message}`);
    }
    return { node: a.node, kind: request.kind, params: a.params, targets: a.about };
  });
  return {
    id,
    kind: request.kind,
    durationMs: request.durationMs,
    duration: formatDuration(request.durationMs),
    intensity: request.intensity,
    params: request.params,
    selector: request.targets,
    targets,
    agentRequests,
    ...(planned.surge ? { surge: planned.surge } : {}),
    description: planned.description,
    chaosMesh: planned.chaosMesh,
    capabilities: describeNeed(def.capabilities),
    mechanism: def.mechanism,
  };
}

/** The agent apply bodies of a plan, each with the same id and a lease of `ttlSeconds`. */
export const applyRequests = (plan: FaultPlan, ttlSeconds: number): { node: string; body: ApplyRequest }[] =>
  plan.agentRequests.map((r) => ({
    node: r.node,
    body: { id: plan.id, kind: r.kind, params: { ...r.params }, targets: [...r.targets], ttlSeconds },
  }));

/** What `caps` (one agent's) lacks for a kind, each naming the capability and how to grant it. */
export const missingFor = (kind: FaultKind, caps: Capabilities): string[] => missingCapabilities(catalog[kind].capabilities, caps);

export interface FaultKindInfo {
  readonly kind: FaultKind;
  readonly abbrev: string;
  readonly summary: string;
  readonly targets: string;
  readonly params: readonly ParamInfo[];
  readonly intensity: { readonly default: number; readonly mapping: string; readonly knob: string | null };
  readonly capabilities: readonly string[];
  readonly mechanism: string;
  readonly chaosMesh: { readonly kind: string | null; readonly note: string };
}

/** Every kind with its parameters (name, unit, bounds, default), for `fault kinds --json` and docs. */
export function faultKindsInfo(): FaultKindInfo[] {
  return faultKinds.map((kind) => {
    const def: AnyKindDefinition = catalog[kind];
    const rule = def.intensity;
    return {
      kind,
      abbrev: def.abbrev,
      summary: def.summary,
      targets:
        def.targets.type === "none"
          ? `none: ${def.targets.why}`
          : `required: ${def.targets.note ?? "node names, all, count:N, percent:P, role:leader[:scope]"}`,
      params: [
        { name: "duration", ...faultDuration.info },
        { name: "intensity", ...intensityParam.info, default: String(rule.type === "scale" ? rule.default : 1) },
        ...Object.entries(def.params).map(([name, spec]) => ({ name, ...spec.info })),
      ],
      intensity: { default: rule.type === "scale" ? rule.default : 1, mapping: rule.mapping, knob: rule.type === "scale" ? rule.knob : null },
      capabilities: describeNeed(def.capabilities),
      mechanism: def.mechanism,
      chaosMesh: { kind: def.chaosMesh.kind, note: def.chaosMesh.note },
    };
  });
}

/** A kind definition by name (typed), for tests and docs. */
export const kindDefinition = (kind: FaultKind): AnyKindDefinition => catalog[kind];
export type { KindDefinition };

/** The closest name by edit distance, if it is close enough to be a likely typo. */
function closest(word: string, candidates: readonly string[]): string | null {
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [c, d];
  }
  const containment = candidates.find((c) => c.includes(word) || word.includes(c));
  if (bestDistance <= Math.max(2, Math.floor(word.length / 3))) return best;
  return word.length >= 3 && containment ? containment : null;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min((prev[j] as number) + 1, (row[j - 1] as number) + 1, (prev[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length] as number;
}
