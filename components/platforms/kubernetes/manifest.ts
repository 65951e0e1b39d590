// The few Kubernetes object shapes the environment uses, as plain data. `C` is the type of secret and
// file contents, as in the neutral model: Pulumi outputs for the Pulumi layer, plain strings for YAML.
// Only the fields we set are declared; the API server validates the rest.

export interface ObjectMeta {
  readonly name: string;
  readonly namespace?: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
}

export interface EnvVar {
  readonly name: string;
  readonly value?: string;
  readonly valueFrom?:
    | { readonly fieldRef: { readonly fieldPath: string } }
    | { readonly secretKeyRef: { readonly name: string; readonly key: string } };
}

export interface ContainerPort {
  readonly name: string;
  readonly containerPort: number;
  readonly protocol: "TCP" | "UDP";
}

export interface Probe {
  readonly httpGet: { readonly path: string; readonly port: number | string };
  readonly periodSeconds: number;
  readonly timeoutSeconds: number;
  readonly failureThreshold: number;
  readonly initialDelaySeconds?: number;
}

export interface VolumeMountSpec {
  readonly name: string;
  readonly mountPath: string;
  readonly readOnly?: boolean;
}

export interface Container {
  readonly name: string;
  readonly image: string;
  readonly imagePullPolicy: "Never" | "IfNotPresent";
  readonly command?: readonly string[];
  readonly args?: readonly string[];
  readonly env?: readonly EnvVar[];
  readonly ports?: readonly ContainerPort[];
  readonly volumeMounts?: readonly VolumeMountSpec[];
  readonly readinessProbe?: Probe;
  readonly securityContext?: {
    readonly capabilities?: { readonly add?: readonly string[]; readonly drop?: readonly string[] };
    readonly allowPrivilegeEscalation?: boolean;
  };
}

export type Volume =
  | { readonly name: string; readonly emptyDir: { readonly medium?: "Memory"; readonly sizeLimit?: string } }
  | { readonly name: string; readonly configMap: { readonly name: string } }
  | { readonly name: string; readonly secret: { readonly secretName: string; readonly defaultMode?: number } }
  | { readonly name: string; readonly projected: { readonly defaultMode?: number; readonly sources: readonly ProjectedSource[] } };

export type ProjectedSource =
  | { readonly secret: { readonly name: string } }
  | { readonly configMap: { readonly name: string; readonly items: readonly { readonly key: string; readonly path: string }[] } };

export interface PodSpec {
  readonly serviceAccountName: string;
  readonly automountServiceAccountToken: boolean;
  readonly enableServiceLinks: false;
  readonly shareProcessNamespace?: boolean;
  readonly hostname?: string;
  readonly subdomain?: string;
  readonly terminationGracePeriodSeconds: number;
  readonly dnsConfig?: { readonly searches: readonly string[] };
  readonly nodeSelector?: Readonly<Record<string, string>>;
  readonly tolerations?: readonly { readonly key: string; readonly operator: "Equal"; readonly value: string; readonly effect: string }[];
  readonly initContainers?: readonly Container[];
  readonly containers: readonly Container[];
  readonly volumes: readonly Volume[];
}

export interface PodTemplate {
  readonly metadata: { readonly labels: Readonly<Record<string, string>>; readonly annotations?: Readonly<Record<string, string>> };
  readonly spec: PodSpec;
}

export interface Namespace {
  readonly apiVersion: "v1";
  readonly kind: "Namespace";
  readonly metadata: ObjectMeta;
}

export interface Secret<C> {
  readonly apiVersion: "v1";
  readonly kind: "Secret";
  readonly metadata: ObjectMeta;
  readonly type: "Opaque";
  readonly stringData: Readonly<Record<string, C>>;
}

export interface ConfigMap<C> {
  readonly apiVersion: "v1";
  readonly kind: "ConfigMap";
  readonly metadata: ObjectMeta;
  readonly data: Readonly<Record<string, C>>;
}

export interface ServiceAccount {
  readonly apiVersion: "v1";
  readonly kind: "ServiceAccount";
  readonly metadata: ObjectMeta;
  readonly automountServiceAccountToken: boolean;
}

export interface Role {
  readonly apiVersion: "rbac.authorization.k8s.io/v1";
  readonly kind: "Role";
  readonly metadata: ObjectMeta;
  readonly rules: readonly { readonly apiGroups: readonly string[]; readonly resources: readonly string[]; readonly verbs: readonly string[] }[];
}

export interface RoleBinding {
  readonly apiVersion: "rbac.authorization.k8s.io/v1";
  readonly kind: "RoleBinding";
  readonly metadata: ObjectMeta;
  readonly roleRef: { readonly apiGroup: "rbac.authorization.k8s.io"; readonly kind: "Role"; readonly name: string };
  readonly subjects: readonly { readonly kind: "ServiceAccount"; readonly name: string; readonly namespace: string }[];
}

export interface ServicePort {
  readonly name: string;
  readonly port: number;
  readonly targetPort: number;
  readonly protocol: "TCP" | "UDP";
  readonly nodePort?: number;
}

export interface Service {
  readonly apiVersion: "v1";
  readonly kind: "Service";
  readonly metadata: ObjectMeta;
  readonly spec: {
    readonly type: "ClusterIP" | "NodePort";
    readonly clusterIP?: "None";
    readonly publishNotReadyAddresses?: boolean;
    readonly selector: Readonly<Record<string, string>>;
    readonly ports: readonly ServicePort[];
  };
}

export interface StatefulSet {
  readonly apiVersion: "apps/v1";
  readonly kind: "StatefulSet";
  readonly metadata: ObjectMeta;
  readonly spec: {
    readonly serviceName: string;
    readonly replicas: number;
    readonly ordinals: { readonly start: number };
    readonly podManagementPolicy: "Parallel";
    readonly selector: { readonly matchLabels: Readonly<Record<string, string>> };
    readonly template: PodTemplate;
  };
}

export interface Deployment {
  readonly apiVersion: "apps/v1";
  readonly kind: "Deployment";
  readonly metadata: ObjectMeta;
  readonly spec: {
    readonly replicas: number;
    readonly strategy: { readonly type: "Recreate" };
    readonly selector: { readonly matchLabels: Readonly<Record<string, string>> };
    readonly template: PodTemplate;
  };
}

/** Prometheus Operator objects (monitoring.coreos.com/v1), for clusters that run the operator. */
export interface OperatorObject {
  readonly apiVersion: "monitoring.coreos.com/v1";
  readonly kind: "PodMonitor" | "PrometheusRule" | "Prometheus";
  readonly metadata: ObjectMeta;
  readonly spec: Readonly<Record<string, unknown>>;
}

export type Manifest<C> =
  | Namespace
  | Secret<C>
  | ConfigMap<C>
  | ServiceAccount
  | Role
  | RoleBinding
  | Service
  | StatefulSet
  | Deployment
  | OperatorObject;
