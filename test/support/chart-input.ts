/** The one ChartValuesInput fixture: a complete input to buildChartValues, varied per test. */
import type { ChartValuesInput } from "../../chart/values";

export const CHART_VALUES_INPUT: Readonly<ChartValuesInput> = {
  alloyConfig: 'loki.write "loki" {}\n',
  resources: { requests: { cpu: "250m", memory: "300Mi" }, limits: { memory: "700Mi" } },
  serviceMonitor: { enabled: true, labels: { release: "kube-prometheus-stack" }, interval: "30s" },
  datadog: { enabled: true, namespace: "loki_v3", metrics: ["loki_write_.*"] },
  prometheusAnnotations: true,
  storageHostPath: "/var/lib/alloy-logs/loki-v3-alloy",
  journalPath: "/var/log/journal",
  rollout: { maxUnavailable: "10%", minReadySeconds: 10, terminationGracePeriodSeconds: 60 },
  secretEnv: undefined,
  overrides: {},
};

/** CHART_VALUES_INPUT with the given fields replaced. */
export function chartValuesInput(changes: Partial<ChartValuesInput> = {}): ChartValuesInput {
  return { ...CHART_VALUES_INPUT, ...changes };
}
