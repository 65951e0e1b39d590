// Looking at the environment's containers from outside the agent: commands run with `docker exec` in
// a node's or a sidecar's namespaces, and the kernel state a fault must leave exactly as it found it.

import { execa } from "execa";

/** Container name of a service of an environment stack (components/model: `mkc-<stack>-<service>`). */
export const containerOf = (stack: string, service: string): string => `mkc-${stack}-${service}`;

export async function execIn(container: string, command: readonly string[], timeoutMs = 20_000): Promise<{ ok: boolean; stdout: string; stderr: string }> {
  const r = await execa("docker", ["exec", container, ...command], { reject: false, timeout: timeoutMs });
  return { ok: r.exitCode === 0, stdout: r.stdout, stderr: r.stderr };
}

const transient = /^(ps|bash|sh|head|grep|cat|timeout|runc\S*) /;

/**
 * What faults may change in a node's namespaces, as seen through its sidecar: firewall rules (without
 * counters), qdiscs, the node's processes and the files of its data volume.
 */
export async function kernelState(stack: string, node: string): Promise<Record<string, string>> {
  const sidecar = containerOf(stack, `${node}-agent`);
  // One after the other, so no probe shows up in another's process list.
  const processes = await execIn(sidecar, ["ps", "-eo", "comm,stat", "--no-headers"]);
  const rules = await execIn(sidecar, ["iptables-save", "-t", "filter"]);
  const nat = await execIn(sidecar, ["iptables-save", "-t", "nat"]);
  const qdiscs = await execIn(sidecar, ["tc", "qdisc", "show"]);
  const files = await execIn(sidecar, ["find", "/var/lib/meshkit", "-maxdepth", "1", "-mindepth", "1", "-not", "-name", ".meshkit-agent"]);
  // The node's own certificate files: a cert-expiry fault swaps them inside the node's container.
  const certificates = await execIn(containerOf(stack, node), ["bash", "-c", "sha256sum /etc/meshkit/tls/*"]);
  // Counters differ from read to read, and Docker's embedded-DNS rules name a random port that a
  // restarted node container gets anew: neither is state a fault could leave.
  const stable = (s: string) =>
    s
      .split("\n")
      .filter((l) => !l.startsWith("#"))
      .map((l) => l.replace(/\[\d+:\d+\]/g, ""))
      .map((l) => (l.includes("DOCKER_") ? l.replace(/:\d+\b/g, ":PORT").replace(/(--[ds]port) \d+/g, "$1 PORT") : l))
      .join("\n");
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
