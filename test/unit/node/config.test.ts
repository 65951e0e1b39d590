// Invalid configuration is refused at start with the key and what was expected.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { certificateEnv, envKey } from "../../../contract/meshkit.ts";
import { ConfigError, loadConfig, parseDurationMs } from "../../../node/config.ts";
import { bundle as buildBundle } from "../../../scripts/lib/bundle.ts";

const certs = {
  [certificateEnv.gossipCert]: "/c.pem",
  [certificateEnv.gossipKey]: "/k.pem",
  [certificateEnv.gossipCa]: "/ca.pem",
};

const problems = (env: Record<string, string>): string[] => {
  try {
    loadConfig(env);
  } catch (e) {
    if (e instanceof ConfigError) return [...e.problems];
    throw e;
  }
  return [];
};

describe("configuration", () => {
  let dir: string;
  let bundle: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "meshkit-config-"));
    bundle = await buildBundle("node", join(dir, "node.mjs"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("reads MeshKit keys in env-var form, arrays by index, durations in both notations", () => {
    const c = loadConfig({
      ...certs,
      [envKey("mesh:registry:address")]: "registry:17421",
      [envKey("mesh:gossip:nodeId")]: "n1",
      [envKey("mesh:gossip:seedPeers:0")]: "node-2:17421",
      [envKey("mesh:gossip:seedPeers:1")]: "node-3:17421",
      [envKey("mesh:leadership:leaseDuration")]: "00:00:10",
      [envKey("mesh:leadership:evaluationInterval")]: "500ms",
      [envKey("mesh:gossip:labels:zone")]: "a",
    });
    expect(c.gossip.seedPeers).toEqual(["node-2:17421", "node-3:17421"]);
    expect(c.leadership.leaseDurationMs).toBe(10_000);
    expect(c.leadership.evaluationIntervalMs).toBe(500);
    expect(c.gossip.labels).toEqual({ zone: "a" });
    expect(c.gossip.bindAddress).toBe("0.0.0.0");
    expect(c.control.port).toBe(8080);
    expect(parseDurationMs("1.5s")).toBe(1500);
  });

  it("names the key and what was expected", () => {
    expect(problems({ ...certs, [envKey("mesh:registry:address")]: "r:1", [envKey("mesh:gossip:port")]: "http" })).toEqual([
      'mesh__gossip__port: expected an integer in 0..65535, got "http"',
    ]);
    expect(problems({ ...certs, [envKey("mesh:registry:address")]: "r:1", [envKey("mesh:gossip:seedPeers:0")]: "nope" })[0]).toMatch(
      /^mesh__gossip__seedPeers__0: expected "host:port"/,
    );
    expect(problems({ ...certs, [envKey("mesh:registry:address")]: "r:1", [envKey("mesh:gosip:nodeId")]: "x" })[0]).toMatch(
      /^mesh__gosip: unknown key/,
    );
    expect(problems(certs)[0]).toMatch(/^mesh__registry__address: expected "host:port"/);
    expect(problems({ [envKey("mesh:runtime:role")]: "registry" })[0]).toMatch(/^MESH_GOSSIP_CERT_PATH/);
  });

  it("a process with invalid configuration exits non-zero and says why", () => {
    const r = spawnSync(process.execPath, [bundle], {
      env: { PATH: process.env.PATH ?? "", ...certs, [envKey("mesh:registry:address")]: "r:1", [envKey("mesh:leadership:leaseDuration")]: "soon" },
      encoding: "utf8",
      timeout: 20_000,
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('mesh__leadership__leaseDuration: expected a positive duration like "750ms", "8s" or "00:00:08", got "soon"');
  });
});
