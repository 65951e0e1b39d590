// kubectl against the local cluster (admin kubeconfig unless told otherwise).
import { execa } from "execa";
import { binary } from "./toolchain.ts";
import { localKubeconfig } from "./paths.ts";

export interface KubectlOptions {
  readonly kubeconfig?: string;
  readonly input?: string;
  readonly timeoutMs?: number;
}

export async function kubectl(args: readonly string[], options: KubectlOptions = {}): Promise<{ ok: boolean; stdout: string; all: string }> {
  const result = await execa(binary("kubectl"), ["--kubeconfig", options.kubeconfig ?? localKubeconfig, "--request-timeout=10s", ...args], {
    input: options.input,
    all: true,
    reject: false,
    timeout: options.timeoutMs ?? 60_000,
  });
  return { ok: result.exitCode === 0, stdout: result.stdout, all: result.all ?? "" };
}

/** kubectl that throws with its output when it fails. */
export async function kubectlOrThrow(args: readonly string[], options: KubectlOptions = {}): Promise<string> {
  const result = await kubectl(args, options);
  if (!result.ok) throw new Error(`kubectl ${args.join(" ")} failed:\n${result.all}`);
  return result.stdout;
}
