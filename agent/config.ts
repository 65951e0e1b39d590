// The agent's configuration: environment variables parsed once, here, into a typed value.
// Every error names the variable and what was expected; the token's value never appears in one.

import { statSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import { z } from "zod";
import { agentApi } from "./contract.ts";

const env = agentApi.env;

export const defaults = {
  listen: `0.0.0.0:${agentApi.port}`,
  nodeProcess: "pid1",
  /** Bounds every external command (ip, tc, iptables) so a wedged kernel call cannot hang a request. */
  commandTimeoutMs: 5_000,
} as const;

/** How the agent recognises the node process among the processes of the shared PID namespace. */
export type NodeProcessMatcher =
  | { readonly kind: "pid1" }
  | { readonly kind: "name"; readonly name: string }
  | { readonly kind: "cmdline"; readonly substring: string };

export interface AgentConfig {
  readonly token: string;
  readonly host: string;
  readonly port: number;
  readonly nodeId: string;
  readonly nodeProcess: NodeProcessMatcher;
  readonly dataDir: string;
  /** The fault journal and mechanisms' saved files; must survive the agent and the node stopping. */
  readonly stateDir: string;
}

export class ConfigError extends Error {
  override name = "ConfigError";
}

const listenSchema = z
  .string()
  .regex(/^(\[[0-9a-fA-F:]+\]|[^:\s]+):\d{1,5}$/, "expected host:port, e.g. 0.0.0.0:9100 or [::]:9100")
  .transform((s, ctx) => {
    const cut = s.lastIndexOf(":");
    const host = s.slice(0, cut).replace(/^\[(.*)\]$/, "$1");
    const port = Number(s.slice(cut + 1));
    if (port > 65535) {
      ctx.addIssue({ code: "custom", message: "port must be 0..65535 (0 picks a free port)" });
      return z.NEVER;
    }
    return { host, port };
  });

const nodeProcessSchema = z.string().transform((s, ctx): NodeProcessMatcher => {
  if (s === "pid1") return { kind: "pid1" };
  const m = /^(name|cmdline):(.+)$/.exec(s);
  if (m?.[1] === "name") return { kind: "name", name: m[2]! };
  if (m?.[1] === "cmdline") return { kind: "cmdline", substring: m[2]! };
  ctx.addIssue({ code: "custom", message: "expected pid1, name:<process name> or cmdline:<substring>" });
  return z.NEVER;
});

const schema = z.object({
  [env.token]: z
    .string({ error: "is required: the per-run bearer token of this agent" })
    // Custom messages only: zod's defaults may quote the received value, and this one is a secret.
    .min(16, { error: "must be at least 16 characters" })
    .regex(/^[\x21-\x7e]+$/, { error: "must be printable ASCII without spaces" }),
  [env.listen]: listenSchema.prefault(defaults.listen),
  [env.nodeId]: z
    .string({ error: "is required: the id of the node this agent serves" })
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, "expected a node id of letters, digits, '.', '_' or '-' (max 63)"),
  [env.nodeProcess]: nodeProcessSchema.prefault(defaults.nodeProcess),
  [env.dataDir]: z
    .string({ error: "is required: the node's data volume as mounted in the agent" })
    .refine(isAbsolute, "expected an absolute path")
    .refine((p) => statSync(p, { throwIfNoEntry: false })?.isDirectory() === true, "is not an existing directory (is the node's data volume mounted?)"),
  [env.stateDir]: z.string().refine(isAbsolute, "expected an absolute path").optional(),
});

/** Parses the agent's environment; throws a ConfigError naming each offending variable. */
export function loadConfig(source: NodeJS.ProcessEnv): AgentConfig {
  const picked = Object.fromEntries(Object.values(env).map((k) => [k, source[k] === "" ? undefined : source[k]]));
  const parsed = schema.safeParse(picked);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${String(i.path[0] ?? "(environment)")} ${i.message}`);
    throw new ConfigError(`invalid agent configuration:\n${lines.join("\n")}`);
  }
  const c = parsed.data;
  const listen = c[env.listen];
  return {
    token: c[env.token],
    host: listen.host,
    port: listen.port,
    nodeId: c[env.nodeId],
    nodeProcess: c[env.nodeProcess],
    dataDir: c[env.dataDir],
    stateDir: c[env.stateDir] ?? join(c[env.dataDir], ".meshkit-agent"),
  };
}
