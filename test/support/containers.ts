// Looking at the environment's containers from outside the agent: commands run with `docker exec` in
// a node's or a sidecar's namespaces, and the kernel state a fault must leave exactly as it found it.

import { execa } from "execa";
import { Members } from "./members.ts";

/** Container name of a service of an environment stack (components/model: `mkc-<stack>-<service>`). */
export const containerOf = (stack: string, service: string): string => `mkc-${stack}-${service}`;

export async function execIn(container: string, command: readonly string[], timeoutMs = 20_000): Promise<{ ok: boolean; stdout: string; stderr: string }> {
  const r = await execa("docker", ["exec", container, ...command], { reject: false, timeout: timeoutMs });
  return { ok: r.exitCode === 0, stdout: r.stdout, stderr: r.stderr };
}

/**
 * What faults may change in a node's namespaces, as seen through its sidecar (test/support/members.ts:
 * the same reading on every platform).
 */
export const kernelState = (stack: string, node: string): Promise<Record<string, string>> => Members.of(stack).kernelState(node);
