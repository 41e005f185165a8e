/**
 * A stack's validated config as AlloyLogCollector's args: the one mapping from the stack schema's types to
 * the package's (enums, named interfaces, a maxUnavailable that is always a string). Pure, so
 * test/stack-args.test.ts checks that the component resolves the args it gives exactly as the config reads.
 */
import type { StackConfig } from "../config/schema";
import { LokiAuthType, RateLimitBy, type AlloyLogCollectorArgs, type LokiAuth } from "./alloy-log-collector";

const LOKI_AUTH_TYPES = { none: LokiAuthType.None, basic: LokiAuthType.Basic, bearer: LokiAuthType.Bearer } as const;
const RATE_LIMIT_BY = { namespace: RateLimitBy.Namespace, app: RateLimitBy.App } as const;

function lokiAuth(auth: StackConfig["lokiAuth"]): LokiAuth {
  switch (auth.type) {
    case "none":
      return { type: LokiAuthType.None };
    case "basic":
      return { type: LOKI_AUTH_TYPES.basic, username: auth.username, password: auth.password };
    case "bearer":
      return { type: LOKI_AUTH_TYPES.bearer, token: auth.token };
  }
}

/** The args for `config`: every field the stack schema has, already defaulted by it. */
export function collectorArgs(config: StackConfig): AlloyLogCollectorArgs {
  const { pipeline, journal, rollout, datadog, events } = config;
  return {
    clusterName: config.clusterName,
    lokiEndpoint: config.lokiEndpoint,
    tenantId: config.tenantId,
    ...(config.kubeconfigContext !== undefined && { kubeconfigContext: config.kubeconfigContext }),
    ...(config.eks !== undefined && { eks: { ...config.eks } }),
    pipeline: {
      ...pipeline,
      excludeNamespaces: [...pipeline.excludeNamespaces],
      rateLimit: { ...pipeline.rateLimit, by: RATE_LIMIT_BY[pipeline.rateLimit.by] },
      multiline: pipeline.multiline.map((rule) => ({ ...rule })),
      indexLabels: [...pipeline.indexLabels],
    },
    journal: { ...journal, units: [...journal.units] },
    lokiWrite: { ...config.lokiWrite },
    namespace: config.namespace,
    createNamespace: config.createNamespace,
    lokiAuth: lokiAuth(config.lokiAuth),
    resources: config.resources,
    serviceMonitor: { ...config.serviceMonitor },
    datadog: { ...datadog, metrics: [...datadog.metrics] },
    prometheusAnnotations: config.prometheusAnnotations,
    storageHostPath: config.storageHostPath,
    rollout: { ...rollout, maxUnavailable: String(rollout.maxUnavailable) },
    alerts: { ...config.alerts },
    dashboard: { ...config.dashboard },
    events: { ...events },
    chartOverrides: config.chartOverrides,
    chartRepository: config.chartRepository,
  };
}
