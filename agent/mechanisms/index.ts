// Which mechanisms can apply each fault kind, in order of preference: the agent uses the first whose
// `check` passes (e.g. netem where the kernel has sch_netem, else the NFQUEUE delayer) and reports it.
// Each mechanism lives in its own file in this folder and adds its line(s) here.

import type { FaultKind } from "../../contract/meshkit.ts";
import { dnsResponder } from "./dns.ts";
import { iptablesPacketLoss, iptablesPartition, iptablesTransportDowngrade } from "./iptables.ts";
import { certSwap } from "./cert-swap.ts";
import { diskFill } from "./disk-fill.ts";
import { leaderKill, processKill, processPause } from "./signal.ts";
import { cpuStress, memoryPressure } from "./stress.ts";
import type { Mechanism } from "./mechanism.ts";
import { nodeToggleMechanisms } from "./node-toggle.ts";
import { netemLatency, netemLoss } from "./netem.ts";
import { nfqueueDelay } from "./nfqueue-delay.ts";
import { tbf } from "./tbf.ts";

// biome-ignore lint: mechanisms differ in their params type; the core validates with `params` first.
type AnyMechanism = Mechanism<any>;

const nodeToggles = nodeToggleMechanisms();

export const mechanismsByKind: Partial<Record<FaultKind, readonly AnyMechanism[]>> = {
  "dns-failure": [dnsResponder],
  "http-fault": [nodeToggles["http-fault"]],
  "invalid-signature": [nodeToggles["invalid-signature"]],
  "clock-skew": [nodeToggles["clock-skew"]],
  "network-latency": [netemLatency, nfqueueDelay],
  bandwidth: [tbf],
  "network-partition": [iptablesPartition],
  "transport-downgrade": [iptablesTransportDowngrade],
  "packet-loss": [netemLoss, iptablesPacketLoss],
  "process-kill": [processKill],
  "leader-kill": [leaderKill],
  "process-pause": [processPause],
  "cpu-stress": [cpuStress],
  "memory-pressure": [memoryPressure],
  "disk-fill": [diskFill],
  "cert-expiry": [certSwap],
};
