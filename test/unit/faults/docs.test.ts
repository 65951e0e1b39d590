import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { readmePath, refreshedReadme } from "../../../faults/docs.ts";

describe("faults/README.md", () => {
  it("lists the kinds with the bounds and defaults the parser enforces (run `npx tsx faults/docs.ts --write` if stale)", () => {
    const readme = readFileSync(readmePath, "utf8");
    expect(readme).toBe(refreshedReadme(readme));
    expect(readme).toContain("| `delay` | duration (ms, s, m, h) | 1ms..10s |");
  });
});
