// The `fault` group: registered by the fault CLI (written with the fault catalog).
import type { Command } from "commander";

export function registerFault(_program: Command): void {}
