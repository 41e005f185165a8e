/** What `npm run verify` checks, taken from a stack's validated configuration. */
import { EVENTS_JOB_NAME } from "../alloy-config/events";
import { CREDENTIAL_ENV } from "../alloy-config/pipeline";
import { EVENTS_POD_SELECTOR, EVENTS_RELEASE_NAME } from "../chart/events-values";
import { ALLOY_CONTAINER, COLLECTOR_POD_SELECTOR, DATADOG_CHECKS_ANNOTATION, RELEASE_NAME } from "../config/chart/owned";
import { datadogChecks } from "../monitoring/datadog-check";
import { LOKI_AUTH_SECRET_NAME } from "../config/chart/owned";
import { kubeconfigSetupCommand, kubectlContext } from "./commands";
import type { StackConfig } from "../config/schema";

export interface VerifyTarget {
  stack: string;
  clusterName: string;
  /** The kubeconfig context every kubectl command names: the stack's kubeconfigContext, or for an eks stack its cluster name. */
  kubeconfigContext: string;
  /** For an eks stack: the command that creates that context (docs/deploying.md, "Post-deploy checks (from the seed)"). */
  contextSetup?: string;
  namespace: string;
  tenantId: string;
  /** The DaemonSet, Service and ServiceMonitor name (the chart names them after the release). */
  releaseName: string;
  /** The label selector of the collector pods. */
  podSelector: string;
  container: string;
  /** alloy-logs:resources: the alloy container's requests and limits, the budget its usage is held to. */
  resources: { requests: { cpu?: string; memory?: string }; limits: { cpu?: string; memory?: string } };
  serviceMonitor: { enabled: boolean; labels: Record<string, string> };
  /** alloy-logs:datadog, and the openmetrics check annotation the chart values put on every pod when enabled. */
  datadog: { enabled: boolean; namespace: string; metrics: readonly string[]; annotation: string; checks: string };
  /** alerts.memoryLimitRatio: memory at or over this share of the limit fails, as AlloyCollectorMemoryNearLimit fires. */
  memoryLimitRatio: number;
  indexLabels: readonly string[];
  /** alloy-logs:journal: whether the collectors read the node's journal, and from where. */
  journal: { enabled: boolean; path: string };
  /** alloy-logs:events: whether the events collector runs; its Deployment (named after its release), its pods and its job label. */
  events: { enabled: boolean; releaseName: string; podSelector: string; job: string };
  /** alloy-logs:lokiAuth.type, and where the cluster holds the credentials: the Secret and its keys (CREDENTIAL_ENV). */
  lokiAuth: { type: StackConfig["lokiAuth"]["type"]; secretName: string; keys: typeof CREDENTIAL_ENV };
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
    resources: { requests: { ...config.resources.requests }, limits: { ...config.resources.limits } },
    serviceMonitor: { enabled: config.serviceMonitor.enabled, labels: { ...config.serviceMonitor.labels } },
    datadog: {
      enabled: config.datadog.enabled,
      namespace: config.datadog.namespace,
      metrics: [...config.datadog.metrics],
      annotation: DATADOG_CHECKS_ANNOTATION,
      checks: datadogChecks(config.datadog.namespace, config.datadog.metrics),
    },
    memoryLimitRatio: config.alerts.memoryLimitRatio,
    indexLabels: [...config.pipeline.indexLabels],
    journal: { enabled: config.journal.enabled, path: config.journal.path },
    events: { enabled: config.events.enabled, releaseName: EVENTS_RELEASE_NAME, podSelector: EVENTS_POD_SELECTOR, job: EVENTS_JOB_NAME },
    lokiAuth: { type: config.lokiAuth.type, secretName: LOKI_AUTH_SECRET_NAME, keys: CREDENTIAL_ENV },
  };
}
