// Certificates and the data-plane transport on real processes: an expired certificate causes
// handshake failures and cuts the node off, a valid one heals it without a restart; a blocked UDP
// path makes clients fall back to HTTP/2 over TCP while requests keep succeeding.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chaosNames, chaosToggle, metrics, transportLabels } from "../../../contract/meshkit.ts";
import { createLeaf, writeLeaf } from "../../../node/local/certs.ts";
import { type LocalMesh, type LocalProcess, startLocalMesh } from "../../../node/local/mesh.ts";
import { meshFormed, metricsText, peerStatuses, post, sample, waitFor } from "./helpers.ts";

describe("certificates and transport", () => {
  let mesh: LocalMesh;
  beforeAll(async () => {
    // A higher workload rate so transport counters move quickly.
    mesh = await startLocalMesh({ nodes: 3, env: { mesh__workload__rate: "10" } });
    await meshFormed(mesh.nodes.map((n) => n.controlUrl));
  }, 120_000);
  afterAll(async () => {
    await mesh?.stop();
  }, 60_000);

  const handshakeFailures = async (nodes: LocalProcess[]) =>
    (await Promise.all(nodes.map((n) => metricsText(n.controlUrl)))).reduce((s, t) => s + sample(t, metrics.tlsHandshakeFailures.name), 0);

  it("an expired certificate causes handshake failures; a valid one heals it without restart", async () => {
    const [a, b, target] = mesh.nodes as [LocalProcess, LocalProcess, LocalProcess];
    const dir = target.certFiles.certPath.replace(/\/tls\.crt$/, "");
    const validNotAfter = sample(await metricsText(target.controlUrl), metrics.tlsCertificateNotAfter.name, { listener: "gossip" });
    expect(validNotAfter * 1000).toBeGreaterThan(Date.now());
    const before = await handshakeFailures(mesh.nodes);

    writeLeaf(dir, await createLeaf(mesh.ca, target.nodeId, { expired: true }), mesh.ca.certPem);
    await waitFor("expired notAfter exported", 10_000, async () => {
      const v = sample(await metricsText(target.controlUrl), metrics.tlsCertificateNotAfter.name, { listener: "gossip" });
      return v * 1000 < Date.now() ? v : undefined;
    });
    await waitFor("handshake failures counted", 15_000, async () => ((await handshakeFailures(mesh.nodes)) > before ? true : undefined));
    await waitFor(`${target.nodeId} Suspect at the others`, 20_000, async () => {
      const v = await Promise.all([a, b].map((o) => peerStatuses(o.controlUrl)));
      return v.every((x) => x[target.nodeId] === "Suspect") || undefined;
    });

    writeLeaf(dir, await createLeaf(mesh.ca, target.nodeId), mesh.ca.certPem);
    await waitFor(`${target.nodeId} Alive again`, 20_000, async () => {
      const v = await Promise.all([a, b].map((o) => peerStatuses(o.controlUrl)));
      return v.every((x) => x[target.nodeId] === "Alive") || undefined;
    });
    expect(target.exited()).toBe(false);
    expect(sample(await metricsText(target.controlUrl), metrics.tlsCertificateNotAfter.name, { listener: "gossip" }) * 1000).toBeGreaterThan(
      Date.now(),
    );
  });

  it("blocking the UDP path raises the fallback counter while requests keep succeeding", async () => {
    const fallbacks = async () =>
      (await Promise.all(mesh.nodes.map((n) => metricsText(n.controlUrl)))).reduce(
        (s, t) => s + sample(t, metrics.httpClientFallbacks.name, { http_observed_protocol: transportLabels.fallbackObservedProtocol }),
        0,
      );
    const served = async (transport: string, outcome: string) =>
      (await Promise.all(mesh.nodes.map((n) => metricsText(n.controlUrl)))).reduce(
        (s, t) => s + sample(t, metrics.httpRequestsCompleted.name, { network_transport: transport, outcome }),
        0,
      );
    // UDP is preferred while nothing blocks it.
    await waitFor("requests over UDP", 15_000, async () => ((await served("udp", "success")) > 0 ? true : undefined));
    const f0 = await fallbacks();
    const tcp0 = await served("tcp", "success");
    const fail0 = await served("tcp", "failure");

    // Every node drops datagrams on its data-plane UDP port, as a firewall rule would.
    for (const n of mesh.nodes) expect((await post(`${n.controlUrl}${chaosToggle(chaosNames.udpBlackhole, "start")}`)).status).toBe(200);
    try {
      await waitFor("fallbacks counted and requests served over TCP", 20_000, async () =>
        (await fallbacks()) >= f0 + 5 && (await served("tcp", "success")) >= tcp0 + 10 ? true : undefined,
      );
      expect(await served("tcp", "failure")).toBe(fail0);
    } finally {
      for (const n of mesh.nodes) await post(`${n.controlUrl}${chaosToggle(chaosNames.udpBlackhole, "stop")}`);
    }
  });
});
