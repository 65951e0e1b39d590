import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { KubernetesSettings } from "../../config.ts";
import type { Contents } from "../platform.ts";
import type { Manifest } from "./manifest.ts";

export interface KubernetesWorkloadsArgs {
  /** Every object of the environment in creation order, namespace first (objects.ts). */
  readonly objects: readonly Manifest<Contents>[];
  readonly kubernetes: KubernetesSettings;
  /** Kubeconfig when the settings name none: the local cluster's (kube/paths.ts). */
  readonly defaultKubeconfig: string;
}

/** Kinds whose pods need the rest in place first (accounts, Secrets, ConfigMaps, RBAC). */
const workloadKinds = new Set(["Deployment", "StatefulSet", "Prometheus"]);
/** Services wait for their endpoints (the pods): they are created beside the workloads, not before. */
const besideWorkloads = new Set(["Service"]);

/**
 * kwok runs simulated pods but does not keep their readiness (measured: 1,000 pods Running, Ready
 * turned False a minute later), so on simulated nodes the engine does not wait for workloads to be
 * ready; the hyperscale benchmark counts Running pods itself. An engine setting, not part of the object.
 */
function withoutAwait(object: Manifest<Contents>, simulated: boolean): Manifest<Contents> {
  if (!simulated) return object;
  return { ...object, metadata: { ...object.metadata, annotations: { ...object.metadata.annotations, "pulumi.com/skipAwait": "true" } } };
}

/**
 * The environment's Kubernetes objects through an explicit provider (the stack's kubeconfig and
 * context, never the ambient one): one typed Pulumi resource per object. Names are fixed in the
 * namespace, so a replacement deletes the old object first; Secrets stay Pulumi secrets.
 */
export class KubernetesWorkloads extends pulumi.ComponentResource {
  readonly provider: k8s.Provider;
  readonly namespace: k8s.core.v1.Namespace;
  readonly resources: ReadonlyMap<string, pulumi.CustomResource>;

  constructor(name: string, args: KubernetesWorkloadsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("meshkit-chaos:index:KubernetesWorkloads", name, {}, opts);
    const settings = args.kubernetes;
    this.provider = new k8s.Provider(
      `${name}-provider`,
      {
        kubeconfig: settings.kubeconfig ?? args.defaultKubeconfig,
        ...(settings.context ? { context: settings.context } : {}),
        // `env down` after the cluster itself is gone still empties the state.
        deleteUnreachable: true,
      },
      { parent: this },
    );
    const [first, ...rest] = args.objects;
    if (first?.kind !== "Namespace") throw new Error("the environment's Kubernetes objects must start with its namespace");
    const own = { parent: this, provider: this.provider, deleteBeforeReplace: true };
    this.namespace = new k8s.core.v1.Namespace(`${name}-namespace`, first, own);

    const resources = new Map<string, pulumi.CustomResource>();
    const prerequisites: pulumi.Resource[] = [this.namespace];
    for (const object of rest.filter((o) => !workloadKinds.has(o.kind))) {
      const resource = this.create(name, object, { ...own, dependsOn: [this.namespace] });
      resources.set(`${object.kind}/${object.metadata.name}`, resource);
      if (!besideWorkloads.has(object.kind)) prerequisites.push(resource);
    }
    for (const object of rest.filter((o) => workloadKinds.has(o.kind))) {
      resources.set(`${object.kind}/${object.metadata.name}`, this.create(name, withoutAwait(object, settings.simulated), { ...own, dependsOn: prerequisites }));
    }
    this.resources = resources;
    this.registerOutputs({});
  }

  private create(prefix: string, object: Manifest<Contents>, opts: pulumi.CustomResourceOptions): pulumi.CustomResource {
    const name = `${prefix}-${object.kind.toLowerCase()}-${object.metadata.name}`;
    switch (object.kind) {
      case "Namespace":
        return new k8s.core.v1.Namespace(name, object, opts);
      case "Secret":
        // Certificates' keys and the agent token: secret in the state whatever the inputs were.
        return new k8s.core.v1.Secret(name, { ...object, stringData: pulumi.secret(object.stringData) }, opts);
      case "ConfigMap":
        return new k8s.core.v1.ConfigMap(name, object, opts);
      case "ServiceAccount":
        return new k8s.core.v1.ServiceAccount(name, object, opts);
      case "Service":
        return new k8s.core.v1.Service(name, object as unknown as k8s.core.v1.ServiceArgs, opts);
      case "Role":
        return new k8s.rbac.v1.Role(name, object as unknown as k8s.rbac.v1.RoleArgs, opts);
      case "RoleBinding":
        return new k8s.rbac.v1.RoleBinding(name, object as unknown as k8s.rbac.v1.RoleBindingArgs, opts);
      case "StatefulSet":
        return new k8s.apps.v1.StatefulSet(name, object as unknown as k8s.apps.v1.StatefulSetArgs, opts);
      case "Deployment":
        return new k8s.apps.v1.Deployment(name, object as unknown as k8s.apps.v1.DeploymentArgs, opts);
      case "PodMonitor":
      case "PrometheusRule":
      case "Prometheus":
        return new k8s.apiextensions.CustomResource(name, { ...object } as k8s.apiextensions.CustomResourceArgs, opts);
    }
  }
}
