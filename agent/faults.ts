// The faults this agent has applied and not yet reverted. Fault mechanisms (agent/mechanisms/, one
// file per mechanism) add and remove entries; the API and the metrics only read.

import { type FaultKind, faultKinds } from "../contract/meshkit.ts";

export interface ActiveFault {
  readonly id: string;
  readonly kind: FaultKind;
}

export class ActiveFaults {
  readonly #byId = new Map<string, ActiveFault>();

  add(fault: ActiveFault): void {
    if (this.#byId.has(fault.id)) throw new Error(`fault ${fault.id} is already active`);
    this.#byId.set(fault.id, fault);
  }

  remove(id: string): void {
    this.#byId.delete(id);
  }

  list(): readonly ActiveFault[] {
    return [...this.#byId.values()];
  }

  /** Every catalog kind, 0 when none is active, so dashboards have a series on an idle environment. */
  countByKind(): ReadonlyMap<FaultKind, number> {
    const counts = new Map<FaultKind, number>(faultKinds.map((k) => [k, 0]));
    for (const f of this.#byId.values()) counts.set(f.kind, (counts.get(f.kind) ?? 0) + 1);
    return counts;
  }
}
