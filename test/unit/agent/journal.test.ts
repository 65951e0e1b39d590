// The fault journal on a real directory: what a crashed agent leaves is read back, a torn write is
// ignored, a damaged entry is reported and kept for a human; and the kernel snapshot diff.

import { mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Journal, type JournalEntry } from "../../../agent/journal.ts";
import { diffKernel } from "../../../agent/kernel-state.ts";

const entry = (id: string): JournalEntry => ({
  request: { id, kind: "network-partition", params: { peers: ["node-2"], direction: "both" }, targets: ["node-1"], ttlSeconds: 30 },
  mechanism: "iptables",
  appliedAt: null,
  leaseExpiresAt: new Date().toISOString(),
  kernelBefore: "## iptables\n*filter\nCOMMIT\n",
  recorded: { pid: 42 },
});

describe("fault journal", () => {
  it("reads back what was written, and forgets what was removed", async () => {
    const journal = new Journal(mkdtempSync(join(tmpdir(), "mk-journal-")));
    expect(await journal.readAll()).toEqual({ entries: [], unreadable: [] });
    await journal.write(entry("one-1"));
    await journal.write({ ...entry("two-2"), recorded: { pid: 7 } }, false);
    expect((await journal.readAll()).entries.map((e) => [e.request.id, e.recorded])).toEqual([
      ["one-1", { pid: 42 }],
      ["two-2", { pid: 7 }],
    ]);
    await journal.remove("one-1");
    await journal.remove("never-written"); // idempotent
    expect((await journal.readAll()).entries.map((e) => e.request.id)).toEqual(["two-2"]);
  });

  it("ignores a write that never reached its rename and reports a damaged entry without deleting it", async () => {
    const journal = new Journal(mkdtempSync(join(tmpdir(), "mk-journal-")));
    await journal.write(entry("kept-1"));
    writeFileSync(join(journal.dir, "kept-1.json.tmp"), '{"request": {"id": "kep'); // torn
    writeFileSync(join(journal.dir, "bad-1.json"), "not json");
    const { entries, unreadable } = await journal.readAll();
    expect(entries.map((e) => e.request.id)).toEqual(["kept-1"]);
    expect(unreadable).toEqual([{ file: join(journal.dir, "bad-1.json"), detail: expect.any(String) }]);
    expect(readdirSync(journal.dir).sort()).toEqual(["bad-1.json", "kept-1.json"]);
  });
});

describe("kernel snapshot diff", () => {
  it("names added and removed lines with their section, counting repeated lines", () => {
    const before = "## iptables\n*filter\n-A INPUT -j X\n-A INPUT -j X\nCOMMIT\n## qdisc\nqdisc noqueue 0: dev lo root\n";
    const after = "## iptables\n*filter\n-A INPUT -j X\nCOMMIT\n## qdisc\nqdisc noqueue 0: dev lo root\nqdisc tbf 8001: dev eth0 root\n";
    expect(diffKernel(before, after)).toEqual({ added: ["qdisc: qdisc tbf 8001: dev eth0 root"], removed: ["iptables: -A INPUT -j X"] });
    expect(diffKernel(before, before)).toEqual({ added: [], removed: [] });
  });
});
