// The agent capabilities a fault kind needs, by the field names of agent/protocol.ts `Capabilities`,
// and how to grant each one. The agent checks again before applying; the catalog checks first so a
// dry-run already says what is missing.

import type { Capabilities } from "../agent/protocol.ts";

const probe = {
  netAdmin: (c: Capabilities) => c.netAdmin,
  schNetem: (c: Capabilities) => c.schNetem,
  tbf: (c: Capabilities) => c.tbf,
  "iptables.available": (c: Capabilities) => c.iptables.available,
  "iptables.statisticMatch": (c: Capabilities) => c.iptables.statisticMatch,
  "pidVisibility.nodeProcessVisible": (c: Capabilities) => c.pidVisibility.nodeProcessVisible,
  "stressTools.stressNg": (c: Capabilities) => c.stressTools.stressNg,
} as const satisfies Record<string, (c: Capabilities) => boolean>;

export type CapabilityName = keyof typeof probe;
export const capabilityNames = Object.keys(probe) as CapabilityName[];

const howToGrant: Record<CapabilityName, string> = {
  netAdmin: "grant NET_ADMIN to the fault sidecar (docker: --cap-add NET_ADMIN; kubernetes: securityContext.capabilities.add)",
  schNetem: "load the netem qdisc on the host kernel (modprobe sch_netem)",
  tbf: "load the tbf qdisc on the host kernel (modprobe sch_tbf)",
  "iptables.available": "install iptables in the agent image and grant NET_ADMIN to the sidecar",
  "iptables.statisticMatch": "load the iptables statistic match on the host kernel (modprobe xt_statistic)",
  "pidVisibility.nodeProcessVisible": "run the sidecar in the node's PID namespace (docker: --pid container:<node>; kubernetes: shareProcessNamespace: true)",
  "stressTools.stressNg": "install stress-ng in the agent image",
};

/** Every name in `all` is needed, and at least one of each `anyOf` group (alternative mechanisms). */
export interface CapabilityNeed {
  readonly all: readonly CapabilityName[];
  readonly anyOf: readonly (readonly CapabilityName[])[];
}

export const needs = (all: readonly CapabilityName[], ...anyOf: (readonly CapabilityName[])[]): CapabilityNeed => ({ all, anyOf });

/** What is missing from `caps` for `need`, each entry naming the capability and how to grant it. */
export function missingCapabilities(need: CapabilityNeed, caps: Capabilities): string[] {
  const missing = need.all.filter((n) => !probe[n](caps)).map((n) => `${n}: ${howToGrant[n]}`);
  for (const group of need.anyOf) {
    if (!group.some((n) => probe[n](caps))) {
      missing.push(`one of ${group.join(" or ")}: ${group.map((n) => howToGrant[n]).join("; or ")}`);
    }
  }
  return missing;
}

export const describeNeed = (need: CapabilityNeed): string[] => [
  ...need.all,
  ...need.anyOf.map((g) => g.join("|")),
];
