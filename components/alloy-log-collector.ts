/**
 * One cluster's log collection: Grafana Alloy as a DaemonSet (the grafana/alloy
 * chart of ALLOY_CHART_VERSION) in the loki-v3 namespace, shipping every pod's logs to Loki v3.
 *
 * Usable without the stack config: AlloyLogCollectorArgs is its own documented
 * interface, and its defaults are applied once, in withDefaults().
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import type { JournalOptions } from "../alloy-config/journal";
import { buildAlloyConfig, CREDENTIAL_ENV, type LokiWriteOptions, type PipelineOptions } from "../alloy-config/pipeline";
import { ALLOY_CHART_VERSION } from "../config/chart/alloy-values.generated";
import type { ResourceRequirements } from "../config/chart/k8s-types";
import { chartSource } from "../chart/source";
import { buildChartValues } from "../chart/values";
import { ALLOY_CONTAINER, RELEASE_NAME } from "../config/chart/owned";
import { LOKI_AUTH_SECRET_NAME } from "../config/chart/owned";
import { clusterProvider, type ClusterAccess } from "./cluster";
import { DEFAULTS } from "../config/defaults";
import { buildAlertRules, RULE_GROUP_NAMES } from "../monitoring/alerts";
import { buildDashboard, DASHBOARD_FILE_NAME } from "../monitoring/dashboard";
import { eventsAlloyConfig, registerEventsCollector, type EventsOptions } from "./events-collector";
import { buildEventsRuleGroup } from "../monitoring/events-alerts";
import { EVENTS_RELEASE_NAME } from "../chart/events-values";

/** Grafana's Helm repository, where grafana/alloy is published: the default chartRepository. */
export const ALLOY_CHART_REPO = DEFAULTS.chartRepository;

/**
 * Everything the pipeline reads from the Kubernetes API: discovery.kubernetes
 * with role "pod" lists and watches pods (cluster-wide; the field selector
 * narrows it to this node). Nothing else: no Secrets, no ConfigMaps, no writes.
 */
export const COLLECTOR_RBAC_RULES = [{ apiGroups: [""], resources: ["pods"], verbs: ["get", "list", "watch"] }];

/**
 * Loki credentials. The type is plain, so the Alloy config and the chart values
 * are known without unwrapping a secret; each credential sits beside its type,
 * so the two can never disagree. The component holds them as secrets.
 */
export type LokiAuth =
  | { type: "none" }
  | { type: "basic"; username: pulumi.Input<string>; password: pulumi.Input<string> }
  | { type: "bearer"; token: pulumi.Input<string> };

export interface ServiceMonitorOptions {
  enabled: boolean;
  /** Labels the Prometheus serviceMonitorSelector matches. */
  labels: Record<string, string>;
  /** Scrape interval; unset uses Prometheus's global interval. */
  interval?: string;
}

export interface DatadogOptions {
  enabled: boolean;
  /** Prefix of the metric names in Datadog. */
  namespace: string;
  /** Regular expressions of the Alloy metrics sent to Datadog. */
  metrics: readonly string[];
}

export interface RolloutOptions {
  /** Collectors replaced at once: a count or a percentage such as "10%". */
  maxUnavailable: number | string;
  minReadySeconds: number;
  terminationGracePeriodSeconds: number;
}

export interface AlertOptions {
  enabled: boolean;
  /** Labels the Prometheus ruleSelector matches. */
  labels: Record<string, string>;
  noEntriesSentMinutes: number;
  memoryLimitRatio: number;
  failedRequestRatio: number;
}

export interface DashboardOptions {
  enabled: boolean;
  /** Labels Grafana's dashboard sidecar looks for. */
  labels: Record<string, string>;
}

/**
 * Each unset arg takes its value from DEFAULTS (config/defaults.ts), the stack schema's
 * defaults too. An object-valued arg is taken whole when given: no field of its default is merged into it.
 */
export interface AlloyLogCollectorArgs extends ClusterAccess {
  /** Cluster name, the `cluster` label on every log line. Required. */
  clusterName: string;
  /** Loki push URL, ending in /loki/api/v1/push. Required. */
  lokiEndpoint: string;
  /** Loki tenant ID (X-Scope-OrgID). Required. */
  tenantId: string;
  /** What is collected and how it is filtered. @default DEFAULTS.pipeline */
  pipeline?: PipelineOptions;
  /** The node's systemd journal (kubelet, containerd, kernel). @default DEFAULTS.journal */
  journal?: JournalOptions;
  /** Loki client batching and retries. @default DEFAULTS.lokiWrite */
  lokiWrite?: LokiWriteOptions;
  /** Namespace Alloy is installed in. @default DEFAULTS.namespace */
  namespace?: string;
  /** Create the namespace (and retain it on delete) rather than only read an existing one. @default DEFAULTS.createNamespace */
  createNamespace?: boolean;
  /** Loki credentials, put in a Secret and read by Alloy from its environment. @default DEFAULTS.lokiAuth */
  lokiAuth?: LokiAuth;
  /** Requests and limits of the alloy container. @default DEFAULTS.resources */
  resources?: ResourceRequirements;
  /** ServiceMonitor for kube-prometheus-stack. @default DEFAULTS.serviceMonitor */
  serviceMonitor?: ServiceMonitorOptions;
  /** Datadog openmetrics Autodiscovery annotations. @default DEFAULTS.datadog */
  datadog?: DatadogOptions;
  /** prometheus.io/scrape and prometheus.io/port pod annotations, as the seed had them. @default DEFAULTS.prometheusAnnotations */
  prometheusAnnotations?: boolean;
  /** Host directory under which the release keeps its state (read positions). @default DEFAULTS.storageHostPath */
  storageHostPath?: string;
  /** Rolling update of the DaemonSet. @default DEFAULTS.rollout */
  rollout?: RolloutOptions;
  /** PrometheusRule with the collector alerts. @default DEFAULTS.alerts */
  alerts?: AlertOptions;
  /** Grafana dashboard ConfigMap. @default DEFAULTS.dashboard */
  dashboard?: DashboardOptions;
  /** The events collector, the release alloy-events. @default DEFAULTS.events */
  events?: EventsOptions;
  /** Extra chart values, already validated against the chart (config/chart/overrides.ts). @default DEFAULTS.chartOverrides */
  chartOverrides?: Record<string, unknown>;
  /** HTTP(S) chart repository or oci:// registry path the chart is pulled from. @default DEFAULTS.chartRepository */
  chartRepository?: string;
}

/** The args with every default applied: the one place defaults are set. */
export function withDefaults(args: AlloyLogCollectorArgs): Required<Omit<AlloyLogCollectorArgs, keyof ClusterAccess>> & ClusterAccess {
  return {
    ...args,
    pipeline: args.pipeline ?? DEFAULTS.pipeline,
    journal: args.journal ?? DEFAULTS.journal,
    lokiWrite: args.lokiWrite ?? DEFAULTS.lokiWrite,
    namespace: args.namespace ?? DEFAULTS.namespace,
    createNamespace: args.createNamespace ?? DEFAULTS.createNamespace,
    lokiAuth: args.lokiAuth ?? DEFAULTS.lokiAuth,
    resources: args.resources ?? DEFAULTS.resources,
    serviceMonitor: args.serviceMonitor ?? DEFAULTS.serviceMonitor,
    datadog: args.datadog ?? DEFAULTS.datadog,
    prometheusAnnotations: args.prometheusAnnotations ?? DEFAULTS.prometheusAnnotations,
    storageHostPath: args.storageHostPath ?? DEFAULTS.storageHostPath,
    rollout: args.rollout ?? DEFAULTS.rollout,
    alerts: args.alerts ?? DEFAULTS.alerts,
    dashboard: args.dashboard ?? DEFAULTS.dashboard,
    events: args.events ?? DEFAULTS.events,
    chartOverrides: args.chartOverrides ?? DEFAULTS.chartOverrides,
    chartRepository: args.chartRepository ?? DEFAULTS.chartRepository,
  };
}

/** Environment variable -> credential, in the order the chart values list them. */
function credentialEnv(auth: LokiAuth): Record<string, pulumi.Input<string>> {
  switch (auth.type) {
    case "none":
      return {};
    case "basic":
      return { [CREDENTIAL_ENV.username]: auth.username, [CREDENTIAL_ENV.password]: auth.password };
    case "bearer":
      return { [CREDENTIAL_ENV.token]: auth.token };
  }
}

/**
 * The name each child had before child names derived from the component's
 * (main up to c666975): constants, the same for every instance. Aliasing them
 * lets the stacks deployed then update in place, with no replacement. An alias
 * that matches nothing in a stack's state is ignored; two instances in one stack
 * could both claim an old URN only in a stack deployed with the old names, which
 * held one instance, and the engine would then stop with "Duplicate resource alias".
 */
const LEGACY_NAMES = {
  namespace: (namespace: string) => namespace,
  lokiAuthSecret: () => `${RELEASE_NAME}-loki-auth`,
  rbac: (namespace: string) => `${namespace}-${RELEASE_NAME}-logs`,
  chart: () => RELEASE_NAME,
  alertRule: () => `${RELEASE_NAME}-logs`,
  dashboard: () => `${RELEASE_NAME}-logs-dashboard`,
};

/** The alias to a child's legacy name, none where the name did not change. */
const legacyAlias = (name: string, oldName: string): { aliases: pulumi.Alias[] } => ({
  aliases: name === oldName ? [] : [{ name: oldName }],
});

export class AlloyLogCollector extends pulumi.ComponentResource {
  /** Namespace the collector runs in. */
  readonly namespace: pulumi.Output<string>;
  /** Name of the collector DaemonSet. */
  readonly daemonSetName: string;
  /** The generated Alloy configuration. */
  readonly alloyConfig: string;
  /** The Secret holding the Loki credentials, when there are some. */
  readonly lokiAuthSecret?: k8s.core.v1.Secret;
  /** The events collector's Alloy configuration, when events.enabled. */
  readonly eventsAlloyConfig?: string;

  /** Children are named `<name>-<role>`, so two instances never collide and each child says whose it is. */
  constructor(name: string, argsIn: AlloyLogCollectorArgs, opts?: pulumi.ComponentResourceOptions) {
    super("alloy-logs:collector:AlloyLogCollector", name, {}, opts);
    const args = withDefaults(argsIn);

    const provider = clusterProvider(name, args, this);

    // A namespace the program creates is retained on destroy: deleting a
    // namespace deletes everything in it, Loki included. One it did not create
    // is only read, so Pulumi never owns or deletes it.
    // The engine applies no aliases of its own to a read (GenerateReadSteps in pulumi/pulumi
    // pkg/resource/deploy/step_generator.go): a renamed read is read again under its new
    // name and its old entry dropped from state, which touches nothing in the cluster.
    const namespaceName = `${name}-namespace`;
    const namespace = args.createNamespace
      ? new k8s.core.v1.Namespace(
          namespaceName,
          { metadata: { name: args.namespace } },
          { parent: this, provider, retainOnDelete: true, ...legacyAlias(namespaceName, LEGACY_NAMES.namespace(args.namespace)) },
        )
      : k8s.core.v1.Namespace.get(namespaceName, args.namespace, { parent: this, provider });

    this.alloyConfig = buildAlloyConfig({
      clusterName: args.clusterName,
      tenantId: args.tenantId,
      lokiEndpoint: args.lokiEndpoint,
      pipeline: args.pipeline,
      journal: args.journal,
      write: args.lokiWrite,
      auth: args.lokiAuth.type,
    });

    // Credentials live in a Secret and reach Alloy as environment variables that
    // the config reads with sys.env: never in the ConfigMap, the values or the plan.
    const secretName = LOKI_AUTH_SECRET_NAME;
    const env = credentialEnv(args.lokiAuth);
    const variables = Object.keys(env);
    if (variables.length > 0) {
      this.lokiAuthSecret = new k8s.core.v1.Secret(
        `${name}-loki-auth`,
        { metadata: { name: secretName, namespace: args.namespace }, type: "Opaque", stringData: pulumi.secret(pulumi.all(env)) },
        { parent: this, provider, dependsOn: [namespace], ...legacyAlias(`${name}-loki-auth`, LEGACY_NAMES.lokiAuthSecret()) },
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
      journalPath: args.journal.enabled ? args.journal.path : undefined,
      rollout: args.rollout,
      secretEnv: variables.length > 0 ? { secretName, variables } : undefined,
      overrides: args.chartOverrides,
    });

    // The chart names the ServiceAccount after the release (templates/serviceaccount.yaml).
    const rbacName = `${args.namespace}-${RELEASE_NAME}-logs`;
    const rbacResourceName = `${name}-pod-reader`;
    const rbacOpts = { parent: this, provider, ...legacyAlias(rbacResourceName, LEGACY_NAMES.rbac(args.namespace)) };
    const role = new k8s.rbac.v1.ClusterRole(rbacResourceName, { metadata: { name: rbacName }, rules: COLLECTOR_RBAC_RULES }, rbacOpts);
    const binding = new k8s.rbac.v1.ClusterRoleBinding(
      rbacResourceName,
      {
        metadata: { name: rbacName },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: role.metadata.name },
        subjects: [{ kind: "ServiceAccount", name: RELEASE_NAME, namespace: args.namespace }],
      },
      rbacOpts,
    );

    // helm.v4.Chart renders in the provider and registers each object as its own
    // resource: previews diff the DaemonSet itself, and `pulumi up` waits for it.
    // The provider names each object `<resourcePrefix>:<namespace>/<name>` and
    // defaults both the release name and the prefix to the Chart's own name
    // (pulumi-kubernetes provider/pkg/provider/helm/v4/chart.go, Construct; yaml/v2
    // Register). Both are set to the release name here: the Chart's name now
    // derives from the component's, but the release (which names every object in
    // the cluster) and the objects' URNs stay what they were, and aliases could
    // not reach those children: the provider registers them, not this program.
    new k8s.helm.v4.Chart(
      `${name}-chart`,
      {
        name: RELEASE_NAME,
        resourcePrefix: RELEASE_NAME,
        ...chartSource(args.chartRepository),
        version: ALLOY_CHART_VERSION,
        // The name from config rather than the Namespace's output, so a preview
        // shows the namespace of every chart object instead of "unknown".
        namespace: args.namespace,
        values,
      },
      {
        parent: this,
        provider,
        dependsOn: [namespace, binding, ...(this.lokiAuthSecret ? [this.lokiAuthSecret] : [])],
        ...legacyAlias(`${name}-chart`, LEGACY_NAMES.chart()),
      },
    );

    // The events collector (alloy-events): its own release beside the DaemonSet's,
    // sharing the namespace, the Loki credentials' Secret and the monitoring settings.
    if (args.events.enabled) {
      const eventsInput = {
        clusterName: args.clusterName,
        tenantId: args.tenantId,
        lokiEndpoint: args.lokiEndpoint,
        lokiWrite: args.lokiWrite,
        namespace: args.namespace,
        authType: args.lokiAuth.type,
        secretEnv: variables.length > 0 ? { secretName, variables } : undefined,
        serviceMonitor: args.serviceMonitor,
        chartRepository: args.chartRepository,
        events: args.events,
      };
      this.eventsAlloyConfig = eventsAlloyConfig(eventsInput);
      registerEventsCollector(name, eventsInput, {
        parent: this,
        provider,
        dependsOn: [namespace, ...(this.lokiAuthSecret ? [this.lokiAuthSecret] : [])],
      });
    }

    // The Service, and so the Prometheus job label of the Alloy targets, is named after the release.
    const monitored = { namespace: args.namespace, daemonSet: RELEASE_NAME, container: ALLOY_CONTAINER, job: RELEASE_NAME };
    if (args.alerts.enabled) {
      const spec = buildAlertRules({
        ...monitored,
        noEntriesSentMinutes: args.alerts.noEntriesSentMinutes,
        journal: args.journal.enabled,
        memoryLimitRatio: args.alerts.memoryLimitRatio,
        failedRequestRatio: args.alerts.failedRequestRatio,
      });
      // Without the ServiceMonitor nothing scrapes Alloy: its pipeline alerts would
      // only ever say so (AlloyMetricsNotScraped), so only the kube-state-metrics ones stay.
      const groups = args.serviceMonitor.enabled ? spec.groups : spec.groups.filter((g) => g.name === RULE_GROUP_NAMES.collectors);
      if (args.events.enabled) {
        const events = buildEventsRuleGroup({ namespace: args.namespace, deployment: EVENTS_RELEASE_NAME, job: EVENTS_RELEASE_NAME });
        // Its push alert reads Alloy's metrics, which only the ServiceMonitor brings.
        if (!args.serviceMonitor.enabled) events.rules = events.rules.filter((r) => r.alert === "AlloyEventsCollectorUnavailable");
        groups.push(events);
      }
      new k8s.apiextensions.CustomResource(
        `${name}-alerts`,
        {
          apiVersion: "monitoring.coreos.com/v1",
          kind: "PrometheusRule",
          metadata: { name: `${RELEASE_NAME}-logs`, namespace: args.namespace, labels: args.alerts.labels },
          spec: { groups },
        },
        { parent: this, provider, dependsOn: [namespace], ...legacyAlias(`${name}-alerts`, LEGACY_NAMES.alertRule()) },
      );
    }
    if (args.dashboard.enabled) {
      new k8s.core.v1.ConfigMap(
        `${name}-dashboard`,
        {
          metadata: { name: `${RELEASE_NAME}-logs-dashboard`, namespace: args.namespace, labels: args.dashboard.labels },
          data: {
            [DASHBOARD_FILE_NAME]: JSON.stringify(
              buildDashboard({
                ...monitored,
                events: args.events.enabled ? { deployment: EVENTS_RELEASE_NAME, job: EVENTS_RELEASE_NAME } : undefined,
              }),
              null,
              2,
            ),
          },
        },
        { parent: this, provider, dependsOn: [namespace], ...legacyAlias(`${name}-dashboard`, LEGACY_NAMES.dashboard()) },
      );
    }

    this.namespace = namespace.metadata.name;
    this.daemonSetName = RELEASE_NAME;
    this.registerOutputs({ namespace: this.namespace, daemonSetName: this.daemonSetName });
  }
}
