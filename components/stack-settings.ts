import type * as pulumi from "@pulumi/pulumi";
import { environmentSettings, parseSettings, type EnvironmentSettings } from "./config.ts";

/** Pulumi keeps every config value as a string; numbers, booleans and objects arrive as JSON. */
export function configValue(text: unknown): unknown {
  if (typeof text !== "string") return text;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Reads every `meshkit-chaos:*` key the settings schema knows from the stack's configuration. */
export function readStackSettings(config: pulumi.Config, stack: string): EnvironmentSettings {
  const raw: Record<string, unknown> = {};
  for (const key of Object.keys(environmentSettings.shape)) {
    const text = config.get(key);
    if (text !== undefined) raw[key] = configValue(text);
  }
  return parseSettings(raw, `stacks/Pulumi.${stack}.yaml`);
}
