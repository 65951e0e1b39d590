// Runs the product CLI the way a user does (bin/meshkit-chaos: the project's settings, then tsx).
import { execa } from "execa";

export const repoRoot = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");
export const cliPath = `${repoRoot}/bin/meshkit-chaos`;

export const meshkitChaos = (args: readonly string[], cwd = repoRoot) => execa(cliPath, [...args], { cwd, all: true, reject: false });

/** The last stdout line, parsed: where every `--json` command puts its result. */
export const lastJsonLine = <T = unknown>(stdout: string): T => JSON.parse(stdout.trim().split("\n").at(-1)!) as T;
