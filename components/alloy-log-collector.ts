/**
 * One cluster's log collection: Grafana Alloy as a DaemonSet (the grafana/alloy
 * chart of ALLOY_CHART_VERSION) in the loki-v3 namespace, shipping every pod's logs to Loki v3.
 *
 * Usable without the stack config: AlloyLogCollectorArgs is its own documented
 * interface, and its defaults are applied once, in withDefaults(). The package in
 * pulumi-package/ serves this class to Pulumi programs in any language.
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
import { LOKI_AUTH_SECRET_NAME, PROGRAM_OWNED_PATHS } from "../config/chart/owned";
import { checkChartOverrides, isPlainObject } from "../config/chart/overrides";
import { clusterProvider, type ClusterAccess, type EksCluster } from "./cluster";
import { DEFAULTS } from "../config/defaults";
import { show, valueAt } from "../config/load";
import { stackConfigSchema } from "../config/schema";
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

/*
 * The args are the package's schema (pulumi-package/, `pulumi package get-schema`): the Node.js SDK infers it from
 * these declarations (sdk/nodejs/provider/experimental/analyzer.ts in pulumi/pulumi v3.248.0), which takes
 * no union but `T | undefined`, no anonymous object type and no ReadonlyArray. Hence enums, named interfaces
 * and plain arrays here; withDefaults() turns them into the builders' own types. Every field is optional but
 * the three the collector cannot guess and the cluster access, and each unset field takes DEFAULTS
 * (config/defaults.ts), the stack schema's defaults too: its `@default` says which value.
 */

/** How Loki authenticates the collector. */
export enum LokiAuthType {
  /** No credentials. */
  None = "none",
  /** Basic auth: username and password. */
  Basic = "basic",
  /** A bearer token. */
  Bearer = "bearer",
}

/** Loki credentials, put in a Secret and read by Alloy from its environment; the component keeps them secret. */
export interface LokiAuth {
  /** How Loki authenticates the collector: basic needs username and password, bearer needs token. Required. */
  type: LokiAuthType;
  /** User name, with type basic. */
  username?: pulumi.Input<string>;
  /** Password, with type basic. */
  password?: pulumi.Input<string>;
  /** Token, with type bearer. */
  token?: pulumi.Input<string>;
}

/** Requests and limits of a container, as Kubernetes quantities by resource name (cpu, memory). */
export interface ContainerResources {
  /** Requested resources. */
  requests?: Record<string, string>;
  /** Resource limits. */
  limits?: Record<string, string>;
}

/** What a line rate limit is counted by. */
export enum RateLimitBy {
  /** One limit per namespace. */
  Namespace = "namespace",
  /** One limit per app label. */
  App = "app",
}

/** A per-namespace or per-app line rate limit: excess lines are dropped and counted, never queued. */
export interface RateLimitSettings {
  /** Apply the limit. @default false */
  enabled?: boolean;
  /** What the limit is counted by. @default "namespace" */
  by?: RateLimitBy;
  /** Lines per second each namespace or app may send. @default 1000 */
  linesPerSecond?: number;
  /** Lines sent at once above the rate. @default 5000 */
  burst?: number;
}

/** A workload whose log entries span lines. */
export interface MultilineRule {
  /** Namespace of the workload. Required. */
  namespace: string;
  /** Its app label; unset means every app in the namespace. */
  app?: string;
  /** RE2 matching the first line of each entry. Required. */
  firstLine: string;
  /** How long to wait for more lines of an entry (Go duration). @default "3s" */
  maxWaitTime?: string;
}

/** What is collected from the pods' log files, and how it is filtered. */
export interface PipelineSettings {
  /** Entries older than this Go duration are dropped before sending. @default "12h" */
  maxEntryAge?: string;
  /** Namespaces whose pods are not collected. @default [] */
  excludeNamespaces?: string[];
  /** Pods annotated with this key set to "true" are not collected. @default "alloy-logs/exclude" */
  excludeAnnotation?: string;
  /** Drop the lines probeExpression matches. @default false */
  dropProbeLogs?: boolean;
  /** RE2 matching kubelet probe and health-check lines. @default "kube-probe/|\\b(GET|HEAD) /(healthz?|readyz?|livez?|ping)\\b" */
  probeExpression?: string;
  /** Per-namespace or per-app line rate limit. @default {enabled: false, by: "namespace", linesPerSecond: 1000, burst: 5000} */
  rateLimit?: RateLimitSettings;
  /** Workloads whose entries span lines, joined from a line matching firstLine. @default [] */
  multiline?: MultilineRule[];
  /** The only labels sent to Loki as stream labels. @default ["app", "component", "container", "instance", "job", "namespace", "node_name", "pod", "stream"] */
  indexLabels?: string[];
}

/** The node's systemd journal: kubelet, containerd and kernel lines. */
export interface JournalSettings {
  /** Read each node's journal. @default true */
  enabled?: boolean;
  /** The units whose lines are kept; kernel messages are kept whenever the journal is read. @default ["kubelet.service", "containerd.service"] */
  units?: string[];
  /** How far back a collector with no saved cursor reads (Go duration). @default "12h" */
  maxAge?: string;
  /** The node's journal directory. @default "/var/log/journal" */
  path?: string;
  /** Label each line with its level (emerg ... debug). @default true */
  levelLabel?: boolean;
}

/** Batching and retries of the Loki client; durations and sizes as Alloy reads them. */
export interface LokiWriteSettings {
  /** Bytes of entries sent in one push. @default "1MiB" */
  batchSize?: string;
  /** Longest wait before a batch is sent. @default "1s" */
  batchWait?: string;
  /** Timeout of one push. @default "10s" */
  timeout?: string;
  /** First wait before a retry. @default "500ms" */
  minBackoff?: string;
  /** Longest wait between retries. @default "5m" */
  maxBackoff?: string;
  /** Retries of a failed push before its batch is dropped. @default 15 */
  maxRetries?: number;
}

/** The ServiceMonitor for kube-prometheus-stack. */
export interface ServiceMonitorSettings {
  /** Create the ServiceMonitor. @default true */
  enabled?: boolean;
  /** Labels the Prometheus serviceMonitorSelector matches. @default {release: "kube-prometheus-stack"} */
  labels?: Record<string, string>;
  /** Scrape interval; unset uses Prometheus's global interval. */
  interval?: string;
}

/** Datadog openmetrics Autodiscovery annotations on the collector pods. */
export interface DatadogSettings {
  /** Annotate the pods for Datadog's openmetrics check. @default false */
  enabled?: boolean;
  /** Prefix of the metric names in Datadog. @default "loki_v3" */
  namespace?: string;
  /** Regular expressions of the Alloy metrics sent to Datadog. @default the ten of config/datadog-metrics.ts */
  metrics?: string[];
}

/** The DaemonSet's rolling update. */
export interface RolloutSettings {
  /** Collectors replaced at once: a whole number of pods such as "1", or a percentage such as "10%". @default "10%" */
  maxUnavailable?: string;
  /** A new collector counts as available only after being ready this many seconds. @default 10 */
  minReadySeconds?: number;
  /** Seconds a stopping collector has to send its last batch and save its positions. @default 60 */
  terminationGracePeriodSeconds?: number;
}

/** The PrometheusRule with the collector alerts. */
export interface AlertSettings {
  /** Create the PrometheusRule. @default true */
  enabled?: boolean;
  /** Labels the Prometheus ruleSelector matches. @default {release: "kube-prometheus-stack"} */
  labels?: Record<string, string>;
  /** Minutes without a sent entry before AlloyNoEntriesSent fires. @default 10 */
  noEntriesSentMinutes?: number;
  /** Share of the memory limit that fires AlloyMemoryNearLimit. @default 0.9 */
  memoryLimitRatio?: number;
  /** Share of failed Loki requests that fires AlloyLokiRequestsFailing. @default 0.1 */
  failedRequestRatio?: number;
}

/** The Grafana dashboard ConfigMap. */
export interface DashboardSettings {
  /** Create the dashboard ConfigMap. @default true */
  enabled?: boolean;
  /** Labels Grafana's dashboard sidecar looks for. @default {grafana_dashboard: "1"} */
  labels?: Record<string, string>;
}

/** The events collector, the release alloy-events: the cluster's Kubernetes events in Loki. */
export interface EventsSettings {
  /** Run the alloy-events release; false removes it. @default true */
  enabled?: boolean;
  /** Requests and limits of its alloy container. @default {requests: {cpu: "50m", memory: "128Mi"}, limits: {memory: "512Mi"}} */
  resources?: ContainerResources;
  /** Label each line with the involved object's kind. @default true */
  kindLabel?: boolean;
}

/** One cluster's log collection: set clusterName, lokiEndpoint, tenantId, and one of kubeconfigContext and eks. */
export interface AlloyLogCollectorArgs {
  /** Cluster name, the `cluster` label on every log line. Required. */
  clusterName: string;
  /** Loki push URL, ending in /loki/api/v1/push. Required. */
  lokiEndpoint: string;
  /** Loki tenant ID (X-Scope-OrgID). Required. */
  tenantId: string;
  /** kubeconfig context of the cluster; set this or eks, never neither (the ambient context is never used). */
  kubeconfigContext?: string;
  /** EKS cluster to reach by name and region (optionally through a role); set this or kubeconfigContext. */
  eks?: EksCluster;
  /** What is collected and how it is filtered. @default each PipelineSettings field's default */
  pipeline?: PipelineSettings;
  /** The node's systemd journal (kubelet, containerd, kernel). @default each JournalSettings field's default */
  journal?: JournalSettings;
  /** Loki client batching and retries. @default each LokiWriteSettings field's default */
  lokiWrite?: LokiWriteSettings;
  /** Namespace Alloy is installed in. @default "loki-v3" */
  namespace?: string;
  /** Create the namespace (and retain it on delete) rather than only read an existing one. @default false */
  createNamespace?: boolean;
  /** Loki credentials, put in a Secret and read by Alloy from its environment. @default {type: "none"} */
  lokiAuth?: LokiAuth;
  /** Requests and limits of the alloy container. @default {requests: {cpu: "250m", memory: "300Mi"}, limits: {memory: "700Mi"}} */
  resources?: ContainerResources;
  /** ServiceMonitor for kube-prometheus-stack. @default each ServiceMonitorSettings field's default */
  serviceMonitor?: ServiceMonitorSettings;
  /** Datadog openmetrics Autodiscovery annotations. @default each DatadogSettings field's default */
  datadog?: DatadogSettings;
  /** prometheus.io/scrape and prometheus.io/port pod annotations, as the seed had them. @default true */
  prometheusAnnotations?: boolean;
  /** Host directory under which the release keeps its state (read positions). @default "/var/lib/alloy-logs" */
  storageHostPath?: string;
  /** Rolling update of the DaemonSet. @default each RolloutSettings field's default */
  rollout?: RolloutSettings;
  /** PrometheusRule with the collector alerts. @default each AlertSettings field's default */
  alerts?: AlertSettings;
  /** Grafana dashboard ConfigMap. @default each DashboardSettings field's default */
  dashboard?: DashboardSettings;
  /** The events collector, the release alloy-events. @default each EventsSettings field's default */
  events?: EventsSettings;
  /** Extra grafana/alloy chart values, merged last; a path the chart does not read, or one the component sets, is refused. @default {} */
  // Any value: chart values are any JSON (the schema's pulumi.json#/Any); the analyzer takes no `unknown`.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  chartOverrides?: Record<string, any>;
  /** HTTP(S) chart repository or oci:// registry path the chart is pulled from. @default "https://grafana.github.io/helm-charts" */
  chartRepository?: string;
}

/** Loki credentials as the builders take them: each credential sits beside its type, so the two cannot disagree. */
export type ResolvedLokiAuth =
  | { type: "none" }
  | { type: "basic"; username: pulumi.Input<string>; password: pulumi.Input<string> }
  | { type: "bearer"; token: pulumi.Input<string> };

/** The args with every default applied, in the builders' own types. */
export interface ResolvedArgs extends ClusterAccess {
  clusterName: string;
  lokiEndpoint: string;
  tenantId: string;
  pipeline: PipelineOptions;
  journal: JournalOptions;
  lokiWrite: LokiWriteOptions;
  namespace: string;
  createNamespace: boolean;
  lokiAuth: ResolvedLokiAuth;
  resources: ResourceRequirements;
  serviceMonitor: { enabled: boolean; labels: Record<string, string>; interval?: string };
  datadog: { enabled: boolean; namespace: string; metrics: readonly string[] };
  prometheusAnnotations: boolean;
  storageHostPath: string;
  rollout: { maxUnavailable: number | string; minReadySeconds: number; terminationGracePeriodSeconds: number };
  alerts: {
    enabled: boolean;
    labels: Record<string, string>;
    noEntriesSentMinutes: number;
    memoryLimitRatio: number;
    failedRequestRatio: number;
  };
  dashboard: { enabled: boolean; labels: Record<string, string> };
  events: EventsOptions;
  chartOverrides: Record<string, unknown>;
  chartRepository: string;
}

/** Where the credentials were, in the copy of the args checkArgs hands the stack schema: never shown, never judged there. */
const CREDENTIAL_PLACEHOLDER = "[secret]";

/**
 * The resolved args judged by the stack schema's rules (config/schema.ts), field for field: the Loki URL by Go's
 * net/url, durations by time.ParseDuration, regular expressions by RE2, names by Kubernetes's rules, every bound.
 * A stack's config has passed them already (index.ts parses it first); a program in another language reaches the
 * component with nothing in front of it, and a value Alloy cannot read would be deployed and lose logs. Returns one
 * line per problem, each naming the arg, its value (a credential never) and what is expected; none when all is well.
 */
export function checkArgs(resolved: ResolvedArgs): string[] {
  const { lokiAuth, ...rest } = resolved;
  const credentials =
    lokiAuth.type === "basic"
      ? { username: CREDENTIAL_PLACEHOLDER, password: CREDENTIAL_PLACEHOLDER }
      : lokiAuth.type === "bearer"
        ? { token: CREDENTIAL_PLACEHOLDER }
        : {};
  const input: Record<string, unknown> = { ...rest, lokiAuth: { type: lokiAuth.type, ...credentials } };
  const result = stackConfigSchema.safeParse(input);
  if (result.success) return [];
  // "Exactly one of kubeconfigContext and eks" is the schema's custom check on the whole config; clusterProvider
  // (components/cluster.ts) makes the same one, with the component's own message.
  const clusterChoice = (issue: (typeof result.error.issues)[number]) =>
    issue.code === "custom" && issue.path.length === 1 && (issue.path[0] === "eks" || issue.path[0] === "kubeconfigContext");
  return result.error.issues
    .filter((issue) => !clusterChoice(issue))
    .map((issue) => {
      const key = issue.path.map(String).join(".");
      const value = issue.path[0] === "lokiAuth" && issue.path.length > 1 ? CREDENTIAL_PLACEHOLDER : show(valueAt(input, issue.path));
      return `${key}: got ${value}; ${issue.message}`;
    });
}

/** A bad arg, named with its value and what is expected (never a credential's value). */
function badArg(key: string, got: unknown, expected: string): Error {
  return new Error(`AlloyLogCollector: ${key}: got ${JSON.stringify(got)}; expected ${expected}`);
}

/** The credentials of `auth` checked against its type: a credential of the other type, or one missing, is refused. */
function resolveLokiAuth(auth: LokiAuth | undefined): ResolvedLokiAuth {
  const type: string = auth?.type ?? DEFAULTS.lokiAuth.type;
  const given = (["username", "password", "token"] as const).filter((field) => auth?.[field] !== undefined);
  const need = (fields: readonly string[]) => {
    const missing = fields.filter((field) => !given.includes(field as (typeof given)[number]));
    const extra = given.filter((field) => !fields.includes(field));
    if (missing.length > 0) throw badArg(`lokiAuth.${missing[0]}`, "[unset]", `a value, with lokiAuth.type ${type}`);
    if (extra.length > 0) throw badArg(`lokiAuth.${extra[0]}`, "[secret]", `no ${extra[0]} with lokiAuth.type ${type}`);
  };
  switch (type) {
    case "none":
      need([]);
      return { type: "none" };
    case "basic":
      need(["username", "password"]);
      return { type: "basic", username: auth!.username!, password: auth!.password! };
    case "bearer":
      need(["token"]);
      return { type: "bearer", token: auth!.token! };
    default:
      throw badArg("lokiAuth.type", type, 'one of "none", "basic" or "bearer"');
  }
}

/** maxUnavailable as Kubernetes reads it: a whole number of pods is an integer, a percentage a string. */
function resolveMaxUnavailable(value: string | undefined): number | string {
  const given = value ?? DEFAULTS.rollout.maxUnavailable;
  if (/^[1-9][0-9]*$/.test(given)) return Number(given);
  if (/^([1-9][0-9]?|100)%$/.test(given)) return given;
  throw badArg("rollout.maxUnavailable", given, "a whole number of pods such as 1, or a percentage such as 10%");
}

/** The enum's value as the builders type it; a JavaScript caller may pass any string. */
function resolveRateLimitBy(value: RateLimitBy | undefined): PipelineOptions["rateLimit"]["by"] {
  const given: string = value ?? DEFAULTS.pipeline.rateLimit.by;
  if (given === "namespace" || given === "app") return given;
  throw badArg("pipeline.rateLimit.by", given, 'one of "namespace" or "app"');
}

/** A multiline rule with its maxWaitTime defaulted; `app` stays absent when unset, as the builders read it. */
function resolveMultilineRule(rule: MultilineRule): PipelineOptions["multiline"][number] {
  return {
    namespace: rule.namespace,
    ...(rule.app !== undefined && { app: rule.app }),
    firstLine: rule.firstLine,
    maxWaitTime: rule.maxWaitTime ?? DEFAULTS.multilineRule.maxWaitTime,
  };
}

/**
 * chartOverrides checked as the stack config checks them (config/chart/overrides.ts): a program in another
 * language gets no stack schema in front of the component, and Helm silently drops a value at a path the
 * chart does not read. The stack's own overrides pass again, unchanged.
 */
function resolveChartOverrides(given: Record<string, unknown> | undefined): Record<string, unknown> {
  if (given === undefined) return DEFAULTS.chartOverrides;
  if (!isPlainObject(given) || pulumi.Output.isInstance(given)) {
    throw badArg("chartOverrides", "[not plain data]", "a map of grafana/alloy chart values, known at preview (no outputs or secrets)");
  }
  const problems = checkChartOverrides(given, PROGRAM_OWNED_PATHS);
  if (problems.length > 0) {
    const lines = problems.map((p) => `  - chartOverrides.${p.path.join(".")}: got ${p.shown ?? shownValue(given, p.path)}; ${p.message}`);
    throw new Error(`AlloyLogCollector: invalid chartOverrides, nothing was deployed:\n${lines.join("\n")}`);
  }
  return given;
}

/** The value at `path`, shown short: a chart value, never a credential (lokiAuth is no chart value). */
function shownValue(root: Record<string, unknown>, path: readonly string[]): string {
  const value = valueAt(root, path);
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

/** Requests and limits, each taken whole when given. */
function resolveResources(given: ContainerResources | undefined, defaults: ResourceRequirements): ResourceRequirements {
  return given === undefined
    ? defaults
    : { ...(given.requests && { requests: given.requests }), ...(given.limits && { limits: given.limits }) };
}

/** The args with every default applied: the one place defaults are set, field by field. */
export function withDefaults(args: AlloyLogCollectorArgs): ResolvedArgs {
  const {
    pipeline = {},
    journal = {},
    lokiWrite = {},
    serviceMonitor = {},
    datadog = {},
    rollout = {},
    alerts = {},
    dashboard = {},
  } = args;
  const events = args.events ?? {};
  const rateLimit = pipeline.rateLimit ?? {};
  const defaults = DEFAULTS;
  return {
    clusterName: args.clusterName,
    lokiEndpoint: args.lokiEndpoint,
    tenantId: args.tenantId,
    ...(args.kubeconfigContext !== undefined && { kubeconfigContext: args.kubeconfigContext }),
    ...(args.eks !== undefined && { eks: args.eks }),
    pipeline: {
      maxEntryAge: pipeline.maxEntryAge ?? defaults.pipeline.maxEntryAge,
      excludeNamespaces: pipeline.excludeNamespaces ?? defaults.pipeline.excludeNamespaces,
      excludeAnnotation: pipeline.excludeAnnotation ?? defaults.pipeline.excludeAnnotation,
      dropProbeLogs: pipeline.dropProbeLogs ?? defaults.pipeline.dropProbeLogs,
      probeExpression: pipeline.probeExpression ?? defaults.pipeline.probeExpression,
      rateLimit: {
        enabled: rateLimit.enabled ?? defaults.pipeline.rateLimit.enabled,
        by: resolveRateLimitBy(rateLimit.by),
        linesPerSecond: rateLimit.linesPerSecond ?? defaults.pipeline.rateLimit.linesPerSecond,
        burst: rateLimit.burst ?? defaults.pipeline.rateLimit.burst,
      },
      multiline: pipeline.multiline?.map(resolveMultilineRule) ?? defaults.pipeline.multiline,
      indexLabels: pipeline.indexLabels ?? defaults.pipeline.indexLabels,
    },
    journal: {
      enabled: journal.enabled ?? defaults.journal.enabled,
      units: journal.units ?? defaults.journal.units,
      maxAge: journal.maxAge ?? defaults.journal.maxAge,
      path: journal.path ?? defaults.journal.path,
      levelLabel: journal.levelLabel ?? defaults.journal.levelLabel,
    },
    lokiWrite: {
      batchSize: lokiWrite.batchSize ?? defaults.lokiWrite.batchSize,
      batchWait: lokiWrite.batchWait ?? defaults.lokiWrite.batchWait,
      timeout: lokiWrite.timeout ?? defaults.lokiWrite.timeout,
      minBackoff: lokiWrite.minBackoff ?? defaults.lokiWrite.minBackoff,
      maxBackoff: lokiWrite.maxBackoff ?? defaults.lokiWrite.maxBackoff,
      maxRetries: lokiWrite.maxRetries ?? defaults.lokiWrite.maxRetries,
    },
    namespace: args.namespace ?? defaults.namespace,
    createNamespace: args.createNamespace ?? defaults.createNamespace,
    lokiAuth: resolveLokiAuth(args.lokiAuth),
    resources: resolveResources(args.resources, defaults.resources),
    serviceMonitor: {
      enabled: serviceMonitor.enabled ?? defaults.serviceMonitor.enabled,
      labels: serviceMonitor.labels ?? defaults.serviceMonitor.labels,
      ...(serviceMonitor.interval !== undefined && { interval: serviceMonitor.interval }),
    },
    datadog: {
      enabled: datadog.enabled ?? defaults.datadog.enabled,
      namespace: datadog.namespace ?? defaults.datadog.namespace,
      metrics: datadog.metrics ?? defaults.datadog.metrics,
    },
    prometheusAnnotations: args.prometheusAnnotations ?? defaults.prometheusAnnotations,
    storageHostPath: args.storageHostPath ?? defaults.storageHostPath,
    rollout: {
      maxUnavailable: resolveMaxUnavailable(rollout.maxUnavailable),
      minReadySeconds: rollout.minReadySeconds ?? defaults.rollout.minReadySeconds,
      terminationGracePeriodSeconds: rollout.terminationGracePeriodSeconds ?? defaults.rollout.terminationGracePeriodSeconds,
    },
    alerts: {
      enabled: alerts.enabled ?? defaults.alerts.enabled,
      labels: alerts.labels ?? defaults.alerts.labels,
      noEntriesSentMinutes: alerts.noEntriesSentMinutes ?? defaults.alerts.noEntriesSentMinutes,
      memoryLimitRatio: alerts.memoryLimitRatio ?? defaults.alerts.memoryLimitRatio,
      failedRequestRatio: alerts.failedRequestRatio ?? defaults.alerts.failedRequestRatio,
    },
    dashboard: {
      enabled: dashboard.enabled ?? defaults.dashboard.enabled,
      labels: dashboard.labels ?? defaults.dashboard.labels,
    },
    events: {
      enabled: events.enabled ?? defaults.events.enabled,
      resources: resolveResources(events.resources, defaults.events.resources),
      kindLabel: events.kindLabel ?? defaults.events.kindLabel,
    },
    chartOverrides: resolveChartOverrides(args.chartOverrides),
    chartRepository: args.chartRepository ?? defaults.chartRepository,
  };
}

/** Environment variable -> credential, in the order the chart values list them. */
function credentialEnv(auth: ResolvedLokiAuth): Record<string, pulumi.Input<string>> {
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

/** The component's type token, in the package alloy-logs (pulumi-package/). */
export const COMPONENT_TYPE = "alloy-logs:index:AlloyLogCollector";
/** Its type before the package: aliased, so nothing deployed under it is replaced. */
export const LEGACY_COMPONENT_TYPE = "alloy-logs:collector:AlloyLogCollector";

const LOKI_AUTH_SECRETS = new WeakMap<AlloyLogCollector, k8s.core.v1.Secret>();

export class AlloyLogCollector extends pulumi.ComponentResource {
  /** Namespace the collector runs in. */
  readonly namespace: pulumi.Output<string>;
  /** Name of the collector DaemonSet. */
  readonly daemonSetName: string;
  /** The generated Alloy configuration. */
  readonly alloyConfig: string;
  /** The events collector's Alloy configuration, when events.enabled. */
  readonly eventsAlloyConfig?: string;

  /**
   * The Secret holding the Loki credentials, when there are some. A getter, not a property: the schema
   * analyzer makes every property an output, and a Secret there would make the package's schema depend on
   * the kubernetes package's.
   */
  get lokiAuthSecret(): k8s.core.v1.Secret | undefined {
    return LOKI_AUTH_SECRETS.get(this);
  }

  /** Children are named `<name>-<role>`, so two instances never collide and each child says whose it is. */
  constructor(name: string, args: AlloyLogCollectorArgs, opts?: pulumi.ComponentResourceOptions) {
    // The type was alloy-logs:collector:AlloyLogCollector up to 5b3018a; a component package's types are
    // <package>:index:<Type> (ComponentProvider.validateResourceType in pulumi/pulumi
    // sdk/nodejs/provider/experimental/provider.ts). The alias keeps the stacks deployed before in place:
    // the component and, through their parent, all its children.
    super(COMPONENT_TYPE, name, {}, { ...opts, aliases: [...(opts?.aliases ?? []), { type: LEGACY_COMPONENT_TYPE }] });
    const settings = withDefaults(args);
    const problems = checkArgs(settings);
    if (problems.length > 0)
      throw new Error(`AlloyLogCollector: invalid args, nothing was deployed:\n${problems.map((p) => `  - ${p}`).join("\n")}`);

    const provider = clusterProvider(name, settings, this);

    // A namespace the program creates is retained on destroy: deleting a
    // namespace deletes everything in it, Loki included. One it did not create
    // is only read, so Pulumi never owns or deletes it.
    // The engine applies no aliases of its own to a read (GenerateReadSteps in pulumi/pulumi
    // pkg/resource/deploy/step_generator.go): a renamed read is read again under its new
    // name and its old entry dropped from state, which touches nothing in the cluster.
    const namespaceName = `${name}-namespace`;
    const namespace = settings.createNamespace
      ? new k8s.core.v1.Namespace(
          namespaceName,
          { metadata: { name: settings.namespace } },
          { parent: this, provider, retainOnDelete: true, ...legacyAlias(namespaceName, LEGACY_NAMES.namespace(settings.namespace)) },
        )
      : k8s.core.v1.Namespace.get(namespaceName, settings.namespace, { parent: this, provider });

    this.alloyConfig = buildAlloyConfig({
      clusterName: settings.clusterName,
      tenantId: settings.tenantId,
      lokiEndpoint: settings.lokiEndpoint,
      pipeline: settings.pipeline,
      journal: settings.journal,
      write: settings.lokiWrite,
      auth: settings.lokiAuth.type,
    });

    // Credentials live in a Secret and reach Alloy as environment variables that
    // the config reads with sys.env: never in the ConfigMap, the values or the plan.
    const secretName = LOKI_AUTH_SECRET_NAME;
    const env = credentialEnv(settings.lokiAuth);
    const variables = Object.keys(env);
    let lokiAuthSecret: k8s.core.v1.Secret | undefined;
    if (variables.length > 0) {
      lokiAuthSecret = new k8s.core.v1.Secret(
        `${name}-loki-auth`,
        { metadata: { name: secretName, namespace: settings.namespace }, type: "Opaque", stringData: pulumi.secret(pulumi.all(env)) },
        { parent: this, provider, dependsOn: [namespace], ...legacyAlias(`${name}-loki-auth`, LEGACY_NAMES.lokiAuthSecret()) },
      );
    }
    const values = buildChartValues({
      alloyConfig: this.alloyConfig,
      resources: settings.resources,
      serviceMonitor: settings.serviceMonitor,
      datadog: settings.datadog,
      prometheusAnnotations: settings.prometheusAnnotations,
      // Dedicated to this release: two releases on one node never share positions.
      storageHostPath: `${settings.storageHostPath}/${settings.namespace}-${RELEASE_NAME}`,
      journalPath: settings.journal.enabled ? settings.journal.path : undefined,
      rollout: settings.rollout,
      secretEnv: variables.length > 0 ? { secretName, variables } : undefined,
      overrides: settings.chartOverrides,
    });

    // The chart names the ServiceAccount after the release (templates/serviceaccount.yaml).
    const rbacName = `${settings.namespace}-${RELEASE_NAME}-logs`;
    const rbacResourceName = `${name}-pod-reader`;
    const rbacOpts = { parent: this, provider, ...legacyAlias(rbacResourceName, LEGACY_NAMES.rbac(settings.namespace)) };
    const role = new k8s.rbac.v1.ClusterRole(rbacResourceName, { metadata: { name: rbacName }, rules: COLLECTOR_RBAC_RULES }, rbacOpts);
    const binding = new k8s.rbac.v1.ClusterRoleBinding(
      rbacResourceName,
      {
        metadata: { name: rbacName },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: role.metadata.name },
        subjects: [{ kind: "ServiceAccount", name: RELEASE_NAME, namespace: settings.namespace }],
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
        ...chartSource(settings.chartRepository),
        version: ALLOY_CHART_VERSION,
        // The name from config rather than the Namespace's output, so a preview
        // shows the namespace of every chart object instead of "unknown".
        namespace: settings.namespace,
        values,
      },
      {
        parent: this,
        provider,
        dependsOn: [namespace, binding, ...(lokiAuthSecret ? [lokiAuthSecret] : [])],
        ...legacyAlias(`${name}-chart`, LEGACY_NAMES.chart()),
      },
    );

    // The events collector (alloy-events): its own release beside the DaemonSet's,
    // sharing the namespace, the Loki credentials' Secret and the monitoring settings.
    if (settings.events.enabled) {
      const eventsInput = {
        clusterName: settings.clusterName,
        tenantId: settings.tenantId,
        lokiEndpoint: settings.lokiEndpoint,
        lokiWrite: settings.lokiWrite,
        namespace: settings.namespace,
        authType: settings.lokiAuth.type,
        secretEnv: variables.length > 0 ? { secretName, variables } : undefined,
        serviceMonitor: settings.serviceMonitor,
        chartRepository: settings.chartRepository,
        events: settings.events,
      };
      this.eventsAlloyConfig = eventsAlloyConfig(eventsInput);
      registerEventsCollector(name, eventsInput, {
        parent: this,
        provider,
        dependsOn: [namespace, ...(lokiAuthSecret ? [lokiAuthSecret] : [])],
      });
    }

    // The Service, and so the Prometheus job label of the Alloy targets, is named after the release.
    const monitored = { namespace: settings.namespace, daemonSet: RELEASE_NAME, container: ALLOY_CONTAINER, job: RELEASE_NAME };
    if (settings.alerts.enabled) {
      const spec = buildAlertRules({
        ...monitored,
        noEntriesSentMinutes: settings.alerts.noEntriesSentMinutes,
        journal: settings.journal.enabled,
        memoryLimitRatio: settings.alerts.memoryLimitRatio,
        failedRequestRatio: settings.alerts.failedRequestRatio,
      });
      // Without the ServiceMonitor nothing scrapes Alloy: its pipeline alerts would
      // only ever say so (AlloyMetricsNotScraped), so only the kube-state-metrics ones stay.
      const groups = settings.serviceMonitor.enabled ? spec.groups : spec.groups.filter((g) => g.name === RULE_GROUP_NAMES.collectors);
      if (settings.events.enabled) {
        const events = buildEventsRuleGroup({ namespace: settings.namespace, deployment: EVENTS_RELEASE_NAME, job: EVENTS_RELEASE_NAME });
        // Its push alert reads Alloy's metrics, which only the ServiceMonitor brings.
        if (!settings.serviceMonitor.enabled) events.rules = events.rules.filter((r) => r.alert === "AlloyEventsCollectorUnavailable");
        groups.push(events);
      }
      new k8s.apiextensions.CustomResource(
        `${name}-alerts`,
        {
          apiVersion: "monitoring.coreos.com/v1",
          kind: "PrometheusRule",
          metadata: { name: `${RELEASE_NAME}-logs`, namespace: settings.namespace, labels: settings.alerts.labels },
          spec: { groups },
        },
        { parent: this, provider, dependsOn: [namespace], ...legacyAlias(`${name}-alerts`, LEGACY_NAMES.alertRule()) },
      );
    }
    if (settings.dashboard.enabled) {
      new k8s.core.v1.ConfigMap(
        `${name}-dashboard`,
        {
          metadata: { name: `${RELEASE_NAME}-logs-dashboard`, namespace: settings.namespace, labels: settings.dashboard.labels },
          data: {
            [DASHBOARD_FILE_NAME]: JSON.stringify(
              buildDashboard({
                ...monitored,
                events: settings.events.enabled ? { deployment: EVENTS_RELEASE_NAME, job: EVENTS_RELEASE_NAME } : undefined,
              }),
              null,
              2,
            ),
          },
        },
        { parent: this, provider, dependsOn: [namespace], ...legacyAlias(`${name}-dashboard`, LEGACY_NAMES.dashboard()) },
      );
    }

    if (lokiAuthSecret) LOKI_AUTH_SECRETS.set(this, lokiAuthSecret);
    this.namespace = namespace.metadata.name;
    this.daemonSetName = RELEASE_NAME;
    this.registerOutputs({ namespace: this.namespace, daemonSetName: this.daemonSetName });
  }
}
