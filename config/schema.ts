/**
 * The stack configuration: every key a `Pulumi.<stack>.yaml` may set under the
 * project namespace, its type, its validation and its default (config/defaults.ts,
 * which the component applies too). docs/configuration.md's reference is
 * generated from it (docs/config-reference.ts).
 */
import { z } from "zod";
import { ALLOY_CHART_VERSION } from "./chart/alloy-values.generated";
import { DNS1123_LABEL, DNS1123_LABEL_MAX_LENGTH } from "../lib/dns1123";
import { DEFAULTS } from "./defaults";
import { parseBase2Bytes, parseGoDuration, parseHttpUrl, re2Error } from "./go-rules";
import { parseQuantity } from "./quantity";

/** Pulumi project name; stack keys are `alloy-logs:<key>`. */
export const PROJECT = "alloy-logs";

// Each message completes the sentence "got <value>; expected …".

/** A map that accepts only the given keys; any other input is "expected a map with the keys …". */
function strictMap<T extends Record<string, z.ZodType>>(shape: T) {
  return z.strictObject(shape, { error: `expected a map with the keys ${Object.keys(shape).join(", ")}` });
}

/** A switch: true or false, with its default. */
const flag = (on: boolean, description: string) => z.boolean({ error: "expected true or false" }).default(on).meta({ description });

const dns1123Label = z
  .string({ error: "expected a string" })
  .max(DNS1123_LABEL_MAX_LENGTH, { error: "expected a DNS-1123 label of at most 63 characters" })
  .regex(DNS1123_LABEL, {
    error: "expected a DNS-1123 label: lowercase letters, digits and '-', starting and ending with a letter or digit (e.g. loki-v3)",
  });

/**
 * Loki's tenant ID rule (pkg/util/validation, "Tenant IDs"): 1-150 bytes of
 * alphanumerics and ! - _ . * ' ( ), and not "." or "..".
 * https://grafana.com/docs/loki/latest/operations/multi-tenancy/
 */
const TENANT_ID = /^[A-Za-z0-9!\-_.*'()]{1,150}$/;
const tenantId = z
  .string({ error: "expected a string" })
  .regex(TENANT_ID, {
    error: "expected a Loki tenant ID: 1-150 characters from A-Z a-z 0-9 ! - _ . * ' ( ) (e.g. ops)",
  })
  .refine((t) => t !== "." && t !== "..", { error: 'expected a Loki tenant ID other than "." or ".."' });

/** An EKS cluster name (1-100 of letters, digits, '-', '_'), also used as the `cluster` label on every log line. */
const clusterName = z.string({ error: "expected a string" }).regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$/, {
  error: "expected a cluster name: 1-100 letters, digits, '-' or '_', starting with a letter or digit (e.g. buzzvil-eks-ops)",
});

const kubeconfigContext = z
  .string({ error: "expected a string" })
  .regex(/^[^\s"'\\]{1,253}$/, { error: "expected the name of a context in your kubeconfig, without spaces or quotes" });

const LOKI_PUSH_PATH = "/loki/api/v1/push";
/**
 * The Loki push URL, judged as Go's net/url and Alloy's loki.write read it
 * (config/go-rules.ts) and written into config.alloy exactly as validated.
 */
const lokiEndpoint = z.string({ error: "expected a string" }).superRefine((text, ctx) => {
  const url = parseHttpUrl(text);
  if ("error" in url) ctx.addIssue({ code: "custom", message: `expected ${url.error}` });
  else if (!url.path.endsWith(LOKI_PUSH_PATH)) {
    ctx.addIssue({ code: "custom", message: `expected the Loki push path: the URL must end in ${LOKI_PUSH_PATH}` });
  }
});

const quantity = (example: string) =>
  z.string({ error: `expected a Kubernetes quantity string such as ${example}` }).refine((q) => (parseQuantity(q) ?? -1) > 0, {
    error: `expected a positive Kubernetes quantity such as ${example} (Ki/Mi/Gi are powers of 1024; MB is not a unit)`,
    abort: true,
  });

/** Units a memory quantity must carry: without one it is bytes, and m is thousandths of a byte. */
const MEMORY_UNIT = /(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)$/;
const memoryQuantity = (example: string) =>
  quantity(example).refine((q) => MEMORY_UNIT.test(q), {
    error: `expected a memory quantity with a unit such as ${example}: without one it is bytes (Ki/Mi/Gi are powers of 1024)`,
  });

const resourceList = (cpu: string, memory: string) =>
  strictMap({
    cpu: quantity(cpu)
      .optional()
      .meta({ description: `CPU, e.g. ${cpu}` }),
    memory: memoryQuantity(memory)
      .optional()
      .meta({ description: `Memory, e.g. ${memory}` }),
  });

/**
 * Resources of the alloy container. A memory limit is required: the collector
 * runs on every node with priority system-node-critical, so an unbounded one
 * could starve the node it is meant to observe.
 */
const resources = strictMap({
  requests: resourceList("250m", "300Mi").default({ ...DEFAULTS.resources.requests }),
  limits: resourceList("1", "700Mi").default({ ...DEFAULTS.resources.limits }),
}).superRefine((r, ctx) => {
  if (!r.requests.cpu) ctx.addIssue({ code: "custom", path: ["requests", "cpu"], message: "expected a CPU request such as 250m" });
  if (!r.requests.memory)
    ctx.addIssue({ code: "custom", path: ["requests", "memory"], message: "expected a memory request such as 300Mi" });
  if (!r.limits.memory) ctx.addIssue({ code: "custom", path: ["limits", "memory"], message: "expected a memory limit such as 700Mi" });
  for (const name of ["cpu", "memory"] as const) {
    const request = r.requests[name];
    const limit = r.limits[name];
    const [requested, limited] = [request, limit].map((q) => (q === undefined ? undefined : parseQuantity(q)));
    if (requested !== undefined && limited !== undefined && limited < requested) {
      ctx.addIssue({
        code: "custom",
        path: ["limits", name],
        message: `expected a ${name} limit of at least the request (${request}); Kubernetes rejects limits below requests`,
        params: {
          unsetBlame: {
            path: ["resources", "requests", name],
            message: `expected a ${name} request of at most the limit (${limit}); Kubernetes rejects limits below requests`,
          },
        },
      });
    }
  }
});

/** Kubernetes label key/value rules (apimachinery validation.IsQualifiedName / IsValidLabelValue). */
const LABEL_KEY = /^(([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*)\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$/;
/** A label key, with IsQualifiedName's 253-character limit on the DNS prefix. */
const labelKey = (what: string) =>
  z
    .string()
    .regex(LABEL_KEY, { error: `expected ${what} such as release or example.com/team` })
    .refine((k) => !k.includes("/") || k.indexOf("/") <= 253, { error: `expected ${what} whose prefix is at most 253 characters` });
/**
 * Labels a selector elsewhere must match (Prometheus's serviceMonitorSelector
 * and ruleSelector, Grafana's dashboard sidecar): an empty value is a valid
 * label but one no such selector is ever written to match.
 */
const selectorLabels = z.record(
  labelKey("a Kubernetes label key"),
  z
    .string({ error: "expected a label value string" })
    .min(1, { error: "expected a non-empty label value: the selector that looks for this label never matches an empty one" })
    .regex(LABEL_VALUE, {
      error: "expected a Kubernetes label value: at most 63 letters, digits, '-', '_' or '.'",
    }),
  { error: "expected a map of Kubernetes labels" },
);

/** A Prometheus duration such as 30s or 1m (prometheus-operator's Duration pattern). */
const promDuration = z
  .string({ error: "expected a duration string" })
  .regex(/^(0|(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?)$/, {
    error: "expected a Prometheus duration such as 30s or 1m",
  })
  .refine((d) => d !== "", { error: "expected a Prometheus duration such as 30s or 1m" });

const serviceMonitor = strictMap({
  enabled: flag(DEFAULTS.serviceMonitor.enabled, "Create a ServiceMonitor for Alloy's /metrics."),
  labels: selectorLabels.default({ ...DEFAULTS.serviceMonitor.labels }).meta({
    description: "Labels the Prometheus serviceMonitorSelector matches; kube-prometheus-stack selects release: <its release name>.",
  }),
  interval: promDuration.optional().meta({ description: "Scrape interval; unset uses Prometheus's global interval." }),
});

const datadog = strictMap({
  enabled: flag(DEFAULTS.datadog.enabled, "Add Datadog Autodiscovery annotations that run the openmetrics check on Alloy's metrics port."),
  namespace: z
    .string({ error: "expected a string" })
    .regex(/^[a-z][a-z0-9_]{0,63}$/, { error: "expected a Datadog metric namespace: lowercase letters, digits and '_' (e.g. loki_v3)" })
    .default(DEFAULTS.datadog.namespace)
    .meta({ description: "Prefix of every metric the check submits." }),
  metrics: z
    .array(z.string({ error: "expected a metric name or regular expression" }).min(1, { error: "expected a non-empty metric name" }), {
      error: "expected a list of metric names",
    })
    .min(1, { error: "expected at least one metric name" })
    .default([...DEFAULTS.datadog.metrics])
    .meta({
      description:
        "Metric names the check collects (docs/monitoring.md, Datadog metrics): an explicit list, since every metric is a billed custom metric.",
    }),
});

/** A whole number of `unit` of at least `min`; `tooSmall` completes "expected …" for smaller ones. */
const wholeNumber = (unit: string, min: number, tooSmall: string) =>
  z
    .number({ error: `expected a whole number of ${unit}` })
    .int({ error: `expected a whole number of ${unit}` })
    .min(min, { error: tooSmall });

/**
 * A Go time.Duration, as Alloy parses every duration used here
 * (time.ParseDuration: 1d is not one), and above zero: none of these
 * durations works at 0 (a 0s timeout fails every push at once).
 */
const goDuration = (example: string, below?: { seconds: number; message: string }) =>
  z.string({ error: `expected a duration string such as ${example}` }).superRefine((text, ctx) => {
    const parsed = parseGoDuration(text);
    if ("error" in parsed) {
      ctx.addIssue({
        code: "custom",
        message: `expected a Go duration such as ${example} (units ns, us, ms, s, m, h; no d): ${parsed.error}`,
      });
    } else if (parsed.ns <= 0 || (below && parsed.ns >= below.seconds * 1e9)) {
      ctx.addIssue({ code: "custom", message: below?.message ?? `expected a duration above 0 such as ${example}` });
    }
  });

/** Seconds in a duration goDuration accepted. */
export function goDurationSeconds(text: string): number {
  const parsed = parseGoDuration(text);
  return "ns" in parsed ? parsed.ns / 1e9 : NaN;
}

/** Loki's default reject_old_samples_max_age: 168h (https://grafana.com/docs/loki/latest/configure/#limits_config). */
const LOKI_REJECT_OLD_SAMPLES_MAX_AGE_HOURS = 168;

/**
 * The smallest batch that still batches: Loki's own clients send 1MiB, and a
 * batch smaller than a few log lines sends each line in its own request.
 */
export const MIN_BATCH_BYTES = 16 * 1024;

/** A byte size as Alloy's loki.write parses batch_size (alecthomas/units Base2Bytes: KB = KiB = 1024). */
const byteSize = z.string({ error: "expected a size string such as 1MiB" }).superRefine((text, ctx) => {
  const parsed = parseBase2Bytes(text);
  if ("error" in parsed)
    ctx.addIssue({ code: "custom", message: `expected a size such as 512KiB or 1MiB (units B, KiB, MiB, GiB): ${parsed.error}` });
  else if (parsed.bytes < MIN_BATCH_BYTES) {
    ctx.addIssue({
      code: "custom",
      message: "expected a batch of at least 16KiB: a smaller one sends every few lines in a request of its own",
    });
  }
});

/**
 * A regular expression for Alloy, which compiles it with Go's regexp (RE2),
 * as is (stage.drop expression, stage.multiline firstline): checked by re2js,
 * a port of Go's regexp/syntax, with Go's own error text.
 */
const re2 = (what: string) =>
  z
    .string({ error: `expected ${what} as a string` })
    .min(1, { error: `expected ${what}, not an empty string` })
    .superRefine((text, ctx) => {
      const error = re2Error(text);
      if (error !== undefined) ctx.addIssue({ code: "custom", message: `expected ${what} in Go RE2 syntax: ${error}` });
    });

const hostPath = z
  .string({ error: "expected an absolute host path" })
  .regex(/^\/[A-Za-z0-9._/-]*$/, { error: "expected an absolute host path such as /var/lib/alloy-logs" })
  .refine((p) => !p.split("/").includes("..") && p !== "/" && !/^\/(var\/log|proc|sys|dev|etc)(\/|$)/.test(p), {
    error: "expected a dedicated state directory, not / and not under /var/log, /proc, /sys, /dev or /etc",
  });

const namespaceName = z
  .string({ error: "expected a namespace name" })
  .max(DNS1123_LABEL_MAX_LENGTH, { error: "expected a namespace name of at most 63 characters" })
  .regex(DNS1123_LABEL, { error: "expected a namespace name: a DNS-1123 label such as kube-system" });

/** Every label the pipeline gives an entry: the only ones stage.label_keep can keep. */
const PIPELINE_LABELS: readonly string[] = DEFAULTS.pipeline.indexLabels;

/** Labels that exist in the pipeline but that stage.label_keep can never keep, and why. */
const NO_EFFECT_LABELS: Record<string, string> = {
  filename: "the pipeline drops filename before the final allow-list (stage.label_drop), so listing it does nothing",
  cluster: "loki.write adds cluster to every stream (external_labels) after the allow-list; it needs no listing",
};

const indexLabel = z.string({ error: "expected a Loki label name" }).superRefine((label, ctx) => {
  if (Object.hasOwn(NO_EFFECT_LABELS, label))
    ctx.addIssue({ code: "custom", message: `expected a label the pipeline sends: ${NO_EFFECT_LABELS[label]}` });
  else if (!PIPELINE_LABELS.includes(label)) {
    ctx.addIssue({ code: "custom", message: `expected one of the labels the pipeline gives every entry: ${PIPELINE_LABELS.join(", ")}` });
  }
});

const multilineRule = strictMap({
  namespace: namespaceName.meta({ description: "Namespace of the workload." }),
  app: z
    .string({ error: "expected an app label value" })
    .regex(LABEL_VALUE, { error: "expected an app label value: at most 63 letters, digits, '-', '_' or '.'" })
    .optional()
    .meta({ description: "Its app label; unset means every app in the namespace." }),
  firstLine: re2("the first line's regular expression").meta({ description: "RE2 matching the first line of each entry." }),
  maxWaitTime: goDuration("3s")
    .default(DEFAULTS.multilineRule.maxWaitTime)
    .meta({ description: "How long to wait for more lines of an entry." }),
});

const pipeline = strictMap({
  maxEntryAge: goDuration("12h", {
    seconds: LOKI_REJECT_OLD_SAMPLES_MAX_AGE_HOURS * 3600,
    message: `expected an age above 0 and below Loki's default reject window of ${LOKI_REJECT_OLD_SAMPLES_MAX_AGE_HOURS}h, such as 12h`,
  })
    .default(DEFAULTS.pipeline.maxEntryAge)
    .meta({
      description:
        "Entries older than this are dropped before sending (counted as reason too_old). Must stay under Loki's reject_old_samples_max_age (168h by default).",
    }),
  excludeNamespaces: z
    .array(namespaceName, { error: "expected a list of namespace names" })
    .default([...DEFAULTS.pipeline.excludeNamespaces])
    .meta({ description: "Namespaces whose pods are not collected; filtered by the API server (field selector)." }),
  excludeAnnotation: z
    .string({ error: "expected an annotation key" })
    .regex(LABEL_KEY, { error: "expected an annotation key such as alloy-logs/exclude" })
    .default(DEFAULTS.pipeline.excludeAnnotation)
    .meta({ description: 'Pods annotated with this key set to "true" are not collected.' }),
  dropProbeLogs: flag(DEFAULTS.pipeline.dropProbeLogs, "Drop kubelet probe and health-check access lines (counted as reason probe)."),
  probeExpression: re2("the probe line regular expression")
    .default(DEFAULTS.pipeline.probeExpression)
    .meta({ description: "RE2 matching the lines dropProbeLogs drops." }),
  rateLimit: strictMap({
    enabled: flag(DEFAULTS.pipeline.rateLimit.enabled, "Rate-limit log lines per namespace or app."),
    by: z
      .enum(["namespace", "app"], { error: "expected namespace or app" })
      .default(DEFAULTS.pipeline.rateLimit.by)
      .meta({ description: "The label each limit applies to." }),
    linesPerSecond: z
      .number({ error: "expected a number of lines per second" })
      .positive({ error: "expected a positive number of lines per second" })
      .default(DEFAULTS.pipeline.rateLimit.linesPerSecond)
      .meta({ description: "Sustained lines per second allowed for each namespace or app." }),
    burst: wholeNumber("lines", 1, "expected a positive burst")
      .default(DEFAULTS.pipeline.rateLimit.burst)
      .meta({ description: "Lines allowed above the rate in a burst. Excess lines are dropped and counted, never queued." }),
  }).prefault({}),
  multiline: z
    .array(multilineRule, { error: "expected a list of {namespace, app, firstLine}" })
    .default([...DEFAULTS.pipeline.multiline])
    .meta({ description: "Workloads whose entries span lines, joined from a line matching firstLine." }),
  indexLabels: z
    .array(indexLabel, { error: "expected a list of label names" })
    .min(1, { error: "expected at least one index label" })
    .refine((list) => new Set(list).size === list.length, { error: "expected each label once" })
    .default([...DEFAULTS.pipeline.indexLabels])
    .meta({ description: "The only labels sent to Loki as stream labels (plus the external cluster label)." }),
});

const lokiWrite = strictMap({
  batchSize: byteSize.default(DEFAULTS.lokiWrite.batchSize).meta({ description: "A batch is sent when it reaches this size..." }),
  batchWait: goDuration("1s")
    .default(DEFAULTS.lokiWrite.batchWait)
    .meta({ description: "...or when its oldest entry has waited this long." }),
  timeout: goDuration("10s").default(DEFAULTS.lokiWrite.timeout).meta({ description: "Timeout of one push request." }),
  minBackoff: goDuration("500ms")
    .default(DEFAULTS.lokiWrite.minBackoff)
    .meta({ description: "First retry delay after a 429 or 5xx; doubles each retry." }),
  maxBackoff: goDuration("5m").default(DEFAULTS.lokiWrite.maxBackoff).meta({ description: "Longest retry delay." }),
  maxRetries: wholeNumber("retries", 1, "expected at least 1 retry")
    .default(DEFAULTS.lokiWrite.maxRetries)
    .meta({ description: "Retries of a batch before it is dropped; 15 with the defaults is about 33 minutes." }),
}).superRefine((w, ctx) => {
  if (goDurationSeconds(w.minBackoff) > goDurationSeconds(w.maxBackoff)) {
    ctx.addIssue({
      code: "custom",
      path: ["maxBackoff"],
      message: `expected a maxBackoff of at least minBackoff (${w.minBackoff})`,
      // When only minBackoff was set, it is the one to change.
      params: {
        unsetBlame: { path: ["lokiWrite", "minBackoff"], message: `expected a minBackoff of at most maxBackoff (${w.maxBackoff})` },
      },
    });
  }
});

const credential = (what: string) => z.string({ error: `expected ${what} as a string` }).min(1, { error: `expected a non-empty ${what}` });

/**
 * Credentials for a Loki behind an authenticating gateway. They must be Pulumi
 * secrets (`pulumi config set --secret --path ...`): they go into a Kubernetes
 * Secret and reach Alloy as environment variables, never into the ConfigMap,
 * the Helm values or the plan output.
 */
const lokiAuth = z.discriminatedUnion(
  "type",
  [
    strictMap({ type: z.literal("none") }),
    strictMap({ type: z.literal("basic"), username: credential("username"), password: credential("password") }),
    strictMap({ type: z.literal("bearer"), token: credential("bearer token") }),
  ],
  { error: "expected {type: none}, {type: basic, username, password} or {type: bearer, token}" },
);

const ratio = (example: number) =>
  z
    .number({ error: `expected a ratio between 0 and 1 such as ${example}` })
    .gt(0, { error: `expected a ratio between 0 and 1 such as ${example}` })
    .lt(1, { error: `expected a ratio between 0 and 1 such as ${example}` });

const alerts = strictMap({
  enabled: flag(DEFAULTS.alerts.enabled, "Create the PrometheusRule with the collector alerts (docs/monitoring.md, Alert runbook)."),
  labels: selectorLabels
    .default({ ...DEFAULTS.alerts.labels })
    .meta({ description: "Labels the Prometheus ruleSelector matches; kube-prometheus-stack selects release: <its release name>." }),
  noEntriesSentMinutes: wholeNumber("minutes", 1, "expected at least 1 minute")
    .default(DEFAULTS.alerts.noEntriesSentMinutes)
    .meta({ description: "AlloyNoEntriesSent: minutes of lines read with no entry sent." }),
  memoryLimitRatio: ratio(DEFAULTS.alerts.memoryLimitRatio)
    .default(DEFAULTS.alerts.memoryLimitRatio)
    .meta({ description: "AlloyCollectorMemoryNearLimit: working set over memory limit." }),
  failedRequestRatio: ratio(DEFAULTS.alerts.failedRequestRatio)
    .default(DEFAULTS.alerts.failedRequestRatio)
    .meta({ description: "AlloyLokiRequestsFailing: share of failed push requests." }),
});

const dashboard = strictMap({
  enabled: flag(DEFAULTS.dashboard.enabled, "Create the log-pipeline dashboard ConfigMap for Grafana's sidecar."),
  labels: selectorLabels
    .default({ ...DEFAULTS.dashboard.labels })
    .meta({ description: 'Labels kube-prometheus-stack\'s Grafana dashboard sidecar looks for (grafana_dashboard: "1" by default).' }),
});

const MAX_UNAVAILABLE = "expected a whole number of pods such as 1, or a percentage such as 10%";

const rollout = strictMap({
  maxUnavailable: z
    .union(
      [
        z.number().int({ error: MAX_UNAVAILABLE }).positive({ error: MAX_UNAVAILABLE }),
        z.string().regex(/^([1-9][0-9]?|100)%$/, { error: MAX_UNAVAILABLE }),
      ],
      {
        error: MAX_UNAVAILABLE,
      },
    )
    .default(DEFAULTS.rollout.maxUnavailable)
    .meta({ description: "Collectors replaced at once in a rolling update (a count or a percentage of nodes)." }),
  minReadySeconds: wholeNumber("seconds", 0, "expected 0 or more seconds")
    .default(DEFAULTS.rollout.minReadySeconds)
    .meta({ description: "A new collector counts as available only after being ready this long." }),
  terminationGracePeriodSeconds: wholeNumber("seconds", 1, "expected at least 1 second")
    .default(DEFAULTS.rollout.terminationGracePeriodSeconds)
    .meta({ description: "Time a stopping collector has to send its last batch and save its positions." }),
});

// --- events: the alloy-events release (issue 21) ----------------------------

/**
 * Resources of the events collector's alloy container: requests and a memory
 * limit are required, as for the DaemonSet (a system-cluster-critical pod
 * without a limit could starve the node it lands on).
 */
const eventsResources = strictMap({
  requests: resourceList("50m", "128Mi").default({ ...DEFAULTS.events.resources.requests }),
  limits: resourceList("1", "512Mi").default({ ...DEFAULTS.events.resources.limits }),
}).superRefine((r, ctx) => {
  if (!r.requests.cpu) ctx.addIssue({ code: "custom", path: ["requests", "cpu"], message: "expected a CPU request such as 50m" });
  if (!r.requests.memory)
    ctx.addIssue({ code: "custom", path: ["requests", "memory"], message: "expected a memory request such as 128Mi" });
  if (!r.limits.memory) ctx.addIssue({ code: "custom", path: ["limits", "memory"], message: "expected a memory limit such as 512Mi" });
  for (const name of ["cpu", "memory"] as const) {
    const [request, limit] = [r.requests[name], r.limits[name]];
    const [requested, limited] = [request, limit].map((q) => (q === undefined ? undefined : parseQuantity(q)));
    if (requested !== undefined && limited !== undefined && limited < requested) {
      ctx.addIssue({
        code: "custom",
        path: ["limits", name],
        message: `expected a ${name} limit of at least the request (${request}); Kubernetes rejects limits below requests`,
      });
    }
  }
});

const events = strictMap({
  enabled: flag(
    DEFAULTS.events.enabled,
    "Run the alloy-events release: one replica that writes the cluster's Kubernetes events to Loki. false removes it on the next pulumi up.",
  ),
  resources: eventsResources.prefault({}).meta({ description: "Requests and limits of the events collector's alloy container." }),
  kindLabel: flag(DEFAULTS.events.kindLabel, "Label each event line with the involved object's kind (Pod, Node, ...)."),
});

// --- end events ----------------------------------------------------------------

/**
 * Where the chart is pulled from: an HTTP(S) chart repository (one that serves
 * index.yaml, as `helm repo add` takes) or an OCI registry path, as a restricted
 * network mirrors charts. Read by the Kubernetes provider's Helm library
 * (helm.sh/helm/v3 repo and registry clients), with Go's net/url.
 */
const chartRepository = z.string({ error: "expected a URL string" }).superRefine((text, ctx) => {
  const example = "such as https://grafana.github.io/helm-charts or oci://registry.example.com/charts";
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(text)?.[1];
  if (scheme !== "http" && scheme !== "https" && scheme !== "oci") {
    ctx.addIssue({ code: "custom", message: `expected a chart repository URL starting with https://, http:// or oci://, ${example}` });
    return;
  }
  // oci:// is a registry reference with the shape of a URL: its parts follow the same rules.
  const url = parseHttpUrl(scheme === "oci" ? `https://${text.slice("oci://".length)}` : text);
  if ("error" in url) {
    const reason = url.error
      .replace("ends up in plain text in the ConfigMap", "ends up in plain text in the state and the plan")
      .replace(", such as http://loki:3100/loki/api/v1/push", "");
    ctx.addIssue({ code: "custom", message: `expected a chart repository URL ${example}: ${reason}` });
  } else if (scheme === "oci" && url.path.replace(/\/+$/, "") === "") {
    ctx.addIssue({
      code: "custom",
      message: "expected an oci:// URL with the repository path the chart is under, such as oci://registry.example.com/charts",
    });
  }
});

// ---- journal (issue 20): the node's systemd journal ------------------------------------------------------------

/**
 * Unit types systemd knows (src/basic/unit-def.c, unit_type_table): a unit name
 * ends in one of them. Names are at most 255 characters of letters, digits and
 * `:-_.\@` (unit-name.c, unit_name_is_valid with VALID_CHARS_WITH_AT).
 */
const SYSTEMD_UNIT_TYPES = ["service", "socket", "target", "device", "mount", "automount", "swap", "timer", "path", "slice", "scope"];
const SYSTEMD_UNIT = new RegExp(String.raw`^[A-Za-z0-9:_.\\-]+(@[A-Za-z0-9:_.\\-]*)?\.(${SYSTEMD_UNIT_TYPES.join("|")})$`);
const SYSTEMD_UNIT_MAX_LENGTH = 255;

const systemdUnit = z.string({ error: "expected a systemd unit name such as kubelet.service" }).superRefine((unit, ctx) => {
  const fail = (message: string) => ctx.addIssue({ code: "custom", message });
  if (unit === "kernel") fail("expected a systemd unit name: kernel messages are always kept while the journal is read, list only units");
  else if (unit.length > SYSTEMD_UNIT_MAX_LENGTH) fail(`expected a systemd unit name of at most ${SYSTEMD_UNIT_MAX_LENGTH} characters`);
  else if (!SYSTEMD_UNIT.test(unit)) {
    fail(
      `expected a systemd unit name such as kubelet.service: letters, digits and : - _ . \\ @, ending in its type (.${SYSTEMD_UNIT_TYPES.join(", .")})`,
    );
  } else if (/@\.[a-z]+$/.test(unit)) {
    fail("expected a unit instance such as getty@tty1.service: a template such as getty@.service never logs under its own name");
  }
});

/**
 * Container paths the chart and this program mount themselves (templates/containers/_agent.yaml: the
 * config at /etc/alloy; chart/values.ts: ALLOY_STORAGE_PATH): a journal volume there would shadow them.
 */
const COLLECTOR_OWN_MOUNTS = ["/etc/alloy", "/var/lib/alloy"];

/** The host directory of the node's journal; the same path inside the container (chart/values.ts mounts it there when outside /var/log). */
const journalPath = z
  .string({ error: "expected an absolute directory path such as /var/log/journal" })
  .regex(/^(\/[A-Za-z0-9._-]+)+$/, { error: "expected an absolute directory path such as /var/log/journal or /run/log/journal" })
  .refine((p) => !p.split("/").some((segment) => segment === "." || segment === ".."), {
    error: "expected an absolute directory path without . or .. segments, such as /var/log/journal",
  })
  .refine((p) => !COLLECTOR_OWN_MOUNTS.some((own) => p === own || p.startsWith(`${own}/`) || own.startsWith(`${p}/`)), {
    error: `expected a journal directory outside the collector's own mounts ${COLLECTOR_OWN_MOUNTS.join(" and ")}`,
  });

const journal = strictMap({
  enabled: flag(DEFAULTS.journal.enabled, "Read the node's systemd journal (kubelet, containerd, kernel) with loki.source.journal."),
  units: z
    .array(systemdUnit, { error: "expected a list of systemd unit names" })
    .refine((list) => new Set(list).size === list.length, { error: "expected each unit once" })
    .default([...DEFAULTS.journal.units])
    .meta({
      description: "The systemd units whose journal lines are kept (label unit); kernel messages are always kept, as unit kernel.",
    }),
  maxAge: goDuration("12h", {
    seconds: LOKI_REJECT_OLD_SAMPLES_MAX_AGE_HOURS * 3600,
    message: `expected an age above 0 and below Loki's default reject window of ${LOKI_REJECT_OLD_SAMPLES_MAX_AGE_HOURS}h, such as 12h`,
  })
    .default(DEFAULTS.journal.maxAge)
    .meta({
      description: "How far back a collector reads the journal when it has no saved cursor (first start, or a cursor older than this).",
    }),
  path: journalPath.default(DEFAULTS.journal.path).meta({
    description:
      "The node's journal directory. Under /var/log it is read through the chart's /var/log mount; any other path is mounted read-only on its own.",
  }),
  levelLabel: flag(DEFAULTS.journal.levelLabel, "Give each journal line the label level (emerg ... debug) from its syslog priority."),
});
// ---- end journal ---------------------------------------------------------------------------------------------------

/** How to reach an EKS cluster by name. */
const eks = strictMap({
  name: z
    .string({ error: "expected the EKS cluster name" })
    .regex(/^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$/, { error: "expected an EKS cluster name: 1-100 letters, digits, '-' or '_'" })
    .meta({ description: "EKS cluster name." }),
  region: z
    .string({ error: "expected an AWS region" })
    .regex(/^[a-z]{2}(-gov)?-[a-z]+-[0-9]$/, { error: "expected an AWS region such as ap-northeast-1" })
    .meta({ description: "AWS region of the cluster." }),
  roleArn: z
    .string({ error: "expected an IAM role ARN" })
    .regex(/^arn:aws[a-z-]*:iam::[0-9]{12}:role\/[\w+=,.@/-]{1,512}$/, {
      error: "expected an IAM role ARN such as arn:aws:iam::123456789012:role/pulumi-deploy",
    })
    .optional()
    .meta({ description: "IAM role to assume for the EKS API and the token (optional)." }),
});

export const stackConfigSchema = z
  .strictObject({
    clusterName: clusterName.meta({ description: "Cluster name; the `cluster` label on every log line." }),
    kubeconfigContext: kubeconfigContext.optional().meta({
      description: "Reach the cluster through this kubeconfig context (never the current one). Set this or eks.",
    }),
    eks: eks.optional().meta({
      description:
        "Reach an EKS cluster by name: endpoint and CA from the EKS API, token from aws eks get-token. Set this or kubeconfigContext.",
    }),
    namespace: dns1123Label.default(DEFAULTS.namespace).meta({ description: "Namespace Alloy is installed in." }),
    createNamespace: flag(
      DEFAULTS.createNamespace,
      "true: the program creates the namespace and never deletes it (retainOnDelete). false: it must already exist; it is only read.",
    ),
    lokiEndpoint: lokiEndpoint.meta({ description: `Loki push URL, ending in ${LOKI_PUSH_PATH}.` }),
    tenantId: tenantId.meta({ description: "Loki tenant (X-Scope-OrgID) all of this cluster's logs are written to." }),
    lokiAuth: lokiAuth.default({ ...DEFAULTS.lokiAuth }).meta({
      description:
        "Loki credentials: {type: none}, {type: basic, username, password} or {type: bearer, token}. Set them as Pulumi secrets.",
    }),
    resources: resources
      .prefault({})
      .meta({ description: "Requests and limits of the alloy container. requests.cpu, requests.memory and limits.memory are required." }),
    serviceMonitor: serviceMonitor.prefault({}),
    datadog: datadog.prefault({}),
    prometheusAnnotations: flag(
      DEFAULTS.prometheusAnnotations,
      'Annotate the collector pods with prometheus.io/scrape: "true" and prometheus.io/port: "12345", as the seed did, for scrapers that find pods by these annotations. Turn off where such a scraper also reaches Alloy through the ServiceMonitor or the Datadog check: it would scrape every collector twice.',
    ),
    storageHostPath: hostPath.default(DEFAULTS.storageHostPath).meta({
      description:
        "Host directory for the collector's state (read positions). The release uses <path>/<namespace>-alloy, created if absent, so positions survive pod restarts, rollouts and chart upgrades.",
    }),
    pipeline: pipeline.prefault({}),
    journal: journal.prefault({}),
    lokiWrite: lokiWrite.prefault({}),
    rollout: rollout.prefault({}),
    alerts: alerts.prefault({}),
    dashboard: dashboard.prefault({}),
    events: events.prefault({}),
    chartRepository: chartRepository.default(DEFAULTS.chartRepository).meta({
      description: `Where grafana/alloy ${ALLOY_CHART_VERSION} is pulled from: an HTTP(S) chart repository serving index.yaml, or an oci:// registry path holding the chart alloy (a mirror on a restricted network).`,
    }),
    chartOverrides: z
      .record(z.string(), z.unknown(), { error: "expected a map of grafana/alloy chart values" })
      .default({ ...DEFAULTS.chartOverrides })
      .meta({
        description: `Escape hatch: extra grafana/alloy ${ALLOY_CHART_VERSION} chart values, merged last. Every path is checked against the chart; values the program sets or relies on cannot be overridden.`,
      }),
  })
  .superRefine((config, ctx) => {
    if (config.kubeconfigContext === undefined && config.eks === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["eks"],
        message: "expected how to reach the cluster: set eks {name, region} or kubeconfigContext",
      });
    } else if (config.kubeconfigContext !== undefined && config.eks !== undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["kubeconfigContext"],
        message: "expected either kubeconfigContext or eks, not both: the stack must reach exactly one cluster",
      });
    }
  });

/** The validated stack configuration, defaults applied. */
export type StackConfig = z.output<typeof stackConfigSchema>;
