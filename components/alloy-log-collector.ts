/**
 * One cluster's log collection: Grafana Alloy as a DaemonSet (the grafana/alloy
 * chart of ALLOY_CHART_VERSION) in the loki-v3 namespace, shipping every pod's logs to Loki v3.
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { buildAlloyConfig, CREDENTIAL_ENV, CREDENTIAL_FIELDS } from "../alloy/pipeline";
import { ALLOY_CHART_VERSION } from "../chart/alloy-values.generated";
import { ALLOY_CONTAINER, buildChartValues, RELEASE_NAME } from "../chart/values";
import type { StackConfig } from "../config/schema";
import { clusterProvider } from "./cluster";
import { buildAlertRules, RULE_GROUP_NAMES } from "../monitoring/alerts";
import { buildDashboard, DASHBOARD_FILE_NAME } from "../monitoring/dashboard";

/** Grafana's Helm repository, where grafana/alloy is published. */
export const ALLOY_CHART_REPO = "https://grafana.github.io/helm-charts";

/**
 * Everything the pipeline reads from the Kubernetes API: discovery.kubernetes
 * with role "pod" lists and watches pods (cluster-wide; the field selector
 * narrows it to this node). Nothing else: no Secrets, no ConfigMaps, no writes.
 */
export const COLLECTOR_RBAC_RULES = [{ apiGroups: [""], resources: ["pods"], verbs: ["get", "list", "watch"] }];

export interface AlloyLogCollectorArgs {
  /** Cluster name, the `cluster` label on every log line. Required. */
  clusterName: string;
  /** kubeconfig context of the cluster; the ambient current context is never used. Set this or `eks`. */
  kubeconfigContext?: string;
  /** EKS cluster to reach by name and region (optionally through a role). Set this or `kubeconfigContext`. */
  eks?: StackConfig["eks"];
  /** Namespace Alloy is installed in. @default "loki-v3" */
  namespace: string;
  /** Create the namespace (and retain it on delete) rather than require it to exist. @default false */
  createNamespace: boolean;
  /** Loki push URL. Required. */
  lokiEndpoint: string;
  /** Loki tenant ID. Required. */
  tenantId: string;
  /** Requests and limits of the alloy container. @default requests cpu 250m, memory 300Mi; limits memory 700Mi */
  resources: StackConfig["resources"];
  /** ServiceMonitor for kube-prometheus-stack. @default enabled, labels { release: kube-prometheus-stack } */
  serviceMonitor: StackConfig["serviceMonitor"];
  /** Datadog openmetrics Autodiscovery annotations. @default disabled, namespace loki_v3 */
  datadog: StackConfig["datadog"];
  /** prometheus.io/scrape and prometheus.io/port pod annotations. @default true */
  prometheusAnnotations: boolean;
  /** Host directory under which the release keeps its state (read positions). @default "/var/lib/alloy-logs" */
  storageHostPath: string;
  /** Collection and filtering: max entry age, exclusions, probes, rate limit, multiline, index labels. @default see config/schema.ts */
  pipeline: StackConfig["pipeline"];
  /** Loki client batching and retries. @default batch 1MiB/1s, retries 15 from 500ms to 5m */
  lokiWrite: StackConfig["lokiWrite"];
  /** Rolling update of the DaemonSet. @default maxUnavailable "10%", minReadySeconds 10, terminationGracePeriodSeconds 60 */
  rollout: StackConfig["rollout"];
  /** Loki credentials, wrapped as secrets by the caller. @default { type: "none" } */
  lokiAuth: pulumi.Input<StackConfig["lokiAuth"]>;
  /** How Loki authenticates, known without unwrapping the secret. @default "none" */
  lokiAuthType: StackConfig["lokiAuth"]["type"];
  /** PrometheusRule with the collector alerts. @default enabled, labels { release: kube-prometheus-stack } */
  alerts: StackConfig["alerts"];
  /** Grafana dashboard ConfigMap. @default enabled, labels { grafana_dashboard: "1" } */
  dashboard: StackConfig["dashboard"];
  /** Extra chart values, already validated against the chart. @default {} */
  chartOverrides: Record<string, unknown>;
}

export class AlloyLogCollector extends pulumi.ComponentResource {
  /** Namespace the collector runs in. */
  readonly namespace: pulumi.Output<string>;
  /** Name of the collector DaemonSet. */
  readonly daemonSetName: string;
  /** The generated Alloy configuration. */
  readonly alloyConfig: string;
  /** The Secret holding the Loki credentials, when the stack sets some. */
  readonly lokiAuthSecret?: k8s.core.v1.Secret;

  constructor(name: string, args: AlloyLogCollectorArgs, opts?: pulumi.ComponentResourceOptions) {
    super("alloy-logs:collector:AlloyLogCollector", name, {}, opts);

    const provider = clusterProvider(args, this);

    // A namespace the program creates is retained on destroy and on a rename of
    // this component: deleting a namespace deletes everything in it, Loki included.
    // One it did not create is only read, so Pulumi never owns or deletes it.
    const namespace = args.createNamespace
      ? new k8s.core.v1.Namespace(
          args.namespace,
          { metadata: { name: args.namespace } },
          { parent: this, provider, retainOnDelete: true },
        )
      : k8s.core.v1.Namespace.get(args.namespace, args.namespace, { parent: this, provider });

    this.alloyConfig = buildAlloyConfig({
      clusterName: args.clusterName,
      tenantId: args.tenantId,
      lokiEndpoint: args.lokiEndpoint,
      pipeline: args.pipeline,
      write: args.lokiWrite,
      auth: args.lokiAuthType,
    });

    // Credentials live in a Secret and reach Alloy as environment variables that
    // the config reads with sys.env: never in the ConfigMap, the values or the plan.
    const secretName = `${RELEASE_NAME}-loki-auth`;
    const fields: readonly (keyof typeof CREDENTIAL_ENV)[] = CREDENTIAL_FIELDS[args.lokiAuthType];
    if (fields.length > 0) {
      const stringData = pulumi.secret(
        pulumi
          .output(args.lokiAuth)
          .apply((auth) => Object.fromEntries(fields.map((field) => [CREDENTIAL_ENV[field], (auth as Record<string, string>)[field]]))),
      );
      this.lokiAuthSecret = new k8s.core.v1.Secret(
        secretName,
        { metadata: { name: secretName, namespace: args.namespace }, type: "Opaque", stringData },
        { parent: this, provider, dependsOn: [namespace] },
      );
    }
    const values = buildChartValues({
      alloyConfig: this.alloyConfig,
      resources: args.resources,
      serviceMonitor: args.serviceMonitor,
      datadog: args.datadog,
      prometheusAnnotations: args.prometheusAnnotations,
      // Dedicated to this release: two releases on one node never share positions.
      storageHostPath: `${args.storageHostPath}/${args.namespace}-${RELEASE_NAME}`,
      rollout: args.rollout,
      secretEnv: fields.length > 0 ? { secretName, variables: fields.map((field) => CREDENTIAL_ENV[field]) } : undefined,
      overrides: args.chartOverrides,
    });

    // The chart names the ServiceAccount after the release (templates/serviceaccount.yaml).
    const rbacName = `${args.namespace}-${RELEASE_NAME}-logs`;
    const role = new k8s.rbac.v1.ClusterRole(
      rbacName,
      { metadata: { name: rbacName }, rules: COLLECTOR_RBAC_RULES },
      { parent: this, provider },
    );
    const binding = new k8s.rbac.v1.ClusterRoleBinding(
      rbacName,
      {
        metadata: { name: rbacName },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: role.metadata.name },
        subjects: [{ kind: "ServiceAccount", name: RELEASE_NAME, namespace: args.namespace }],
      },
      { parent: this, provider },
    );

    // helm.v4.Chart renders in the provider and registers each object as its own
    // resource: previews diff the DaemonSet itself, and `pulumi up` waits for it.
    new k8s.helm.v4.Chart(
      RELEASE_NAME,
      {
        chart: "alloy",
        version: ALLOY_CHART_VERSION,
        repositoryOpts: { repo: ALLOY_CHART_REPO },
        // The name from config rather than the Namespace's output, so a preview
        // shows the namespace of every chart object instead of "unknown".
        namespace: args.namespace,
        values,
      },
      { parent: this, provider, dependsOn: [namespace, binding, ...(this.lokiAuthSecret ? [this.lokiAuthSecret] : [])] },
    );

    // The Service, and so the Prometheus job label of the Alloy targets, is named after the release.
    const monitored = { namespace: args.namespace, daemonSet: RELEASE_NAME, container: ALLOY_CONTAINER, job: RELEASE_NAME };
    if (args.alerts.enabled) {
      const spec = buildAlertRules({
        ...monitored,
        noEntriesSentMinutes: args.alerts.noEntriesSentMinutes,
        memoryLimitRatio: args.alerts.memoryLimitRatio,
        failedRequestRatio: args.alerts.failedRequestRatio,
      });
      // Without the ServiceMonitor nothing scrapes Alloy: its pipeline alerts would
      // only ever say so (AlloyMetricsNotScraped), so only the kube-state-metrics ones stay.
      const groups = args.serviceMonitor.enabled ? spec.groups : spec.groups.filter((g) => g.name === RULE_GROUP_NAMES.collectors);
      new k8s.apiextensions.CustomResource(
        `${RELEASE_NAME}-logs`,
        {
          apiVersion: "monitoring.coreos.com/v1",
          kind: "PrometheusRule",
          metadata: { name: `${RELEASE_NAME}-logs`, namespace: args.namespace, labels: args.alerts.labels },
          spec: { groups },
        },
        { parent: this, provider, dependsOn: [namespace] },
      );
    }
    if (args.dashboard.enabled) {
      new k8s.core.v1.ConfigMap(
        `${RELEASE_NAME}-logs-dashboard`,
        {
          metadata: { name: `${RELEASE_NAME}-logs-dashboard`, namespace: args.namespace, labels: args.dashboard.labels },
          data: { [DASHBOARD_FILE_NAME]: JSON.stringify(buildDashboard(monitored), null, 2) },
        },
        { parent: this, provider, dependsOn: [namespace] },
      );
    }

    this.namespace = namespace.metadata.name;
    this.daemonSetName = RELEASE_NAME;
    this.registerOutputs({ namespace: this.namespace, daemonSetName: this.daemonSetName });
  }
}
