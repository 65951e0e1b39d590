// Running the kernel tools (ip, tc, iptables, nft, stress-ng). Failures are values, not exceptions:
// a probe's "no" is often a failed command, and its stderr is the evidence a user needs.

import { execa } from "execa";
import { defaults } from "./config.ts";

export interface CommandResult {
  readonly ok: boolean;
  readonly stdout: string;
  readonly stderr: string;
  /** The command line as run, for notes and logs. */
  readonly command: string;
  /** True when the binary does not exist (ENOENT), as opposed to the command failing. */
  readonly missing: boolean;
}

export async function run(file: string, args: readonly string[]): Promise<CommandResult> {
  const r = await execa(file, args, { reject: false, timeout: defaults.commandTimeoutMs, stdin: "ignore" });
  return {
    ok: r.exitCode === 0 && !r.timedOut,
    stdout: r.stdout.trim(),
    stderr: (r.timedOut ? `timed out after ${defaults.commandTimeoutMs} ms` : r.stderr).trim(),
    command: [file, ...args].join(" "),
    missing: (r as { code?: string }).code === "ENOENT",
  };
}

/**
 * Serialises everything that changes kernel state (probes now, fault mechanisms later), so a probe's
 * clean-up never races a mechanism working on the same table or interface.
 */
export class KernelLock {
  #tail: Promise<unknown> = Promise.resolve();

  async hold<T>(work: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(work, work);
    this.#tail = result.catch(() => undefined);
    return result;
  }
}
