/** Chart objects for the policy pack's tests (test/policy.test.ts, test/process/policy-pack.test.ts). */

export const DATADOG_CHECK = JSON.stringify({
  openmetrics: {
    init_config: {},
    instances: [{ openmetrics_endpoint: "http://%%host%%:12345/metrics", namespace: "loki_v3", metrics: [".*"] }],
  },
});

/** A DaemonSet as the chart renders it for ops, reduced to what the checks read. */
export function goodDaemonSet() {
  return {
    apiVersion: "apps/v1",
    kind: "DaemonSet",
    metadata: { name: "alloy", namespace: "loki-v3" },
    spec: {
      template: {
        metadata: { annotations: { "ad.datadoghq.com/alloy.checks": DATADOG_CHECK } },
        spec: {
          priorityClassName: "system-node-critical",
          tolerations: [{ operator: "Exists" }] as unknown[],
          containers: [
            {
              name: "alloy",
              args: ["run", "/etc/alloy/config.alloy", "--storage.path=/var/lib/alloy"],
              resources: { limits: { memory: "700Mi" }, requests: { memory: "300Mi", cpu: "250m" } } as unknown,
              volumeMounts: [
                { name: "config", mountPath: "/etc/alloy" },
                { name: "varlog", mountPath: "/var/log", readOnly: true as boolean },
                { name: "alloy-storage", mountPath: "/var/lib/alloy" },
              ],
            },
          ],
          volumes: [
            { name: "config", configMap: { name: "alloy" } },
            { name: "varlog", hostPath: { path: "/var/log" } },
            { name: "alloy-storage", hostPath: { path: "/var/lib/alloy-logs/loki-v3-alloy", type: "DirectoryOrCreate" } },
          ],
        },
      },
    },
  };
}

export function goodServiceMonitor() {
  return {
    apiVersion: "monitoring.coreos.com/v1",
    kind: "ServiceMonitor",
    metadata: {
      name: "alloy",
      namespace: "loki-v3",
      labels: { "app.kubernetes.io/name": "alloy", release: "kube-prometheus-stack" } as Record<string, string>,
    },
    spec: { endpoints: [{ port: "http-metrics" }], selector: { matchLabels: { "app.kubernetes.io/name": "alloy" } } },
  };
}

export const CHART_FIX = (path: string) =>
  `the program sets ${path} (chart/values.ts): remove whatever under alloy-logs:chartOverrides in Pulumi.ops.yaml changes it, and if the chart version changed, check that it still reads ${path}`;
