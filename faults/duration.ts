// Durations as people write them ("30s", "500ms", "2m", "1h", "1m30s") <-> milliseconds. One parser
// for fault durations, delays and clock offsets, so every `--set` and `--duration` reads the same way.

import { FaultInputError } from "./errors.ts";

const unitMs = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 } as const;
type Unit = keyof typeof unitMs;

const part = /(\d+(?:\.\d+)?)(ms|s|m|h)/y;

export interface DurationBounds {
  /** What the value is, for errors: "duration", "delay", "offset". */
  readonly name: string;
  readonly minMs: number;
  readonly maxMs: number;
  /** Accept a leading "-" (clock offsets). */
  readonly signed?: boolean;
}

export class DurationError extends FaultInputError {
  override readonly name = "DurationError";
}

/** Parses a duration string (a unit is required); a number (from YAML or code) is milliseconds. Throws DurationError naming the value. */
export function parseDuration(text: string | number, bounds: DurationBounds): number {
  const ms = typeof text === "number" ? text : parseText(text.trim(), bounds);
  if (!Number.isFinite(ms)) throw new DurationError(`${bounds.name}=${String(text)} is not a duration`);
  if (ms < 0 && !bounds.signed) {
    throw new DurationError(`${bounds.name}=${String(text)} is negative; expected ${describeBounds(bounds)}`);
  }
  const magnitude = Math.abs(ms);
  if (magnitude < bounds.minMs || magnitude > bounds.maxMs) {
    throw new DurationError(
      `${bounds.name}=${String(text)} is out of bounds: expected ${describeBounds(bounds)}`,
    );
  }
  if (!Number.isInteger(ms)) {
    throw new DurationError(`${bounds.name}=${String(text)} has a fraction of a millisecond; expected whole milliseconds`);
  }
  return ms;
}

function parseText(text: string, bounds: DurationBounds): number {
  const sign = text.startsWith("-") ? -1 : 1;
  if (sign < 0 && !bounds.signed) {
    throw new DurationError(`${bounds.name}=${text} is negative; expected ${describeBounds(bounds)}`);
  }
  const body = text.replace(/^[-+]/, "");
  if (body.length === 0) throw new DurationError(`${bounds.name} is empty: expected e.g. 30s`);
  if (body === "0") return 0;
  if (/^\d+(\.\d+)?$/.test(body)) {
    throw new DurationError(`${bounds.name}=${text} has no unit: expected e.g. ${body}ms or ${body}s (units: ms, s, m, h)`);
  }
  let total = 0;
  let at = 0;
  while (at < body.length) {
    part.lastIndex = at;
    const m = part.exec(body);
    if (!m) {
      throw new DurationError(
        `${bounds.name}=${text} is not a duration: expected a number with a unit (ms, s, m, h), e.g. 500ms, 30s, 2m, 1h, 1m30s`,
      );
    }
    total += Number(m[1]) * unitMs[m[2] as Unit];
    at = part.lastIndex;
  }
  return sign * Math.round(total * 1000) / 1000;
}

/** "1s..1h"; signed: "±(1ms..24h)" (either sign, magnitude in the range). */
export const describeBounds = (b: DurationBounds): string =>
  b.signed ? `±(${formatDuration(b.minMs)}..${formatDuration(b.maxMs)})` : `${formatDuration(b.minMs)}..${formatDuration(b.maxMs)}`;

/** Milliseconds -> the shortest exact form: 30000 -> "30s", 90000 -> "1m30s", 1500 -> "1500ms", -300000 -> "-5m". */
export function formatDuration(ms: number): string {
  if (ms === 0) return "0s";
  const sign = ms < 0 ? "-" : "";
  let rest = Math.abs(ms);
  if (rest % 1000 !== 0) return `${sign}${rest}ms`;
  let out = "";
  for (const [unit, size] of [["h", unitMs.h], ["m", unitMs.m], ["s", unitMs.s]] as const) {
    const n = Math.floor(rest / size);
    if (n > 0) out += `${n}${unit}`;
    rest -= n * size;
  }
  return sign + out;
}

/** For dry-run prose: 30000 -> "30 s", 90000 -> "1 min 30 s", 250 -> "250 ms". */
export function humanDuration(ms: number): string {
  const sign = ms < 0 ? "-" : "";
  let rest = Math.abs(ms);
  if (rest < 1000 || rest % 1000 !== 0) return `${sign}${rest} ms`;
  const parts: string[] = [];
  for (const [unit, size] of [["h", unitMs.h], ["min", unitMs.m], ["s", unitMs.s]] as const) {
    const n = Math.floor(rest / size);
    if (n > 0) parts.push(`${n} ${unit}`);
    rest -= n * size;
  }
  return sign + parts.join(" ");
}
