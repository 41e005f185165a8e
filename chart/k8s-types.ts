/**
 * Plain-data shapes of the Kubernetes objects the grafana/alloy chart copies
 * verbatim (`toYaml`) into its manifests. They are deliberately small and
 * dependency-free so the chart-values types compile fast and stay readable;
 * the field names follow the Kubernetes API reference (core/v1, apps/v1).
 * https://kubernetes.io/docs/reference/kubernetes-api/
 */

/** Any Kubernetes object the chart passes through unchanged. */
export type KubeObject = { [key: string]: unknown };

/** A Kubernetes resource quantity, e.g. `250m`, `300Mi`. */
export type Quantity = string;

export interface ResourceList {
  cpu?: Quantity;
  memory?: Quantity;
  "ephemeral-storage"?: Quantity;
}

export interface ResourceRequirements {
  requests?: ResourceList;
  limits?: ResourceList;
}

export interface Toleration {
  key?: string;
  operator?: "Exists" | "Equal";
  value?: string;
  effect?: "NoSchedule" | "PreferNoSchedule" | "NoExecute";
  tolerationSeconds?: number;
}

export interface Capabilities {
  add?: string[];
  drop?: string[];
}

export interface SeccompProfile {
  type: "RuntimeDefault" | "Localhost" | "Unconfined";
  localhostProfile?: string;
}

export interface SecurityContext {
  allowPrivilegeEscalation?: boolean;
  capabilities?: Capabilities;
  privileged?: boolean;
  readOnlyRootFilesystem?: boolean;
  runAsGroup?: number;
  runAsNonRoot?: boolean;
  runAsUser?: number;
  seccompProfile?: SeccompProfile;
  seLinuxOptions?: KubeObject;
}

export interface PodSecurityContext {
  fsGroup?: number;
  runAsGroup?: number;
  runAsNonRoot?: boolean;
  runAsUser?: number;
  seccompProfile?: SeccompProfile;
  supplementalGroups?: number[];
  sysctls?: { name: string; value: string }[];
}

export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: KubeObject;
}

export interface EnvFromSource {
  prefix?: string;
  configMapRef?: { name: string; optional?: boolean };
  secretRef?: { name: string; optional?: boolean };
}

export interface VolumeMount {
  name: string;
  mountPath: string;
  readOnly?: boolean;
  subPath?: string;
  mountPropagation?: string;
}

export interface Volume {
  name: string;
  [source: string]: unknown;
}

export interface LocalObjectReference {
  name: string;
}

export interface HostAlias {
  ip: string;
  hostnames: string[];
}

export interface PolicyRule {
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
  verbs: string[];
}

export interface RollingUpdate {
  maxUnavailable?: number | string;
  maxSurge?: number | string;
  partition?: number;
}

export interface UpdateStrategy {
  type?: "RollingUpdate" | "OnDelete" | "Recreate";
  rollingUpdate?: RollingUpdate;
}

/** One entry of the chart's `alloy.extraPorts` (templates/containers/_agent.yaml, service.yaml). */
export interface AlloyExtraPort {
  name: string;
  port: number;
  targetPort: number;
  protocol?: "TCP" | "UDP" | "SCTP";
  appProtocol?: string;
  hostPort?: number;
}
