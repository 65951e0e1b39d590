// The environment stack's outputs: one schema for the program (index.ts) that exports them, the
// CLI that prints them, the tests and the run stack that reads them through a StackReference.
import { z } from "zod";

export const nodeEndpoints = z.object({
  name: z.string().min(1),
  controlUrl: z.url(),
  agentUrl: z.url(),
});

/**
 * What a node that joins the mesh later needs (membership-surge adds such nodes as run-stack
 * resources): where and how the environment runs its nodes, with the joiner certificate's files.
 * A secret output: it carries a private key.
 */
export const joinKit = z.object({
  /** Container-name prefix of the environment (`mkc-<stack>`). */
  prefix: z.string(),
  network: z.string(),
  image: z.string(),
  env: z.record(z.string(), z.string()),
  /** Environment keys that carry the node's identity (set to each joiner's name). */
  identityEnv: z.array(z.string()),
  files: z.array(z.object({ path: z.string(), content: z.string(), secret: z.boolean().optional() })),
  labels: z.record(z.string(), z.string()),
  healthcheck: z
    .object({ test: z.array(z.string()), intervalSeconds: z.number(), timeoutSeconds: z.number(), retries: z.number(), startPeriodSeconds: z.number() })
    .optional(),
});
export type JoinKit = z.infer<typeof joinKit>;

export const environmentOutputs = z.object({
  /** Where the environment runs; stacks brought up before Kubernetes existed are Docker's. */
  platform: z.enum(["docker", "kubernetes"]).default("docker"),
  /** Kubernetes: the environment's namespace (null on Docker). */
  namespace: z.string().min(1).nullable().default(null),
  runId: z.string().min(1),
  nodes: z.array(nodeEndpoints).min(1),
  registryUrl: z.url(),
  prometheusUrl: z.url(),
  /** Null where Grafana is skipped (its image needs a registry). */
  grafanaUrl: z.url().nullable(),
  /** SHA-256 fingerprint and serial of every leaf certificate, by holder: safe to print. */
  certificateFingerprints: z.record(z.string(), z.string()),
  certificateSerials: z.record(z.string(), z.string()),
  /** Bearer token of the fault agents: a Pulumi secret, never printed. */
  agentToken: z.string().min(1),
  /** For membership-surge: a Pulumi secret, never printed. */
  joinKit,
});

export type EnvironmentOutputs = z.infer<typeof environmentOutputs>;
export type NodeEndpoints = z.infer<typeof nodeEndpoints>;

/** Outputs that are Pulumi secrets: left out of everything a command prints. */
export const secretOutputs = ["agentToken", "joinKit"] as const satisfies readonly (keyof EnvironmentOutputs)[];

export const publicEnvironmentOutputs = environmentOutputs.omit({ agentToken: true, joinKit: true });
export type PublicEnvironmentOutputs = z.infer<typeof publicEnvironmentOutputs>;

export class EnvironmentOutputsError extends Error {
  override name = "EnvironmentOutputsError";
}

/** Parses raw stack outputs (`name → value`), naming the stack and each field that is off. */
export function parseEnvironmentOutputs(raw: Record<string, unknown>, stack: string): EnvironmentOutputs {
  if (Object.keys(raw).length === 0) {
    throw new EnvironmentOutputsError(
      `environment stack ${stack} has no outputs: it is not up. Bring it up with \`npx meshkit-chaos env up --stack ${stack}\``,
    );
  }
  const result = environmentOutputs.safeParse(raw);
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => `  - ${i.path.join(".") || "(root)"}: ${i.message}`);
  throw new EnvironmentOutputsError(
    `environment stack ${stack} has outputs this version does not understand:\n${problems.join("\n")}\n` +
      `Update it with \`npx meshkit-chaos env up --stack ${stack}\``,
  );
}

/** The outputs without their secrets: what `env outputs --json` and `env up --json` print. */
export function withoutSecrets(outputs: EnvironmentOutputs): PublicEnvironmentOutputs {
  return publicEnvironmentOutputs.parse(outputs);
}
