/** What `npm run verify` checks, taken from a stack's validated configuration. */
import type { StackConfig } from "../config/schema";

/** The Helm release name (components/alloy-log-collector.ts RELEASE_NAME; not imported: it loads the Pulumi SDK). */
export const RELEASE_NAME = "alloy";
/** The container whose resources come from the stack's `resources`. */
export const ALLOY_CONTAINER = "alloy";

export interface VerifyTarget {
  stack: string;
  clusterName: string;
  /** The kubeconfig context every kubectl command names: the stack's kubeconfigContext, or for an eks stack its cluster name. */
  kubeconfigContext: string;
  /** For an eks stack: the command that creates that context (README, "Post-deploy checks"). */
  contextSetup?: string;
  namespace: string;
  tenantId: string;
  /** The DaemonSet and ServiceMonitor name. */
  releaseName: string;
  /** The label selector of the collector pods. */
  podSelector: string;
  container: string;
  serviceMonitor: { enabled: boolean; labels: Record<string, string> };
  /** alerts.memoryLimitRatio: memory at or over this share of the limit fails, as AlloyCollectorMemoryNearLimit fires. */
  memoryLimitRatio: number;
  indexLabels: readonly string[];
}

export function verifyTarget(stack: string, config: StackConfig): VerifyTarget {
  return {
    stack,
    clusterName: config.clusterName,
    // As components/checks.ts: an eks stack's context is the one `aws eks update-kubeconfig --alias <name>` creates.
    kubeconfigContext: config.kubeconfigContext ?? config.eks!.name,
    ...(config.kubeconfigContext === undefined &&
      config.eks && {
        contextSetup: `aws eks update-kubeconfig --name ${config.eks.name} --region ${config.eks.region}${config.eks.roleArn ? ` --role-arn ${config.eks.roleArn}` : ""} --alias ${config.eks.name}`,
      }),
    namespace: config.namespace,
    tenantId: config.tenantId,
    releaseName: RELEASE_NAME,
    podSelector: `app.kubernetes.io/name=alloy,app.kubernetes.io/instance=${RELEASE_NAME}`,
    container: ALLOY_CONTAINER,
    serviceMonitor: { enabled: config.serviceMonitor.enabled, labels: { ...config.serviceMonitor.labels } },
    memoryLimitRatio: config.alerts.memoryLimitRatio,
    indexLabels: [...config.pipeline.indexLabels],
  };
}
