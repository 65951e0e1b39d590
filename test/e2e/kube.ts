// The local Kubernetes cluster for e2e files that need one: `meshkit-chaos kube up` the way a user runs
// it (idempotent: a healthy cluster answers at once). It is left running; `.ci/run` takes it down at the end.
import { localKubeconfig } from "../../kube/paths.ts";
import { meshkitChaos } from "../support/cli.ts";

let started: Promise<void> | undefined;

/** Brings the local cluster up (or finds it up); throws with the CLI's own output when it cannot start. */
export function useLocalCluster(): Promise<void> {
  started ??= (async () => {
    const up = await meshkitChaos(["kube", "up", "--json"]);
    if (up.exitCode !== 0) {
      started = undefined;
      throw new Error(`the local Kubernetes cluster did not start (meshkit-chaos kube up exited ${up.exitCode}):\n${up.all}`);
    }
    process.env.KUBECONFIG = localKubeconfig;
  })();
  return started;
}
