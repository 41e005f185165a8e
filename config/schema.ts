/**
 * The stack configuration: every key a `Pulumi.<stack>.yaml` may set under the
 * project namespace, its type, its validation and its default. This schema is
 * the single place where defaults live; the README's config reference is
 * checked against it by test/config-reference.test.ts.
 */
import { z } from "zod";
import { parseQuantity } from "./quantity";

/** Pulumi project name; stack keys are `alloy-logs:<key>`. */
export const PROJECT = "alloy-logs";

// Each message completes the sentence "got <value>; expected …".

const mapOf = (keys: string) => ({ error: `expected a map with the keys ${keys}` });

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const dns1123Label = z
  .string({ error: "expected a string" })
  .max(63, { error: "expected a DNS-1123 label of at most 63 characters" })
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
const clusterName = z
  .string({ error: "expected a string" })
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$/, {
    error: "expected a cluster name: 1-100 letters, digits, '-' or '_', starting with a letter or digit (e.g. buzzvil-eks-ops)",
  });

const kubeconfigContext = z
  .string({ error: "expected a string" })
  .regex(/^[^\s"'\\]{1,253}$/, { error: "expected the name of a context in your kubeconfig, without spaces or quotes" });

const LOKI_PUSH_PATH = "/loki/api/v1/push";
const lokiEndpoint = z.string({ error: "expected a string" }).superRefine((text, ctx) => {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    ctx.addIssue({ code: "custom", message: `expected an absolute http(s) URL such as http://loki:3100${LOKI_PUSH_PATH}` });
    return;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    ctx.addIssue({ code: "custom", message: `expected an absolute http:// or https:// URL such as http://loki:3100${LOKI_PUSH_PATH}` });
  } else if (url.username || url.password) {
    ctx.addIssue({ code: "custom", message: "expected a URL without credentials: user:password@ in a URL ends up in plain text in the ConfigMap" });
  } else if (!url.pathname.endsWith(LOKI_PUSH_PATH)) {
    ctx.addIssue({ code: "custom", message: `expected the Loki push path: the URL must end in ${LOKI_PUSH_PATH}` });
  } else if (url.search || url.hash) {
    ctx.addIssue({ code: "custom", message: "expected a URL without a query string or fragment" });
  } else if (/[\s"\\]/.test(text)) {
    ctx.addIssue({ code: "custom", message: "expected a URL without spaces, quotes or backslashes" });
  }
});

const quantity = (example: string) =>
  z
    .string({ error: `expected a Kubernetes quantity string such as ${example}` })
    .refine((q) => (parseQuantity(q) ?? -1) > 0, {
      error: `expected a positive Kubernetes quantity such as ${example} (Ki/Mi/Gi are powers of 1024; MB is not a unit)`,
    });

const resourceList = (cpu: string, memory: string) =>
  z.strictObject(
    {
      cpu: quantity(cpu).optional().meta({ description: `CPU, e.g. ${cpu}` }),
      memory: quantity(memory).optional().meta({ description: `Memory, e.g. ${memory}` }),
    },
    mapOf("cpu, memory"),
  );

/**
 * Resources of the alloy container. A memory limit is required: the collector
 * runs on every node with priority system-node-critical, so an unbounded one
 * could starve the node it is meant to observe.
 */
const resources = z
  .strictObject(
    {
      requests: resourceList("250m", "300Mi").default({ cpu: "250m", memory: "300Mi" }),
      limits: resourceList("1", "700Mi").default({ memory: "700Mi" }),
    },
    mapOf("requests, limits"),
  )
  .superRefine((r, ctx) => {
    if (!r.requests.cpu) ctx.addIssue({ code: "custom", path: ["requests", "cpu"], message: "expected a CPU request such as 250m" });
    if (!r.requests.memory) ctx.addIssue({ code: "custom", path: ["requests", "memory"], message: "expected a memory request such as 300Mi" });
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
        });
      }
    }
  });

/** Kubernetes label key/value rules (apimachinery validation.IsQualifiedName / IsValidLabelValue). */
const LABEL_KEY = /^(([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*)\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$/;
const labels = z.record(
  z.string().regex(LABEL_KEY, { error: "expected a Kubernetes label key such as release or example.com/team" }),
  z.string({ error: "expected a label value string" }).regex(LABEL_VALUE, {
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

const serviceMonitor = z.strictObject({
  enabled: z.boolean({ error: "expected true or false" }).default(true).meta({ description: "Create a ServiceMonitor for Alloy's /metrics." }),
  labels: labels
    .default({ release: "kube-prometheus-stack" })
    .meta({ description: "Labels the Prometheus serviceMonitorSelector matches; kube-prometheus-stack selects release: <its release name>." }),
  interval: promDuration.optional().meta({ description: "Scrape interval; unset uses Prometheus's global interval." }),
}, mapOf("enabled, labels, interval"));

const datadog = z.strictObject({
  enabled: z
    .boolean({ error: "expected true or false" })
    .default(false)
    .meta({ description: "Add Datadog Autodiscovery annotations that run the openmetrics check on Alloy's metrics port." }),
  namespace: z
    .string({ error: "expected a string" })
    .regex(/^[a-z][a-z0-9_]{0,63}$/, { error: "expected a Datadog metric namespace: lowercase letters, digits and '_' (e.g. loki_v3)" })
    .default("loki_v3")
    .meta({ description: "Prefix of every metric the check submits." }),
  metrics: z
    .array(z.string({ error: "expected a metric name or regular expression" }).min(1, { error: "expected a non-empty metric name" }), {
      error: "expected a list of metric names",
    })
    .min(1, { error: "expected at least one metric name" })
    .default([".*"])
    .meta({ description: "Metric names (regular expressions) the check collects." }),
}, mapOf("enabled, namespace, metrics"));

export const stackConfigSchema = z.strictObject({
  clusterName: clusterName.meta({ description: "Cluster name; the `cluster` label on every log line." }),
  kubeconfigContext: kubeconfigContext.meta({
    description: "kubeconfig context of the cluster. The program never uses the current context.",
  }),
  namespace: dns1123Label.default("loki-v3").meta({ description: "Namespace Alloy is installed in." }),
  createNamespace: z
    .boolean({ error: "expected true or false" })
    .default(false)
    .meta({
      description:
        "true: the program creates the namespace and never deletes it (retainOnDelete). false: it must already exist; it is only read.",
    }),
  lokiEndpoint: lokiEndpoint.meta({ description: `Loki push URL, ending in ${LOKI_PUSH_PATH}.` }),
  tenantId: tenantId.meta({ description: "Loki tenant (X-Scope-OrgID) all of this cluster's logs are written to." }),
  resources: resources
    .default({ requests: { cpu: "250m", memory: "300Mi" }, limits: { memory: "700Mi" } })
    .meta({ description: "Requests and limits of the alloy container. requests.cpu, requests.memory and limits.memory are required." }),
  serviceMonitor: serviceMonitor.default({ enabled: true, labels: { release: "kube-prometheus-stack" } }),
  datadog: datadog.default({ enabled: false, namespace: "loki_v3", metrics: [".*"] }),
  chartOverrides: z
    .record(z.string(), z.unknown(), { error: "expected a map of grafana/alloy chart values" })
    .default({})
    .meta({
      description:
        "Escape hatch: extra grafana/alloy 1.4.0 chart values, merged last. Every path is checked against the chart; values the program sets cannot be overridden.",
    }),
});

/** The validated stack configuration, defaults applied. */
export type StackConfig = z.output<typeof stackConfigSchema>;
