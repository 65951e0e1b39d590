// The fault catalog's public surface for the CLI, the run stack, the scenario runner and tests.

export {
  applyRequests,
  catalog,
  defaultNamespace,
  faultDuration,
  faultKindsInfo,
  intensityParam,
  kindDefinition,
  missingFor,
  newFaultId,
  parseFaultRequest,
  planFault,
  userParamsSchema,
  type FaultKindInfo,
  type FaultPlan,
  type FaultRequest,
  type FaultRequestInput,
  type PlanOptions,
  type PlannedAgentRequest,
} from "./catalog.ts";
export { capabilityNames, missingCapabilities, type CapabilityName, type CapabilityNeed } from "./capabilities.ts";
export { chaosMeshApiVersion, chaosMeshKinds, faultLabels, type ChaosMeshKind, type ChaosMeshResource } from "./chaos-mesh.ts";
export { DurationError, formatDuration, humanDuration, parseDuration, type DurationBounds } from "./duration.ts";
export { FaultInputError } from "./errors.ts";
export type { AnyKindDefinition, KindDefinition, KindPlan, PlanInput } from "./kind.ts";
export type { ParamInfo, SetValue } from "./param.ts";
export { leaderScopeOf, parseTargets, resolveTargets, TargetError, type TargetItem, type Topology } from "./targets.ts";
