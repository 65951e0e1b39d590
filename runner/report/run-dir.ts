// Reads a run directory (the contract between the engine that writes it and the reports that read
// it): timeline.jsonl, scenario.json and metrics/*.json. Every problem names the file and line.

import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { timelineEvent, type TimelineEvent } from "../timeline.ts";
import { scenario as scenarioSchema } from "../scenario/model.ts";
import type { JudgeInput } from "./judge.ts";
import { metricRange, type MetricRange } from "./model.ts";

/** The directory is not a run directory, or one of its files cannot be read as the layout says. */
export class RunDirectoryError extends Error {
  override name = "RunDirectoryError";
}

const issues = (error: z.ZodError): string =>
  error.issues.map((i) => `${i.path.length ? i.path.join(".") : "(root)"}: ${i.message}`).join("; ");

export function readTimeline(file: string): TimelineEvent[] {
  const lines = readFileSync(file, "utf8").split("\n");
  const events: TimelineEvent[] = [];
  lines.forEach((line, i) => {
    if (!line.trim()) return;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch (error) {
      throw new RunDirectoryError(`${file}:${i + 1}: not JSON (${(error as Error).message}); expected one timeline event per line`);
    }
    const parsed = timelineEvent.safeParse(json);
    if (!parsed.success) throw new RunDirectoryError(`${file}:${i + 1}: not a timeline event: ${issues(parsed.error)}`);
    events.push(parsed.data);
  });
  if (events.length === 0) throw new RunDirectoryError(`${file}: empty; expected the run's events, starting with a \`run\` event`);
  if (!events.some((e) => e.type === "run")) throw new RunDirectoryError(`${file}: no \`run\` event; expected the run's first event to name the run`);
  return events;
}

function readJson<T>(file: string, schema: z.ZodType<T>, what: string): T {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new RunDirectoryError(`${file}: not JSON (${(error as Error).message}); expected ${what}`);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw new RunDirectoryError(`${file}: not ${what}: ${issues(parsed.error)}`);
  return parsed.data;
}

const scenarioFile = z.object({ scenario: scenarioSchema, definitionHash: z.string(), file: z.string() });

/** Everything the judge needs, from the run directory alone. */
export function readRunDirectory(runDir: string): JudgeInput {
  if (!existsSync(runDir) || !statSync(runDir).isDirectory()) {
    throw new RunDirectoryError(`${runDir}: no such directory; expected a run directory such as .artifacts/runs/<runId>`);
  }
  const timelineFile = join(runDir, "timeline.jsonl");
  if (!existsSync(timelineFile)) {
    throw new RunDirectoryError(`${runDir}: not a run directory (no timeline.jsonl); expected a directory written by \`meshkit-chaos scenario run\`, such as .artifacts/runs/<runId>`);
  }
  const events = readTimeline(timelineFile);
  const scenarioPath = join(runDir, "scenario.json");
  const scenario = existsSync(scenarioPath) ? readJson(scenarioPath, scenarioFile, "{ scenario, definitionHash, file }").scenario : null;
  const metricsDir = join(runDir, "metrics");
  const metrics: MetricRange[] = existsSync(metricsDir)
    ? readdirSync(metricsDir)
        .filter((f) => f.endsWith(".json"))
        .sort()
        .map((f) => readJson(join(metricsDir, f), metricRange, "a Prometheus range result { name, query, start, end, stepSeconds, series }"))
    : [];
  return { events, metrics, scenario };
}
