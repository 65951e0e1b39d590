// cert-expiry on real node processes (a loopback mesh): the agent's cert-swap finds the node's
// certificate files through /proc/<pid>/root at the paths of the node's own configuration, swaps in
// an expired or untrusted certificate, and restores the originals byte for byte. What a user notices:
// a TLS handshake verified with the run CA fails while the fault is active and works after revert.

import { readFileSync, statSync } from "node:fs";
import { createServer } from "node:net";
import * as tls from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { certSwap } from "../../../agent/mechanisms/cert-swap.ts";
import { mechanismsByKind } from "../../../agent/mechanisms/index.ts";
import { type LocalMesh, type LocalProcess, startLocalMesh } from "../../../node/local/mesh.ts";
import { testContext } from "../../support/mechanism-context.ts";

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as { port: number }).port;
  await new Promise((r) => server.close(r));
  return port;
}

/** A handshake as a peer makes it: the node's CA verifies the served certificate. */
function peerHandshake(node: LocalProcess, files: { cert: Buffer; key: Buffer; ca: Buffer }): Promise<{ ok: boolean; error: string | null; notAfter: number }> {
  const [host, port] = node.gossipAddress.split(":") as [string, string];
  return new Promise((resolve) => {
    const socket = tls.connect({ host, port: Number(port), ca: files.ca, cert: files.cert, key: files.key, checkServerIdentity: () => undefined, rejectUnauthorized: false });
    socket.once("secureConnect", () => {
      const notAfter = Date.parse(socket.getPeerCertificate().valid_to);
      const error = socket.authorizationError ? String((socket.authorizationError as { code?: string }).code ?? socket.authorizationError) : null;
      resolve({ ok: socket.authorized, error, notAfter });
      socket.destroy();
    });
    socket.once("error", (e) => resolve({ ok: false, error: e.message, notAfter: Number.NaN }));
  });
}

describe("cert-expiry (cert-swap)", () => {
  let mesh: LocalMesh;
  let node: LocalProcess;
  let originals: { cert: Buffer; key: Buffer; ca: Buffer };
  beforeAll(async () => {
    mesh = await startLocalMesh({ nodes: 1, env: { mesh__workload__rate: "0" } });
    // The agent reads the gossip port from the node's configuration: give this node a fixed one.
    node = await mesh.addNode("node-cert", { mesh__gossip__port: String(await freePort()) });
    originals = { cert: readFileSync(node.certFiles.certPath), key: readFileSync(node.certFiles.keyPath), ca: readFileSync(node.certFiles.caPath) };
  }, 120_000);
  afterAll(async () => {
    await mesh?.stop();
  }, 60_000);

  it("is the agent's mechanism for cert-expiry", () => {
    expect(mechanismsByKind["cert-expiry"]?.map((m) => m.name)).toEqual(["cert-swap"]);
  });

  for (const mode of ["expired", "untrusted"] as const) {
    it(`${mode}: handshakes fail while active; the originals come back byte for byte and handshakes work`, async () => {
      expect((await peerHandshake(node, originals)).ok).toBe(true);
      const ctx = await testContext({ id: `cert-${mode}`, kind: "cert-expiry", dataDir: "/tmp", nodePid: () => node.pid });
      expect(certSwap.check(ctx, { mode })).toEqual([]);

      const evidence = await certSwap.apply(ctx, { mode });
      const during = await peerHandshake(node, originals);
      expect(during.ok).toBe(false);
      if (mode === "expired") {
        expect(during.notAfter).toBeLessThan(Date.now());
        expect(evidence.measured.servedNotAfterSeconds! * 1000).toBeLessThan(Date.now());
      } else {
        expect(during.notAfter).toBeGreaterThan(Date.now());
      }
      expect(readFileSync(node.certFiles.certPath).equals(originals.cert)).toBe(false);
      // The kept originals are private to the agent, and no key material reaches the evidence.
      for (const f of ctx.journal.files as { saved: string }[]) expect(statSync(f.saved).mode & 0o777).toBe(0o600);
      const shown = JSON.stringify(evidence);
      expect(shown).not.toMatch(/PRIVATE KEY/);
      expect(shown).not.toContain(originals.key.toString("utf8").split("\n")[1]);
      expect(statSync(node.certFiles.keyPath).mode & 0o777).toBe(0o600);

      // As a restarted agent would, from the journal alone.
      const reverted = await certSwap.revert(ctx.restarted(), { mode });
      expect(reverted.verified).toBe(true);
      expect(readFileSync(node.certFiles.certPath).equals(originals.cert)).toBe(true);
      expect(readFileSync(node.certFiles.keyPath).equals(originals.key)).toBe(true);
      expect(readFileSync(node.certFiles.caPath).equals(originals.ca)).toBe(true);
      expect((await peerHandshake(node, originals)).ok).toBe(true);
      expect(node.exited()).toBe(false);
    });
  }

  it("without a visible node process the check names PID visibility", async () => {
    const ctx = await testContext({ id: "cert-blind", kind: "cert-expiry", dataDir: "/tmp", nodePid: () => null });
    expect(certSwap.check(ctx, { mode: "expired" }).join("\n")).toMatch(/PID visibility: run the sidecar with pid: container:<node>/);
  });
});
