import { describe, expect, it } from "vitest";
import { DurationError, formatDuration, humanDuration, parseDuration } from "../../../faults/duration.ts";

const fault = { name: "duration", minMs: 1_000, maxMs: 3_600_000 };

describe("durations", () => {
  it("reads ms, s, m, h and compound forms as milliseconds", () => {
    expect(parseDuration("30s", fault)).toBe(30_000);
    expect(parseDuration("2m", fault)).toBe(120_000);
    expect(parseDuration("1h", fault)).toBe(3_600_000);
    expect(parseDuration("1m30s", fault)).toBe(90_000);
    expect(parseDuration("1500ms", fault)).toBe(1_500);
    expect(parseDuration("1.5s", fault)).toBe(1_500);
    expect(parseDuration(" 45s ", fault)).toBe(45_000);
    expect(parseDuration(500, { name: "delay", minMs: 1, maxMs: 10_000 })).toBe(500);
  });

  it("accepts the bounds themselves and rejects just outside, naming the value and the bounds", () => {
    expect(parseDuration("1s", fault)).toBe(1_000);
    expect(parseDuration("60m", fault)).toBe(3_600_000);
    expect(() => parseDuration("999ms", fault)).toThrow("duration=999ms is out of bounds: expected 1s..1h");
    expect(() => parseDuration("3600001ms", fault)).toThrow("duration=3600001ms is out of bounds: expected 1s..1h");
  });

  it("rejects a number without a unit, a bad unit, a negative value and garbage, naming the value", () => {
    expect(() => parseDuration("30", fault)).toThrow("duration=30 has no unit: expected e.g. 30ms or 30s");
    expect(() => parseDuration("30sec", fault)).toThrow(/duration=30sec is not a duration: expected a number with a unit \(ms, s, m, h\)/);
    expect(() => parseDuration("-30s", fault)).toThrow("duration=-30s is negative; expected 1s..1h");
    expect(() => parseDuration("soon", fault)).toThrow(DurationError);
    expect(() => parseDuration("", fault)).toThrow("duration is empty");
    expect(() => parseDuration("0.5ms", { name: "delay", minMs: 0, maxMs: 10 })).toThrow("fraction of a millisecond");
  });

  it("reads signed offsets with their magnitude bounded", () => {
    const offset = { name: "offset", minMs: 1, maxMs: 86_400_000, signed: true };
    expect(parseDuration("-5m", offset)).toBe(-300_000);
    expect(parseDuration("+2h", offset)).toBe(7_200_000);
    expect(parseDuration("-24h", offset)).toBe(-86_400_000);
    expect(() => parseDuration("-25h", offset)).toThrow("offset=-25h is out of bounds: expected ±(1ms..24h)");
    expect(() => parseDuration("0s", offset)).toThrow("offset=0s is out of bounds: expected ±(1ms..24h)");
  });

  it("formats milliseconds back to the shortest exact form that parses to the same value", () => {
    for (const ms of [1, 999, 1_000, 30_000, 90_000, 3_600_000, 3_690_000, -300_000]) {
      const text = formatDuration(ms);
      expect(parseDuration(text, { name: "x", minMs: 0, maxMs: 1e9, signed: true })).toBe(ms);
    }
    expect(formatDuration(30_000)).toBe("30s");
    expect(formatDuration(90_000)).toBe("1m30s");
    expect(formatDuration(1_500)).toBe("1500ms");
    expect(formatDuration(-300_000)).toBe("-5m");
    expect(humanDuration(30_000)).toBe("30 s");
    expect(humanDuration(90_000)).toBe("1 min 30 s");
    expect(humanDuration(250)).toBe("250 ms");
  });
});
