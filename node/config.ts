// Configuration of the reference node: MeshKit keys in env-var form (`mesh__gossip__nodeId`,
// `mesh__gossip__seedPeers__0=host:port`), parsed once here with zod. Everything inward gets typed values.
import { hostname } from "node:os";
import { z } from "zod";
import {
  certificateEnv,
  defaultLeadershipScope,
  defaults,
  ports,
  processRoles,
} from "../contract/meshkit.ts";

const PREFIX = "mesh";
const SEP = "__";

/** `750ms`, `1s`, `1.5s`, `2m`, `00:00:08`, `00:00:00.750` (.NET TimeSpan) or plain milliseconds. */
export function parseDurationMs(text: string): number | undefined {
  const t = text.trim();
  const unit = /^(\d+(?:\.\d+)?)\s*(ms|s|m)?$/.exec(t);
  if (unit) {
    const n = Number(unit[1]);
    return Math.round(n * (unit[2] === "s" ? 1000 : unit[2] === "m" ? 60_000 : 1));
  }
  const span = /^(\d+):(\d{1,2}):(\d{1,2}(?:\.\d+)?)$/.exec(t);
  if (span) return Math.round((Number(span[1]) * 3600 + Number(span[2]) * 60 + Number(span[3])) * 1000);
  return undefined;
}

const duration = (fallbackMs: number) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined) return fallbackMs;
      const ms = parseDurationMs(v);
      if (ms === undefined || ms <= 0) {
        ctx.addIssue({ code: "custom", message: `expected a positive duration like "750ms", "8s" or "00:00:08", got "${v}"` });
        return z.NEVER;
      }
      return ms;
    });

const int = (fallback: number, min: number, max: number) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined) return fallback;
      const n = Number(v);
      if (!/^-?\d+$/.test(v.trim()) || n < min || n > max) {
        ctx.addIssue({ code: "custom", message: `expected an integer in ${min}..${max}, got "${v}"` });
        return z.NEVER;
      }
      return n;
    });

const num = (fallback: number, min: number, max: number) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined) return fallback;
      const n = Number(v);
      if (v.trim() === "" || !Number.isFinite(n) || n < min || n > max) {
        ctx.addIssue({ code: "custom", message: `expected a number in ${min}..${max}, got "${v}"` });
        return z.NEVER;
      }
      return n;
    });

const bool = (fallback: boolean) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined) return fallback;
      if (/^(true|1|yes)$/i.test(v)) return true;
      if (/^(false|0|no)$/i.test(v)) return false;
      ctx.addIssue({ code: "custom", message: `expected true or false, got "${v}"` });
      return z.NEVER;
    });

const hostPort = z
  .string()
  .regex(/^[A-Za-z0-9_.\-]+:\d{1,5}$|^\[[0-9a-fA-F:]+\]:\d{1,5}$/, 'expected "host:port"');

const list = <T extends z.ZodType>(item: T) =>
  z.array(item).optional().transform((v) => v ?? []);

const tlsPaths = z
  .strictObject({ certificatePath: z.string().min(1), keyPath: z.string().min(1), caPath: z.string().min(1) })
  .partial()
  .optional();

const name = z.string().regex(/^[A-Za-z0-9_.\-]+$/, "expected letters, digits, '.', '_' or '-'");

const schema = z.strictObject({
  runtime: z.strictObject({ role: z.enum(processRoles).optional() }).optional(),
  gossip: z
    .strictObject({
      nodeId: name.optional(),
      role: z.string().optional(),
      clusterId: z.string().optional(),
      region: z.string().optional(),
      meshVersion: z.string().optional(),
      labels: z.record(z.string(), z.string()).optional(),
      bindAddress: z.string().optional(),
      port: int(ports.gossip, 0, 65535),
      advertiseHost: z.string().optional(),
      seedPeers: list(hostPort),
      interval: duration(defaults.gossip.intervalMs),
      suspicionInterval: duration(defaults.gossip.suspicionIntervalMs),
      pingTimeout: duration(defaults.gossip.pingTimeoutMs),
      retransmitLimit: int(defaults.gossip.retransmitLimit, 0, 100),
      fanout: int(defaults.gossip.fanoutMin, 1, defaults.gossip.fanoutMax),
      tls: tlsPaths,
    })
    .optional()
    .transform((v) => v ?? ({} as Record<string, never>)),
  leadership: z
    .strictObject({
      leaseDuration: duration(defaults.leadership.leaseDurationMs),
      renewalLeadTime: duration(defaults.leadership.renewalLeadTimeMs),
      evaluationInterval: duration(defaults.leadership.evaluationIntervalMs),
      maxElectionWindow: duration(defaults.leadership.maxElectionWindowMs),
      scopes: list(z.string().min(1)),
    })
    .optional(),
  registry: z.strictObject({ address: hostPort.optional() }).optional(),
  control: z.strictObject({ bindAddress: z.string().optional(), port: int(ports.control, 0, 65535) }).optional(),
  transport: z
    .strictObject({
      bindAddress: z.string().optional(),
      port: int(ports.data, 0, 65535),
      udp: bool(true),
      tls: tlsPaths,
    })
    .optional(),
  shards: z
    .strictObject({
      count: int(defaults.shards.count, 1, 4096),
      replicationFactor: int(defaults.shards.replicationFactor, 0, 16),
      namespace: name.optional(),
    })
    .optional(),
  workload: z.strictObject({ rate: num(defaults.workload.ratePerSecond, 0, 10_000) }).optional(),
});

export interface TlsFiles {
  readonly certPath: string;
  readonly keyPath: string;
  readonly caPath: string;
}

export interface NodeConfig {
  readonly role: (typeof processRoles)[number];
  readonly gossip: {
    readonly nodeId: string;
    readonly role: string;
    readonly clusterId: string;
    readonly region: string;
    readonly meshVersion: string;
    readonly labels: Readonly<Record<string, string>>;
    readonly bindAddress: string;
    readonly port: number;
    readonly advertiseHost: string;
    readonly seedPeers: readonly string[];
    readonly intervalMs: number;
    readonly suspicionIntervalMs: number;
    readonly pingTimeoutMs: number;
    readonly retransmitLimit: number;
    readonly fanoutMin: number;
    readonly tls: TlsFiles;
  };
  readonly leadership: {
    readonly leaseDurationMs: number;
    readonly renewalLeadTimeMs: number;
    readonly evaluationIntervalMs: number;
    readonly maxElectionWindowMs: number;
    readonly scopes: readonly string[];
  };
  readonly registryAddress: string | undefined;
  readonly control: { readonly bindAddress: string; readonly port: number };
  readonly transport: { readonly bindAddress: string; readonly port: number; readonly udp: boolean; readonly tls: TlsFiles };
  readonly shards: { readonly count: number; readonly replicationFactor: number; readonly namespace: string };
  readonly workload: { readonly ratePerSecond: number };
}

export class ConfigError extends Error {
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.problems = problems;
  }
}

/** Env vars `mesh__a__b__0=v` → `{a: {b: ["v"]}}`; numeric segments make arrays. */
export function envTree(env: NodeJS.ProcessEnv): { tree: Record<string, unknown>; problems: string[] } {
  const tree: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [key, value] of Object.entries(env)) {
    if (value === undefined) continue;
    const parts = key.split(SEP);
    if (parts[0] !== PREFIX || parts.length < 2) continue;
    const path = parts.slice(1);
    if (path.some((p) => p === "")) {
      problems.push(`${key}: empty segment in key`);
      continue;
    }
    let node: Record<string, unknown> = tree;
    for (let i = 0; i < path.length - 1; i++) {
      const seg = path[i]!;
      const next = node[seg];
      if (typeof next === "string") {
        problems.push(`${key}: ${[PREFIX, ...path.slice(0, i + 1)].join(SEP)} is a value, not a section`);
        node = {};
        break;
      }
      node = (node[seg] ??= {}) as Record<string, unknown>;
    }
    node[path[path.length - 1]!] = value;
  }
  return { tree: arraysFromIndices(tree) as Record<string, unknown>, problems };
}

function arraysFromIndices(v: unknown): unknown {
  if (typeof v !== "object" || v === null) return v;
  const entries = Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, arraysFromIndices(x)] as const);
  if (entries.length > 0 && entries.every(([k]) => /^\d+$/.test(k))) {
    return entries.sort((a, b) => Number(a[0]) - Number(b[0])).map(([, x]) => x);
  }
  return Object.fromEntries(entries);
}

const keyOf = (path: readonly PropertyKey[]): string => [PREFIX, ...path.map(String)].join(SEP);

function tlsFiles(
  fromKeys: { certificatePath?: string; keyPath?: string; caPath?: string } | undefined,
  env: NodeJS.ProcessEnv,
  envNames: { cert: string; key: string; ca: string },
  section: string,
  problems: string[],
  fallback?: TlsFiles,
): TlsFiles {
  const pick = (k: "certificatePath" | "keyPath" | "caPath", envName: string, fb: string | undefined) => {
    const v = fromKeys?.[k] ?? env[envName] ?? fb;
    if (!v) problems.push(`${envName} (or ${PREFIX}${SEP}${section}${SEP}tls${SEP}${k}): expected the path of a PEM file`);
    return v ?? "";
  };
  return {
    certPath: pick("certificatePath", envNames.cert, fallback?.certPath),
    keyPath: pick("keyPath", envNames.key, fallback?.keyPath),
    caPath: pick("caPath", envNames.ca, fallback?.caPath),
  };
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): NodeConfig {
  const { tree, problems } = envTree(env);
  const parsed = schema.safeParse(tree);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const k = issue.code === "unrecognized_keys" ? issue.keys.map((x) => keyOf([...issue.path, x])).join(", ") : keyOf(issue.path);
      const msg = issue.code === "unrecognized_keys" ? "unknown key (check the spelling)" : issue.message;
      problems.push(`${k}: ${msg}`);
    }
    throw new ConfigError(problems);
  }
  const c = parsed.data;
  const role = c.runtime?.role ?? "node";
  const host = hostname();
  const g = c.gossip as z.infer<typeof schema>["gossip"] & Partial<Record<string, never>>;
  const gossipTls = tlsFiles(
    g.tls,
    env,
    { cert: certificateEnv.gossipCert, key: certificateEnv.gossipKey, ca: certificateEnv.gossipCa },
    "gossip",
    problems,
  );
  const transportTls = tlsFiles(
    c.transport?.tls,
    env,
    { cert: certificateEnv.transportCert, key: certificateEnv.transportKey, ca: certificateEnv.transportCa },
    "transport",
    problems,
    gossipTls,
  );
  const lease = c.leadership?.leaseDuration ?? defaults.leadership.leaseDurationMs;
  const renew = c.leadership?.renewalLeadTime ?? defaults.leadership.renewalLeadTimeMs;
  if (renew >= lease) {
    problems.push(`${keyOf(["leadership", "renewalLeadTime"])}: expected less than leaseDuration (${lease} ms), got ${renew} ms`);
  }
  if (role === "node" && !c.registry?.address) {
    problems.push(`${keyOf(["registry", "address"])}: expected "host:port" of the registry (required for role node)`);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  const bind = g.bindAddress ?? "0.0.0.0";
  return {
    role,
    gossip: {
      nodeId: g.nodeId ?? host,
      role: g.role ?? defaults.gossip.role,
      clusterId: g.clusterId ?? defaults.gossip.clusterId,
      region: g.region ?? "local",
      meshVersion: g.meshVersion ?? "reference-1",
      labels: g.labels ?? {},
      bindAddress: bind,
      port: g.port ?? ports.gossip,
      advertiseHost: g.advertiseHost ?? host,
      seedPeers: g.seedPeers ?? [],
      intervalMs: g.interval ?? defaults.gossip.intervalMs,
      suspicionIntervalMs: g.suspicionInterval ?? defaults.gossip.suspicionIntervalMs,
      pingTimeoutMs: g.pingTimeout ?? defaults.gossip.pingTimeoutMs,
      retransmitLimit: g.retransmitLimit ?? defaults.gossip.retransmitLimit,
      fanoutMin: g.fanout ?? defaults.gossip.fanoutMin,
      tls: gossipTls,
    },
    leadership: {
      leaseDurationMs: lease,
      renewalLeadTimeMs: renew,
      evaluationIntervalMs: c.leadership?.evaluationInterval ?? defaults.leadership.evaluationIntervalMs,
      maxElectionWindowMs: c.leadership?.maxElectionWindow ?? defaults.leadership.maxElectionWindowMs,
      scopes: c.leadership?.scopes.length ? c.leadership.scopes : [defaultLeadershipScope],
    },
    registryAddress: c.registry?.address,
    control: { bindAddress: c.control?.bindAddress ?? bind, port: c.control?.port ?? ports.control },
    transport: {
      bindAddress: c.transport?.bindAddress ?? bind,
      port: c.transport?.port ?? ports.data,
      udp: c.transport?.udp ?? true,
      tls: transportTls,
    },
    shards: {
      count: c.shards?.count ?? defaults.shards.count,
      replicationFactor: c.shards?.replicationFactor ?? defaults.shards.replicationFactor,
      namespace: c.shards?.namespace ?? defaults.shards.namespace,
    },
    workload: { ratePerSecond: c.workload?.rate ?? defaults.workload.ratePerSecond },
  };
}
