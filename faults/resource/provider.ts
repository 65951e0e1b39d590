// The Fault resource's dynamic provider. Pulumi serializes this object's code into the run stack's
// state and runs *that* copy on delete, so it stays tiny and stable: plain fetch, no imports, no
// schemas (the agent validates every request; agent/protocol.ts is the contract).
//
// create = apply (the agent answers once the fault is verified active), delete = revert (once verified
// reverted), read = list (a fault the lease or a human removed reads as gone), update = renew.

import type * as pulumi from "@pulumi/pulumi";

export interface FaultProps {
  readonly agentUrl: string;
  readonly token: string;
  readonly faultId: string;
  readonly node: string;
  readonly kind: string;
  readonly params: Record<string, unknown>;
  readonly targets: string[];
  readonly ttlSeconds: number;
}

export const faultProvider: pulumi.dynamic.ResourceProvider = {
  async create(inputs: FaultProps) {
    const res = await fetch(`${inputs.agentUrl}/v1/faults`, {
      method: "POST",
      headers: { authorization: `Bearer ${inputs.token}`, "content-type": "application/json" },
      body: JSON.stringify({ id: inputs.faultId, kind: inputs.kind, params: inputs.params, targets: inputs.targets, ttlSeconds: inputs.ttlSeconds }),
      signal: AbortSignal.timeout(60_000),
    });
    const body = await res.json();
    if (!res.ok) {
      const missing = Array.isArray(body.missing) ? `; missing: ${body.missing.join("; ")}` : "";
      throw new Error(`${inputs.node}: apply ${inputs.kind} failed: ${res.status} ${body.error}: ${body.detail}${missing}`);
    }
    return {
      id: `${inputs.faultId}@${inputs.node}`,
      outs: { ...inputs, mechanism: body.mechanism, appliedAt: body.appliedAt, applyMs: body.applyMs, evidence: body.evidence.lines },
    };
  },

  async delete(_id: string, props: FaultProps) {
    // An agent that cannot be reached (its container was removed) holds no fault: the fault lived in
    // that container's namespaces, and the lease and journal revert it wherever the agent lives on.
    let res: Response;
    try {
      res = await fetch(`${props.agentUrl}/v1/faults/${encodeURIComponent(props.faultId)}`, {
        method: "DELETE",
        headers: { authorization: `Bearer ${props.token}` },
        signal: AbortSignal.timeout(60_000),
      });
    } catch (error) {
      const code = (error as { cause?: { code?: string } }).cause?.code;
      if (code === "ECONNREFUSED" || code === "EHOSTUNREACH" || code === "ENOTFOUND") return;
      throw error;
    }
    if (res.status === 404) return; // already reverted (lease expiry, a human, journal recovery)
    const body = await res.json();
    if (!res.ok) throw new Error(`${props.node}: revert ${props.faultId} failed: ${res.status} ${body.error}: ${body.detail}`);
    if (body.verified !== true) throw new Error(`${props.node}: revert ${props.faultId} could not be verified: ${body.evidence.lines.join("; ")}`);
  },

  async read(id: string, props: FaultProps) {
    const res = await fetch(`${props.agentUrl}/v1/faults`, {
      headers: { authorization: `Bearer ${props.token}` },
      signal: AbortSignal.timeout(10_000),
    });
    if (!res.ok) throw new Error(`${props.node}: list faults failed: ${res.status}`);
    const body = await res.json();
    const active = body.faults.find((f: { id: string }) => f.id === props.faultId);
    // An empty id tells the engine the resource is gone.
    return active ? { id, props: { ...props, leaseExpiresAt: active.leaseExpiresAt } } : { id: "", props };
  },

  async diff(_id: string, olds: FaultProps, news: FaultProps) {
    const replaces = ["agentUrl", "faultId", "node", "kind", "params", "targets"].filter(
      (k) => JSON.stringify((olds as unknown as Record<string, unknown>)[k]) !== JSON.stringify((news as unknown as Record<string, unknown>)[k]),
    );
    const changes = replaces.length > 0 || olds.ttlSeconds !== news.ttlSeconds || olds.token !== news.token;
    return { changes, replaces, deleteBeforeReplace: true };
  },

  async update(_id: string, olds: FaultProps & Record<string, unknown>, news: FaultProps) {
    // Only the lease (or the token after a rotation) can change in place: renew with the new TTL.
    const res = await fetch(`${news.agentUrl}/v1/faults/${encodeURIComponent(news.faultId)}/renew`, {
      method: "POST",
      headers: { authorization: `Bearer ${news.token}`, "content-type": "application/json" },
      body: JSON.stringify({ ttlSeconds: news.ttlSeconds }),
      signal: AbortSignal.timeout(10_000),
    });
    const body = await res.json();
    if (!res.ok) throw new Error(`${news.node}: renew ${news.faultId} failed: ${res.status} ${body.error}: ${body.detail}`);
    return { outs: { ...olds, ...news, leaseExpiresAt: body.leaseExpiresAt } };
  },
};
