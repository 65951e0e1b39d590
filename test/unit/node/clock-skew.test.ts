// The clock-skew toggle on a real node process: its reported times and `mesh_clock_offset_seconds`
// shift by offsetMs and come back on stop; a clock an hour ahead judges the registry's lease expired
// (no leader reported) while fencing, on the monotonic clock, keeps the node leading.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chaosNames, chaosToggle, metrics, paths } from "../../../contract/meshkit.ts";
import { type LocalMesh, startLocalMesh } from "../../../node/local/mesh.ts";
import { getJson, metricsText, post, sample, waitFor } from "./helpers.ts";

const HOUR_MS = 3_600_000;

describe("clock-skew chaos toggle", () => {
  let mesh: LocalMesh;
  let url: string;

  beforeAll(async () => {
    mesh = await startLocalMesh({ nodes: 1, env: { mesh__workload__rate: "0" } });
    url = mesh.nodes[0]!.controlUrl;
    await waitFor("the node leads", 20_000, async () => sample(await metricsText(url), metrics.isLeader.name) === 1 || undefined);
  }, 120_000);
  afterAll(async () => {
    await mesh?.stop();
  }, 60_000);

  /** generatedAt of /control/peers minus the test's own clock, in ms. */
  const reportedOffset = async (): Promise<number> => {
    const before = Date.now();
    const { body } = await getJson<{ generatedAt: string }>(`${url}${paths.peers}`);
    return Date.parse(body.generatedAt) - (before + Date.now()) / 2;
  };
  const leaderTokens = async (): Promise<number> => (await getJson<{ tokens: unknown[] }>(`${url}${paths.leaders}`)).body.tokens.length;

  it("shifts the node's reported time and metric by offsetMs, and returns on stop", async () => {
    expect(Math.abs(await reportedOffset())).toBeLessThan(500);
    expect(await leaderTokens()).toBe(1);
    expect(sample(await metricsText(url), metrics.clockOffset.name)).toBe(0);

    const start = await post(`${url}${chaosToggle(chaosNames.clockSkew, "start")}`, { offsetMs: HOUR_MS });
    expect(start.status).toBe(200);
    expect(start.body.setting.offsetMs).toBe(HOUR_MS);
    const listed = await getJson(`${url}${paths.chaosPrefix}`);
    expect(listed.body.active[chaosNames.clockSkew]).toMatchObject({ offsetMs: HOUR_MS });

    expect(Math.abs((await reportedOffset()) - HOUR_MS)).toBeLessThan(500);
    expect(sample(await metricsText(url), metrics.clockOffset.name)).toBe(HOUR_MS / 1000);
    // An hour ahead, the registry's 8 s lease looks long expired to this node...
    expect(await leaderTokens()).toBe(0);
    // ...while it keeps renewing and leading: leases are fenced on the monotonic clock.
    await new Promise((r) => setTimeout(r, 3000));
    expect(sample(await metricsText(url), metrics.isLeader.name)).toBe(1);

    const stop = await post(`${url}${chaosToggle(chaosNames.clockSkew, "stop")}`);
    expect(stop.body).toMatchObject({ name: chaosNames.clockSkew, active: false });
    expect(Math.abs(await reportedOffset())).toBeLessThan(500);
    expect(sample(await metricsText(url), metrics.clockOffset.name)).toBe(0);
    expect(await leaderTokens()).toBe(1);
    // Stopping again is harmless.
    expect((await post(`${url}${chaosToggle(chaosNames.clockSkew, "stop")}`)).status).toBe(200);
  });

  it("refuses a start without offsetMs, or offsetMs on another toggle, and changes nothing", async () => {
    const missing = await post(`${url}${chaosToggle(chaosNames.clockSkew, "start")}`, {});
    expect(missing.status).toBe(400);
    expect(missing.body.error).toMatch(/offsetMs/);
    const misplaced = await post(`${url}${chaosToggle(chaosNames.slowHandlers, "start")}`, { offsetMs: 5 });
    expect(misplaced.status).toBe(400);
    const tooFar = await post(`${url}${chaosToggle(chaosNames.clockSkew, "start")}`, { offsetMs: 10 * 86_400_000 });
    expect(tooFar.status).toBe(400);
    expect((await getJson(`${url}${paths.chaosPrefix}`)).body.active).toEqual({});
    expect(Math.abs(await reportedOffset())).toBeLessThan(500);
  });
});
