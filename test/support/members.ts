// Looking at an environment's members from outside the agent, whatever the platform: commands in a
// node's or its sidecar's container (`docker exec`, or `kubectl exec -n <ns> <pod> -c <container>`),
// how much CPU and memory a container uses (`docker stats`, or the container's own cgroup files: the
// local cluster runs no metrics server), the name another member resolves it by, and the kernel state
// a fault must leave exactly as it found it.

import { execa } from "execa";
import { execInMember, kubectl, placementOf, type MemberContainer, type Placement } from "../../runner/members.ts";

export type { MemberContainer, Placement };

export interface ExecResult {
  readonly ok: boolean;
  readonly stdout: string;
  readonly stderr: string;
}

const transient = /^(ps|bash|sh|head|grep|cat|timeout|runc\S*) /;

/** Counters differ from read to read, and Docker's embedded-DNS rules name a random port that a
 *  restarted node container gets anew: neither is state a fault could leave. */
const stable = (s: string) =>
  s
    .split("\n")
    .filter((l) => !l.startsWith("#"))
    .map((l) => l.replace(/\[\d+:\d+\]/g, ""))
    .map((l) => (l.includes("DOCKER_") ? l.replace(/:\d+\b/g, ":PORT").replace(/(--[ds]port) \d+/g, "$1 PORT") : l))
    .map((l) => l.trimEnd())
    .join("\n")
    // A table of empty accept-policy base chains filters nothing (a pod's namespace has no nat table
    // until the first REDIRECT made one), as the agent's own comparison says (agent/kernel-state.ts).
    .replace(/^\*\S+\n(?::\S+ ACCEPT\n)*COMMIT$\n?/gm, "");

// One cgroup-v1 (or v2) read of the container's own CPU time (ns) and memory without the inactive
// page cache (bytes), as `docker stats` counts it.
const cgroupSample = [
  "cpu=$(cat /sys/fs/cgroup/cpuacct/cpuacct.usage 2>/dev/null || cat /sys/fs/cgroup/cpu,cpuacct/cpuacct.usage 2>/dev/null || echo $(( $(sed -n 's/^usage_usec //p' /sys/fs/cgroup/cpu.stat) * 1000 )))",
  "mem=$(cat /sys/fs/cgroup/memory/memory.usage_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.current)",
  "inactive=$(sed -n 's/^total_inactive_file //p' /sys/fs/cgroup/memory/memory.stat 2>/dev/null || sed -n 's/^inactive_file //p' /sys/fs/cgroup/memory.stat)",
  'echo "$(date +%s%N) $cpu $(( mem - ${inactive:-0} ))"',
].join("; ");

export class Members {
  readonly place: Placement;

  constructor(place: Placement) {
    this.place = place;
  }

  /** The stack's members where its settings (and its outputs, when given) say they run. */
  static of(stack: string, outputs?: object): Members {
    return new Members(placementOf(stack, outputs));
  }

  get platform(): Placement["platform"] {
    return this.place.platform;
  }

  exec(member: string, container: MemberContainer, command: readonly string[], timeoutMs = 20_000): Promise<ExecResult> {
    return execInMember(this.place, member, container, command, timeoutMs);
  }

  /** The name other members resolve this one by: its hostname on Docker's network, `<pod>.<subdomain>` in a cluster. */
  async dnsName(member: string): Promise<string> {
    if (this.place.platform === "docker") return member;
    const r = await kubectl(this.place, ["get", "pod", member, "-o", "jsonpath={.spec.hostname} {.spec.subdomain}"]);
    const [hostname, subdomain] = r.stdout.trim().split(" ");
    if (r.exitCode !== 0 || !subdomain) throw new Error(`pod ${member} in ${this.place.namespace} has no hostname/subdomain (headless Service) to resolve it by: ${r.all}`);
    return `${hostname || member}.${subdomain}`;
  }

  /** CPU use of a member's container in percent of one core, over about a second. */
  async cpuPercent(member: string, container: MemberContainer): Promise<number> {
    if (this.place.platform === "docker") {
      const name = `mkc-${this.place.stack}-${container === "node" ? member : `${member}-agent`}`;
      return Number.parseFloat((await execa("docker", ["stats", "--no-stream", "--format", "{{.CPUPerc}}", name])).stdout);
    }
    const a = await this.#cgroup(member, container);
    await new Promise((r) => setTimeout(r, 1_500));
    const b = await this.#cgroup(member, container);
    return ((b.cpuNs - a.cpuNs) / (b.atNs - a.atNs)) * 100;
  }

  /** Memory a member's container holds, in MiB (without the inactive page cache, as Docker counts it). */
  async memoryMiB(member: string, container: MemberContainer): Promise<number> {
    if (this.place.platform === "docker") {
      const name = `mkc-${this.place.stack}-${container === "node" ? member : `${member}-agent`}`;
      const usage = (await execa("docker", ["stats", "--no-stream", "--format", "{{.MemUsage}}", name])).stdout.split("/")[0]!.trim();
      const m = /([\d.]+)\s*([KMG]i?B)/.exec(usage)!;
      return Number(m[1]) * ({ KiB: 1 / 1024, MiB: 1, GiB: 1024 } as Record<string, number>)[m[2]!]!;
    }
    return (await this.#cgroup(member, container)).memoryBytes / 2 ** 20;
  }

  async #cgroup(member: string, container: MemberContainer): Promise<{ atNs: number; cpuNs: number; memoryBytes: number }> {
    const r = await this.exec(member, container, ["sh", "-c", cgroupSample]);
    const [at, cpu, memory] = r.stdout.trim().split(" ").map(Number);
    if (!r.ok || [at, cpu, memory].some((n) => n === undefined || Number.isNaN(n))) {
      throw new Error(`cannot read the cgroup of ${member}/${container}: ${r.stdout} ${r.stderr}`);
    }
    return { atNs: at!, cpuNs: cpu!, memoryBytes: memory! };
  }

  /**
   * What faults may change in a node's namespaces, as seen through its sidecar: firewall rules (without
   * counters), qdiscs, the node's processes and the files of its data volume, and the node's certificates.
   */
  async kernelState(node: string): Promise<Record<string, string>> {
    // One after the other, so no probe shows up in another's process list.
    const processes = await this.exec(node, "agent", ["ps", "-eo", "comm,stat", "--no-headers"]);
    const rules = await this.exec(node, "agent", ["iptables-save", "-t", "filter"]);
    const nat = await this.exec(node, "agent", ["iptables-save", "-t", "nat"]);
    const qdiscs = await this.exec(node, "agent", ["tc", "qdisc", "show"]);
    const files = await this.exec(node, "agent", ["find", "/var/lib/meshkit", "-maxdepth", "1", "-mindepth", "1", "-not", "-name", ".meshkit-agent"]);
    // The node's own certificate files: a cert-expiry fault swaps them inside the node's container.
    const certificates = await this.exec(node, "node", ["bash", "-c", "sha256sum /etc/meshkit/tls/*"]);
    return {
      filter: stable(rules.stdout),
      nat: stable(nat.stdout),
      qdiscs: qdiscs.stdout,
      // The long-lived processes of the node's PID namespace and their states (R/S/T): health checks
      // (bash, head, grep), `docker exec` (runc) and this probe's own ps come and go every second.
      processes: processes.stdout
        .split("\n")
        .map((l) => l.trim().replace(/\s+/, " ").replace(/ ([RSDI])\S*$/, " running"))
        .filter((l) => l && !transient.test(l))
        .sort()
        .join("\n"),
      files: files.stdout,
      certificates: certificates.stdout,
    };
  }
}
