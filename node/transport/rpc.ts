// The data-plane RPC core shared by the TLS (HTTP/1.1, HTTP/2) and UDP listeners: drain and chaos
// gates, the procedure itself, signing, and the completed/duration metrics per transport.
import { chaosNames, transportLabels } from "../../contract/meshkit.ts";
import type { ChaosToggles } from "../control/chaos.ts";
import type { Metrics } from "../metrics.ts";
import type { CertificateSource } from "../tls/certificates.ts";
import { HttpError } from "./http-util.ts";
import { corrupt, sign, signingKey } from "./signature.ts";

export type Procedure = (body: unknown) => Promise<unknown> | unknown;

export interface RpcReply {
  readonly status: number;
  readonly body: string;
  readonly signature: string;
  readonly headers: Record<string, string>;
}

export type TransportKind = keyof Pick<typeof transportLabels, "udp" | "http2" | "http1">;

export interface RpcCore {
  handle(path: string, body: unknown, transport: TransportKind): Promise<RpcReply>;
}

export interface RpcGates {
  readonly draining: () => boolean;
  readonly chaos: ChaosToggles;
  readonly activeRequests: { value: number };
}

export function createRpcCore(
  procedures: Record<string, Procedure>,
  gates: RpcGates,
  certs: CertificateSource,
  metrics: Metrics,
): RpcCore {
  let key = signingKey(certs.current().ca);
  certs.onChange((m) => {
    key = signingKey(m.ca);
  });
  const reply = (status: number, value: unknown, headers: Record<string, string> = {}): RpcReply => {
    const body = JSON.stringify(value);
    return { status, body, signature: sign(key, body), headers };
  };

  return {
    async handle(path, body, transport) {
      const started = performance.now();
      gates.activeRequests.value++;
      let r: RpcReply;
      try {
        const proc = procedures[path];
        if (gates.draining()) r = reply(503, { error: "draining" }, { "retry-after": "5" });
        else if (!proc) r = reply(404, { error: `unknown procedure ${path}` });
        else {
          const slow = gates.chaos.hits(chaosNames.slowHandlers);
          if (slow) await new Promise((res) => setTimeout(res, slow.delayMs));
          if (gates.chaos.hits(chaosNames.failingHandlers)) r = reply(500, { error: "injected failure (chaos failing-handlers)" });
          else {
            try {
              r = reply(200, await proc(body));
            } catch (e) {
              r = reply(e instanceof HttpError ? e.status : 500, { error: (e as Error).message });
            }
          }
          if (gates.chaos.hits(chaosNames.invalidSignature)) r = { ...r, signature: corrupt(r.signature) };
        }
      } finally {
        gates.activeRequests.value--;
      }
      const labels = transportLabels[transport];
      const outcome = r.status < 500 ? "success" : "failure";
      metrics.httpRequestsCompleted.inc({
        rpc_protocol: "http",
        ...labels,
        http_response_status_code: String(r.status),
        outcome,
      });
      metrics.httpRequestDuration.observe({ rpc_protocol: "http", ...labels, outcome }, performance.now() - started);
      return r;
    },
  };
}
