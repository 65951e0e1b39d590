// The environment stack's outputs: one schema for the program (index.ts) that exports them, the
// CLI that prints them, the tests and the run stack that reads them through a StackReference.
import { z } from "zod";

export const nodeEndpoints = z.object({
  name: z.string().min(1),
  controlUrl: z.url(),
  agentUrl: z.url(),
});

export const environmentOutputs = z.object({
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
});

export type EnvironmentOutputs = z.infer<typeof environmentOutputs>;
export type NodeEndpoints = z.infer<typeof nodeEndpoints>;

/** Outputs that are Pulumi secrets: left out of everything a command prints. */
export const secretOutputs = ["agentToken"] as const satisfies readonly (keyof EnvironmentOutputs)[];

export const publicEnvironmentOutputs = environmentOutputs.omit({ agentToken: true });
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
