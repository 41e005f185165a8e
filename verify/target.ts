/** What `npm run verify` checks, taken from a stack's validated configuration. */
import { ALLOY_CONTAINER, COLLECTOR_POD_SELECTOR, RELEASE_NAME } from "../chart/values";
import { kubeconfigSetupCommand, kubectlContext } from "../components/checks";
import type { StackConfig } from "../config/schema";

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
  const contextSetup = kubeconfigSetupCommand(config);
  return {
    stack,
    clusterName: config.clusterName,
    kubeconfigContext: kubectlContext(config),
    ...(contextSetup !== undefined && { contextSetup }),
    namespace: config.namespace,
    tenantId: config.tenantId,
    releaseName: RELEASE_NAME,
    podSelector: COLLECTOR_POD_SELECTOR,
    container: ALLOY_CONTAINER,
    serviceMonitor: { enabled: config.serviceMonitor.enabled, labels: { ...config.serviceMonitor.labels } },
    memoryLimitRatio: config.alerts.memoryLimitRatio,
    indexLabels: [...config.pipeline.indexLabels],
  };
}
