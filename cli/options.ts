// Options shared by the command groups, each validated once by the library that owns the fact.
import { Option } from "commander";
import { parseSettings } from "../components/config.ts";
import { defaultStack, parseStackName } from "../lifecycle/stack-name.ts";
import { argument } from "./exit.ts";

const wholeNumber = (flag: string) => (value: string): number => {
  if (!/^\d+$/.test(value)) throw new Error(`${flag} expects a whole number, got ${JSON.stringify(value)}`);
  return Number(value);
};

/** --stack NAME: the environment stack (validated by lifecycle/stack-name.ts). */
export const stackOption = () =>
  new Option("--stack <name>", "environment stack").default(defaultStack).argParser(argument((v) => parseStackName(v, "--stack")));

/** --nodes N: the same bounds as the stack setting (components/config.ts). */
export const nodesOption = () =>
  new Option("--nodes <n>", "number of MeshKit nodes (default: the stack's setting, 3)").argParser(
    argument((v) => parseSettings({ nodes: wholeNumber("--nodes")(v) }, "--nodes").nodes),
  );

export const hostPortBaseOption = () =>
  new Option("--host-port-base <port>", "first port published on 127.0.0.1 (layout in docs/environment.md)").argParser(
    argument((v) => parseSettings({ hostPortBase: wholeNumber("--host-port-base")(v) }, "--host-port-base").hostPortBase),
  );

export const jsonOption = (what: string) => new Option("--json", `print ${what} as one JSON line on stdout`);
