// The typed client of the agent API (agent/protocol.ts): used by the CLI, the scenario runner, the
// tests and the benchmarks. The Pulumi fault resource's provider does NOT import this: its code is
// serialized into the run stack's state, so it speaks to the agent with plain fetch (faults/resource).

import type { z } from "zod";
import { agentApi } from "./contract.ts";
import {
  type ApplyRequest,
  type AppliedFault,
  appliedFault,
  type Capabilities,
  capabilitiesBody,
  errorBody,
  type FaultsBody,
  faultsBody,
  type HealthBody,
  healthBody,
  type RevertedFault,
  revertedFault,
} from "./protocol.ts";

/** A non-2xx answer of the agent, with its error code, detail and (for 412) the missing capabilities. */
export class AgentError extends Error {
  override name = "AgentError";
  readonly status: number;
  readonly code: string;
  readonly missing: readonly string[];
  constructor(url: string, status: number, code: string, detail: string, missing: readonly string[] = []) {
    super(`agent ${url}: ${status} ${code}: ${detail}${missing.length > 0 ? `\n  missing: ${missing.join("\n  missing: ")}` : ""}`);
    this.status = status;
    this.code = code;
    this.missing = missing;
  }
}

export interface AgentClientOptions {
  /** Per-request timeout; apply and revert include verification, which can take seconds. */
  readonly timeoutMs?: number;
}

export class AgentClient {
  readonly url: string;
  readonly #token: string;
  readonly #timeoutMs: number;

  constructor(url: string, token: string, options: AgentClientOptions = {}) {
    this.url = url.replace(/\/+$/, "");
    this.#token = token;
    this.#timeoutMs = options.timeoutMs ?? 30_000;
  }

  async #call<T>(method: string, path: string, schema: z.ZodType<T>, body?: unknown): Promise<T> {
    const res = await fetch(`${this.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${this.#token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(this.#timeoutMs),
    });
    const text = await res.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new AgentError(this.url, res.status, "not_json", text.slice(0, 200));
    }
    if (!res.ok) {
      const e = errorBody.safeParse(json);
      throw e.success
        ? new AgentError(this.url, res.status, e.data.error, e.data.detail, e.data.missing)
        : new AgentError(this.url, res.status, "unexpected", text.slice(0, 200));
    }
    return schema.parse(json);
  }

  health(): Promise<HealthBody> {
    return this.#call("GET", agentApi.paths.health, healthBody);
  }

  capabilities(): Promise<Capabilities> {
    return this.#call("GET", agentApi.paths.capabilities, capabilitiesBody);
  }

  list(): Promise<FaultsBody> {
    return this.#call("GET", agentApi.paths.faults, faultsBody);
  }

  apply(request: ApplyRequest): Promise<AppliedFault> {
    return this.#call("POST", agentApi.paths.faults, appliedFault, request);
  }

  renew(id: string, ttlSeconds: number): Promise<AppliedFault> {
    return this.#call("POST", `${agentApi.paths.faults}/${encodeURIComponent(id)}/renew`, appliedFault, { ttlSeconds });
  }

  revert(id: string): Promise<RevertedFault> {
    return this.#call("DELETE", `${agentApi.paths.faults}/${encodeURIComponent(id)}`, revertedFault);
  }
}
