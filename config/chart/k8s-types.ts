/**
 * The Kubernetes shapes the grafana/alloy chart copies verbatim (`toYaml`)
 * into its manifests, taken from @pulumi/kubernetes's input types (generated
 * from the Kubernetes OpenAPI spec) rather than written by hand. `Unwrap`
 * turns them into plain data: chart values go through Helm as YAML, so they
 * hold no Output or Promise.
 */
import type { Unwrap } from "@pulumi/pulumi";
import type * as k8s from "@pulumi/kubernetes/types/input";

/** A Kubernetes object the chart passes through unchanged (extraObjects), or a CRD shape @pulumi/kubernetes does not define. */
export type KubeObject = { [key: string]: unknown };

export type Affinity = Unwrap<k8s.core.v1.Affinity>;
export type Container = Unwrap<k8s.core.v1.Container>;
export type EnvFromSource = Unwrap<k8s.core.v1.EnvFromSource>;
export type EnvVar = Unwrap<k8s.core.v1.EnvVar>;
export type HostAlias = Unwrap<k8s.core.v1.HostAlias>;
export type Lifecycle = Unwrap<k8s.core.v1.Lifecycle>;
export type LocalObjectReference = Unwrap<k8s.core.v1.LocalObjectReference>;
export type PersistentVolumeClaim = Unwrap<k8s.core.v1.PersistentVolumeClaim>;
export type PodSecurityContext = Unwrap<k8s.core.v1.PodSecurityContext>;
export type Probe = Unwrap<k8s.core.v1.Probe>;
export type ResourceRequirements = Unwrap<k8s.core.v1.ResourceRequirements>;
export type SecurityContext = Unwrap<k8s.core.v1.SecurityContext>;
export type Toleration = Unwrap<k8s.core.v1.Toleration>;
export type TopologySpreadConstraint = Unwrap<k8s.core.v1.TopologySpreadConstraint>;
export type Volume = Unwrap<k8s.core.v1.Volume>;
export type VolumeMount = Unwrap<k8s.core.v1.VolumeMount>;
export type PolicyRule = Unwrap<k8s.rbac.v1.PolicyRule>;
export type HPAScalingPolicy = Unwrap<k8s.autoscaling.v2.HPAScalingPolicy>;
export type HTTPIngressPath = Unwrap<k8s.networking.v1.HTTPIngressPath>;
export type IngressTLS = Unwrap<k8s.networking.v1.IngressTLS>;
export type NetworkPolicyIngressRule = Unwrap<k8s.networking.v1.NetworkPolicyIngressRule>;
export type NetworkPolicyEgressRule = Unwrap<k8s.networking.v1.NetworkPolicyEgressRule>;

/**
 * `controller.updateStrategy` is copied into whichever controller
 * `controller.type` selects (templates/controllers/*.yaml).
 */
export type UpdateStrategy =
  Unwrap<k8s.apps.v1.DaemonSetUpdateStrategy> | Unwrap<k8s.apps.v1.DeploymentStrategy> | Unwrap<k8s.apps.v1.StatefulSetUpdateStrategy>;

/**
 * One entry of the chart's `alloy.extraPorts`: the chart's own shape, turned
 * into a container port and a Service port (templates/containers/_agent.yaml, service.yaml).
 */
export interface AlloyExtraPort {
  name: string;
  port: number;
  targetPort: number;
  protocol?: "TCP" | "UDP" | "SCTP";
  appProtocol?: string;
  hostPort?: number;
}
