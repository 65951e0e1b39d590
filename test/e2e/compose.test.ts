// `npm run compose:export` for users without Pulumi: the exported file comes up with docker-compose on
// the same images, Prometheus scrapes every target, and `down -v` leaves nothing labelled behind.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { composeFileName } from "../../components/compose/render.ts";
import { buildImages } from "../../scripts/images.ts";
import { exportCompose } from "../../components/compose/export.ts";
import { labelled, requireEngines } from "./engines.ts";

const stack = "compose-e2e";
const hostPortBase = 32000;
let dir: string;
const compose = (...args: string[]) =>
  execa("docker-compose", ["-p", `mkc-${stack}`, "-f", join(dir, composeFileName), ...args], { all: true, reject: false });

beforeAll(async () => {
  await requireEngines();
  if ((await execa("docker-compose", ["version"], { reject: false })).exitCode !== 0) {
    throw new Error("docker-compose is missing: run `bash scripts/bootstrap` (it installs Debian's docker-compose)");
  }
  await buildImages(() => {});
  dir = await mkdtemp(join(tmpdir(), "mkc-compose-"));
  await exportCompose({ stack, nodes: 2, hostPortBase, grafana: false, out: dir });
});

afterAll(async () => {
  if (dir) {
    await compose("down", "-v");
    await rm(dir, { recursive: true, force: true });
  }
});

describe("exported compose file", () => {
  it("comes up with every Prometheus target up", async () => {
    const up = await compose("up", "-d");
    expect(up.exitCode, up.all).toBe(0);
    const deadline = Date.now() + 120_000;
    let health: string[] = [];
    while (Date.now() < deadline) {
      try {
        const res = await fetch(`http://127.0.0.1:${hostPortBase}/api/v1/targets`);
        const body = (await res.json()) as { data: { activeTargets: { health: string }[] } };
        health = body.data.activeTargets.map((t) => t.health);
        // 2 nodes + 2 agents + the registry.
        if (health.length === 5 && health.every((h) => h === "up")) break;
      } catch {
        // Prometheus is not listening yet.
      }
      await new Promise((r) => setTimeout(r, 1000));
    }
    expect(health).toEqual(["up", "up", "up", "up", "up"]);
  });

  it("goes down without leaving a labelled container, network or volume", async () => {
    const down = await compose("down", "-v");
    expect(down.exitCode, down.all).toBe(0);
    expect(await labelled(`meshkit-chaos.stack=${stack}`)).toEqual({ containers: [], networks: [], volumes: [] });
  });
});
