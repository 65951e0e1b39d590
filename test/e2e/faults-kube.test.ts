// Every fault kind on the `kube` stack (test/e2e/fault-checks.ts): the same checks as on Docker, through
// the agent sidecars of real pods on the local cluster, observed with kubectl exec and the containers'
// cgroups. membership-surge is not run here: the test says so in its name and checks the refusal.
// The environment is destroyed afterwards; the local cluster stays up for the next file.
import { faultChecks } from "./fault-checks.ts";
import { requireEngines } from "./engines.ts";
import { useLocalCluster } from "./kube.ts";

faultChecks({
  stack: "kube",
  prepare: async () => {
    await requireEngines();
    await useLocalCluster();
  },
  destroyAfter: true,
});
