// Cluster DNS: CoreDNS as a host process on the node IP (kubelet gives pods that address), serving
// cluster.local from the API server with its own token user. Names outside the cluster are refused:
// nothing here may reach the outside world.
import { Resolver } from "node:dns/promises";
import { join } from "node:path";
import type { ProcessSpec } from "./processes.ts";
import { binary } from "./toolchain.ts";
import { localContext, network, statePaths } from "./paths.ts";
import { tokenUsers } from "./pki.ts";

export const corefilePath = join(statePaths.config, "Corefile");

export function renderCorefile(kubeconfig: string = tokenUsers.coredns.kubeconfig): string {
  // Only cluster zones have a server block: CoreDNS answers REFUSED for every other name.
  return `${network.clusterDomain}:53 in-addr.arpa:53 ip6.arpa:53 {
    bind ${network.dnsIp}
    errors
    kubernetes ${network.clusterDomain} in-addr.arpa ip6.arpa {
        kubeconfig ${kubeconfig} ${localContext}
        pods insecure
        fallthrough in-addr.arpa ip6.arpa
        ttl 5
    }
    cache 5
}
`;
}

export function corednsSpec(): ProcessSpec {
  return { name: "coredns", command: binary("coredns"), args: ["-conf", corefilePath, "-dns.port", "53"] };
}

/** Whether cluster DNS answers: the `kubernetes` Service's name resolves to its ClusterIP. */
export async function dnsAnswers(): Promise<boolean> {
  const resolver = new Resolver({ timeout: 1000, tries: 1 });
  resolver.setServers([network.dnsIp]);
  try {
    const addresses = await resolver.resolve4(`kubernetes.default.svc.${network.clusterDomain}`);
    return addresses.includes(network.kubernetesServiceIp);
  } catch {
    return false;
  }
}
