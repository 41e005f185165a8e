/**
 * The events collector's alerts (issue 21), a rule group of its own in the
 * collectors' PrometheusRule: it is unavailable, or its pushes to Loki fail.
 * Events live about an hour in the API server, so either one for longer loses
 * them for good.
 *
 * Metrics: kube_deployment_status_replicas_available{namespace,deployment} is
 * kube-state-metrics' (docs/metrics/workload/deployment-metrics.md); the
 * loki_write_* ones are Alloy v1.11.3's loki.write client
 * (internal/component/common/loki/client/client.go, NewMetrics: request_duration_seconds
 * by status_code, host, tenant, where status_code is the HTTP status or -1 when no
 * response came; dropped_entries_total by host, tenant, reason). They are scraped
 * through the release's ServiceMonitor, whose targets prometheus-operator labels
 * job=<Service name>, alloy-events, which no DaemonSet target has.
 */
import type { Runbook, AlertRule, RuleGroup } from "./alerts";
import { assertDnsLabel, selector } from "./promql";

export const EVENTS_RULE_GROUP_NAME = "alloy-logs.events";

export interface EventsAlertInput {
  /** Namespace of the release, e.g. loki-v3. */
  namespace: string;
  /** The Deployment, and the Service (so the `job` label), both named after the release: alloy-events. */
  deployment: string;
  job: string;
}

export interface EventsAlertDefinition {
  rule: AlertRule;
  runbook: Runbook;
}

export function eventsAlertDefinitions(input: EventsAlertInput): EventsAlertDefinition[] {
  const { namespace, deployment, job } = input;
  assertDnsLabel("namespace", namespace);
  assertDnsLabel("deployment", deployment);
  assertDnsLabel("job", job);
  const runbookRef = (alert: string) => `Runbook: docs/monitoring.md, section ${alert}.`;
  const labels = { severity: "warning" as const, namespace };
  return [
    {
      rule: {
        alert: "AlloyEventsCollectorUnavailable",
        expr: `max by (namespace, deployment) (${selector("kube_deployment_status_replicas_available", { namespace, deployment })}) < 1`,
        for: "10m",
        labels,
        annotations: {
          summary: `The events collector {{ $labels.namespace }}/{{ $labels.deployment }} has no available pod.`,
          description:
            `Deployment {{ $labels.namespace }}/{{ $labels.deployment }} has had no available replica for 10 minutes: no ` +
            `Kubernetes event reaches Loki, and events older than the API server's TTL (about an hour) are lost for good. ` +
            `Read \`kubectl -n {{ $labels.namespace }} describe deployment {{ $labels.deployment }}\` and its pod's events. ` +
            runbookRef("AlloyEventsCollectorUnavailable"),
        },
      },
      runbook: {
        meaning: "The single events collector pod is not running or not ready; the cluster's Kubernetes events are not being stored.",
        steps: [
          "`kubectl -n <namespace> get pods -l app.kubernetes.io/instance=alloy-events` and `describe` the pod: Pending (no node has room: it has no toleration, so a fully tainted pool cannot take it), CrashLoopBackOff or OOMKilled.",
          "OOMKilled: the informer holds every event the API server keeps; raise `alloy-logs:events.resources.limits.memory`.",
          "Logs: `kubectl -n <namespace> logs deploy/alloy-events -c alloy`; `failed to configure informers` means its ClusterRole (`<namespace>-alloy-events`, get/list/watch events) is missing or unbound.",
          "Once it runs again it re-sends every event the API server still holds, so the gap is only what expired meanwhile.",
        ],
      },
    },
    {
      rule: {
        alert: "AlloyEventsPushFailing",
        expr: [
          `sum by (namespace, job) (rate(${selector("loki_write_request_duration_seconds_count", {
            namespace,
            job,
            status_code: { op: "!~", value: "2.." },
          })}[10m])) > 0`,
          `or`,
          `sum by (namespace, job) (increase(${selector("loki_write_dropped_entries_total", { namespace, job })}[10m])) > 0`,
        ].join("\n"),
        for: "15m",
        labels,
        annotations: {
          summary: `The events collector {{ $labels.namespace }}/{{ $labels.job }} fails to push to Loki.`,
          description:
            `For 15 minutes the events collector's pushes to Loki have failed (a non-2xx answer or no answer) or its ` +
            `batches have been dropped. Events wait in memory meanwhile and are lost if the pod stops. Read ` +
            `\`kubectl -n {{ $labels.namespace }} logs deploy/{{ $labels.job }} -c alloy\`. ` +
            runbookRef("AlloyEventsPushFailing"),
        },
      },
      runbook: {
        meaning: "The events collector runs but Loki refuses or does not answer its pushes, or it drops batches.",
        steps: [
          "`kubectl -n <namespace> logs deploy/alloy-events -c alloy | grep -i 'error'`: the status Loki answered.",
          "401/403: the credentials in Secret `alloy-loki-auth` (shared with the DaemonSet) are wrong; the DaemonSet's `AlloyLokiRequestsFailing` fires too.",
          "429: the tenant's ingestion limits; the events stream is small, so the DaemonSet's traffic is the likely cause.",
          '5xx or no answer (`status_code="-1"`): Loki\'s distributor is down or unreachable from the pod.',
        ],
      },
    },
  ];
}

export function buildEventsRuleGroup(input: EventsAlertInput): RuleGroup {
  return { name: EVENTS_RULE_GROUP_NAME, rules: eventsAlertDefinitions(input).map((d) => d.rule) };
}
