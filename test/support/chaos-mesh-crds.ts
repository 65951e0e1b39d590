// Validates rendered Chaos Mesh resources against the real CRDs' openAPIV3Schema
// (../shared/data/chaos-mesh/crd.yaml) with ajv. Stricter than an API server in one way on purpose:
// an API server silently prunes unknown fields, which would hide a misspelt field, so every object
// schema that lists its properties here also rejects properties it does not list.

import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Ajv, type ValidateFunction } from "ajv";
import { parseAllDocuments } from "yaml";

export const crdPath = fileURLToPath(new URL("../../../shared/data/chaos-mesh/crd.yaml", import.meta.url));

interface Crd {
  spec: {
    group: string;
    names: { kind: string };
    versions: { name: string; schema: { openAPIV3Schema: Record<string, unknown> } }[];
  };
}

type Schema = Record<string, unknown>;

/**
 * Turns OpenAPI v3.0 into the JSON Schema ajv reads (boolean `exclusiveMinimum`/`exclusiveMaximum`
 * become numbers) and closes every object schema that lists properties (unless it preserves unknown
 * fields).
 */
function closeObjects(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(closeObjects);
  if (schema === null || typeof schema !== "object") return schema;
  const s: Schema = {};
  for (const [k, v] of Object.entries(schema as Schema)) {
    s[k] = k === "properties" || k === "additionalProperties" ? mapValues(v, k) : closeObjects(v);
  }
  for (const [exclusive, bound] of [["exclusiveMinimum", "minimum"], ["exclusiveMaximum", "maximum"]] as const) {
    if (typeof s[exclusive] === "boolean") {
      if (s[exclusive] === true) s[exclusive] = s[bound];
      else delete s[exclusive];
      if (s[exclusive] !== undefined) delete s[bound];
    }
  }
  if (s.properties && s.additionalProperties === undefined && s["x-kubernetes-preserve-unknown-fields"] !== true) {
    s.additionalProperties = false;
  }
  return s;
}

function mapValues(v: unknown, key: string): unknown {
  if (key === "additionalProperties") return closeObjects(v);
  const out: Schema = {};
  for (const [name, sub] of Object.entries(v as Schema)) out[name] = closeObjects(sub);
  return out;
}

let schemas: Map<string, Schema> | undefined;
const validators = new Map<string, ValidateFunction>();
const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });

/** openAPIV3Schema by `group/version/Kind`, e.g. `chaos-mesh.org/v1alpha1/NetworkChaos`. */
function load(): Map<string, Schema> {
  if (schemas) return schemas;
  schemas = new Map();
  for (const doc of parseAllDocuments(readFileSync(crdPath, "utf8"))) {
    const crd = doc.toJS() as Crd | null;
    if (!crd || crd.spec.group !== "chaos-mesh.org") continue;
    for (const version of crd.spec.versions) {
      schemas.set(`${crd.spec.group}/${version.name}/${crd.spec.names.kind}`, version.schema.openAPIV3Schema);
    }
  }
  return schemas;
}

/** The CR kinds the CRD file defines, e.g. `chaos-mesh.org/v1alpha1/NetworkChaos`. */
export const crdKinds = (): string[] => [...load().keys()];

function validatorFor(key: string): ValidateFunction | undefined {
  const known = validators.get(key);
  if (known) return known;
  const raw = load().get(key);
  if (!raw) return undefined;
  const schema = closeObjects(raw) as Schema;
  // metadata is validated by the API server's ObjectMeta schema, not the CRD's.
  const validate = ajv.compile({ ...schema, properties: { ...(schema.properties as Schema), metadata: { type: "object" } } });
  validators.set(key, validate);
  return validate;
}

/** Problems of one resource against its CRD (empty = valid); names the field path of each. */
export function crdProblems(resource: { apiVersion: string; kind: string; spec?: unknown }): string[] {
  const { kind } = resource;
  const validate = validatorFor(`${resource.apiVersion}/${kind}`);
  if (!validate) return [`no CRD for ${resource.apiVersion} ${kind} in ${crdPath}`];
  if (validate(resource)) return [];
  return (validate.errors ?? []).map((e) => `${kind}${e.instancePath || "/"}: ${e.message ?? "invalid"}${e.params ? ` ${JSON.stringify(e.params)}` : ""}`);
}
