// disk-fill: one file, `.meshkit-fill-<tag>`, on the node's data volume grows it to the requested
// share of its size. Never the root filesystem: a data dir on the same device as `/` is refused (on
// Docker the node data volume is a size-bounded tmpfs, so the fill cannot reach the host's disk).

import { closeSync, existsSync, openSync, rmSync, statfsSync, statSync, writeSync } from "node:fs";
import { join } from "node:path";
import { type AgentParams, agentParams } from "../params.ts";
import type { Evidence } from "../protocol.ts";
import type { Mechanism, MechanismContext } from "./mechanism.ts";

const MB = 2 ** 20;

interface Usage {
  readonly totalBytes: number;
  readonly usedBytes: number;
  /** Used plus what non-root users can still have (df's Used + Avail). */
  readonly usableBytes: number;
  readonly usedPct: number;
}

/** As `df` computes it: used = total - free; the share of what non-root users can have. */
function usage(dir: string): Usage {
  const s = statfsSync(dir);
  const totalBytes = s.blocks * s.bsize;
  const usedBytes = (s.blocks - s.bfree) * s.bsize;
  const usableBytes = usedBytes + s.bavail * s.bsize;
  return { totalBytes, usedBytes, usableBytes, usedPct: usableBytes === 0 ? 100 : (100 * usedBytes) / usableBytes };
}

const fillPath = (ctx: MechanismContext): string => join(ctx.dataDir, `.meshkit-fill-${ctx.tag}`);
const describe = (u: Usage): string => `${u.usedPct.toFixed(1)} % of ${(u.totalBytes / MB).toFixed(0)} MB used`;

/** Writes zeros where fallocate is not supported (some filesystems); slower but the same effect. */
function writeZeros(path: string, bytes: number): void {
  const chunk = Buffer.alloc(Math.min(MB, bytes));
  const fd = openSync(path, "a");
  try {
    for (let left = bytes; left > 0; left -= chunk.length) writeSync(fd, chunk, 0, Math.min(chunk.length, left));
  } finally {
    closeSync(fd);
  }
}

export const diskFill: Mechanism<AgentParams<"disk-fill">> = {
  name: "fallocate",
  params: agentParams["disk-fill"],

  check(ctx): string[] {
    const data = statSync(ctx.dataDir, { throwIfNoEntry: false });
    if (!data?.isDirectory()) return [`data volume: ${ctx.dataDir} is not a directory; mount the node's data volume in the agent there`];
    if (data.dev === statSync("/").dev) {
      return [
        `data volume: ${ctx.dataDir} is on the root filesystem (same device as /); disk-fill never fills a root filesystem: mount the node's data volume there (docker: a size-bounded tmpfs volume; kubernetes: an emptyDir with sizeLimit)`,
      ];
    }
    return [];
  },

  async apply(ctx, p): Promise<Evidence> {
    const path = fillPath(ctx);
    const before = usage(ctx.dataDir);
    const bytes = Math.floor((p.fillPct / 100) * before.usableBytes - before.usedBytes);
    if (bytes <= 0) {
      throw new Error(`${ctx.dataDir} is already ${describe(before)}, at or above the requested ${p.fillPct} %; nothing was filled`);
    }
    await ctx.record({ fillFile: path, usedPctBefore: before.usedPct });
    const r = await ctx.run("fallocate", ["-l", String(bytes), path]);
    if (!r.ok) {
      rmSync(path, { force: true });
      writeZeros(path, bytes);
    }
    const after = usage(ctx.dataDir);
    if (after.usedPct < p.fillPct - 1) {
      rmSync(path, { force: true });
      throw new Error(`${ctx.dataDir} is ${describe(after)} after writing ${(bytes / MB).toFixed(1)} MB, expected ${p.fillPct} %`);
    }
    return {
      lines: [
        `${r.ok ? "fallocate" : "wrote zeros to"} ${path} (${(bytes / MB).toFixed(1)} MB)`,
        `${ctx.dataDir}: ${describe(before)} before, ${describe(after)} now`,
      ],
      measured: { fillPct: after.usedPct, fileMb: bytes / MB, fillPctBefore: before.usedPct },
    };
  },

  async revert(ctx): Promise<Evidence & { verified: boolean }> {
    const path = (ctx.recorded().fillFile as string | undefined) ?? fillPath(ctx);
    const existed = existsSync(path);
    rmSync(path, { force: true });
    const after = usage(ctx.dataDir);
    const before = ctx.recorded().usedPctBefore;
    // Other writers share the volume: back to within 1 % of before (when known) counts as reverted.
    const settled = typeof before !== "number" || after.usedPct <= before + 1;
    return {
      verified: !existsSync(path) && settled,
      lines: [`${existed ? "deleted" : "no file at"} ${path}`, `${ctx.dataDir}: ${describe(after)}`],
      measured: { fillPct: after.usedPct },
    };
  },
};
