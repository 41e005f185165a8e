/**
 * Malformed and hostile edits of Pulumi.ops.yaml, each with the exact
 * problems it must be reported with (test/stack-edits.test.ts), and whose
 * conversion into what the engine delivers test/go-oracle.test.ts checks
 * against yaml.v3.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { ROOT } from "./stacks";

const OPS_FILE = readFileSync(path.join(ROOT, "Pulumi.ops.yaml"), "utf8");

/** YAML for a string, as the user would quote it (a JSON string is a YAML double-quoted scalar). */
const q = (text: string) => JSON.stringify(text);

/**
 * Pulumi.ops.yaml with some `alloy-logs:` keys replaced (null removes one);
 * each value is YAML written after `key:` (flow style or a quoted scalar).
 */
export function editedOpsFile(edits: Record<string, string | null>): string {
  const lines = OPS_FILE.split("\n");
  const kept: string[] = [];
  let skipping = false;
  for (const line of lines) {
    const key = /^ {2}([A-Za-z0-9_-]+:[A-Za-z0-9.]+):/.exec(line)?.[1];
    if (key !== undefined) skipping = key.startsWith("alloy-logs:") && key.slice("alloy-logs:".length) in edits;
    else if (!/^ {3,}/.test(line)) skipping = false;
    if (!skipping) kept.push(line);
  }
  const text = kept.join("\n").trimEnd();
  const added = Object.entries(edits)
    .filter((entry): entry is [string, string] => entry[1] !== null)
    .map(([key, value]) => `  ${key.includes(":") ? key : `alloy-logs:${key}`}:${value === "" ? "" : ` ${value}`}`);
  return `${[text, ...added].join("\n")}\n`;
}

const TENANT = "expected a Loki tenant ID: 1-150 characters from A-Z a-z 0-9 ! - _ . * ' ( ) (e.g. ops)";
const CLUSTER = "expected a cluster name: 1-100 letters, digits, '-' or '_', starting with a letter or digit (e.g. buzzvil-eks-ops)";
const DNS_LABEL = "expected a DNS-1123 label: lowercase letters, digits and '-', starting and ending with a letter or digit (e.g. loki-v3)";
const CONTEXT = "expected the name of a context in your kubeconfig, without spaces or quotes";
const LABEL_VALUE = "expected a Kubernetes label value: at most 63 letters, digits, '-', '_' or '.'";
const QUANTITY = (example: string) =>
  `expected a positive Kubernetes quantity such as ${example} (Ki/Mi/Gi are powers of 1024; MB is not a unit)`;
const DURATION = (example: string, why: string) => `expected a Go duration such as ${example} (units ns, us, ms, s, m, h; no d): ${why}`;
const JOURNAL_UNIT =
  "expected a systemd unit name such as kubelet.service: letters, digits and : - _ . \\ @, ending in its type (.service, .socket, .target, .device, .mount, .automount, .swap, .timer, .path, .slice, .scope)";
const SIZE = (why: string) => `expected a size such as 512KiB or 1MiB (units B, KiB, MiB, GiB): ${why}`;
const PROBE_RE2 = "expected the probe line regular expression in Go RE2 syntax:";
const FIRST_LINE_RE2 = "expected the first line's regular expression in Go RE2 syntax:";
const INDEX_LABELS =
  "expected one of the labels the pipeline gives every entry: app, component, container, instance, job, namespace, node_name, pod, stream";
const PUSH_PATH = "expected the Loki push path: the URL must end in /loki/api/v1/push";
const LONG = "a".repeat(10_000);
const SAME_CLUSTER =
  "Two stacks would own one release: the second fails with AlreadyExists or takes it over. Point this stack at its own cluster";
const AUTH_UNION = "expected {type: none}, {type: basic, username, password} or {type: bearer, token}";
const NOT_SECRET = (key: string) =>
  `alloy-logs:${key}: got a secret; expected plain text: this value is written into the Alloy ConfigMap, the chart values and the plan, ` +
  `where a secret would be exposed. Only alloy-logs:lokiAuth holds secrets: pulumi config set alloy-logs:${key} <value>`;

export type Edit = [what: string, edits: Record<string, string | null> | { file: string }, problems: string[] | { fileError: string }];

// prettier-ignore
export const EDITS: Edit[] = [
  // clusterName
  ["no clusterName", { clusterName: null }, ["alloy-logs:clusterName: missing; expected a string (Cluster name; the `cluster` label on every log line.)"]],
  ["an empty clusterName (delivered as \"\", never \"null\")", { clusterName: "" }, [`alloy-logs:clusterName: got ""; ${CLUSTER}`]],
  ["a clusterName with a quote", { clusterName: q('ops"') }, [`alloy-logs:clusterName: got 'ops"'; ${CLUSTER}`]],
  ["a clusterName with a newline", { clusterName: q("ops\nprod") }, [`alloy-logs:clusterName: got "ops\\nprod"; ${CLUSTER}`]],
  ["a clusterName with a Helm template", { clusterName: q("{{ .Release.Name }}") }, [`alloy-logs:clusterName: got "{{ .Release.Name }}"; ${CLUSTER}`]],
  ["a clusterName with an Alloy interpolation", { clusterName: q("${HOSTNAME}") }, [`alloy-logs:clusterName: got "\${HOSTNAME}"; ${CLUSTER}`]],
  ["a clusterName with a backslash", { clusterName: q("ops\\prod") }, [`alloy-logs:clusterName: got 'ops\\prod'; ${CLUSTER}`]],
  ["a clusterName in Hangul", { clusterName: q("운영") }, [`alloy-logs:clusterName: got "운영"; ${CLUSTER}`]],
  ["a clusterName of 10k characters", { clusterName: LONG }, [`alloy-logs:clusterName: got "${"a".repeat(116)}...; ${CLUSTER}`]],
  ["a clusterName as a map", { clusterName: "{name: ops}" }, [`alloy-logs:clusterName: got '{"name":"ops"}'; ${CLUSTER}`]],
  ["the clusterName of another stack", { clusterName: "buzzvil-eks-dev" }, ['alloy-logs:clusterName: got "buzzvil-eks-dev"; expected a cluster name no other stack uses, but Pulumi.dev.yaml uses it too (the cluster label must tell the clusters\' logs apart)']],
  // how the cluster is reached
  ["no eks and no kubeconfigContext", { eks: null }, ["alloy-logs:eks: missing; expected how to reach the cluster: set eks {name, region} or kubeconfigContext"]],
  ["both eks and kubeconfigContext", { kubeconfigContext: "ops-admin" }, ['alloy-logs:kubeconfigContext: got "ops-admin"; expected either kubeconfigContext or eks, not both: the stack must reach exactly one cluster']],
  ["a kubeconfigContext with a space", { eks: null, kubeconfigContext: q("ops admin") }, [`alloy-logs:kubeconfigContext: got "ops admin"; ${CONTEXT}`]],
  ["a kubeconfigContext with a quote", { eks: null, kubeconfigContext: q("ops'") }, [`alloy-logs:kubeconfigContext: got "ops'"; ${CONTEXT}`]],
  ["an empty kubeconfigContext", { eks: null, kubeconfigContext: "" }, [`alloy-logs:kubeconfigContext: got ""; ${CONTEXT}`]],
  ["the EKS cluster of another stack", { eks: "{name: buzzvil-eks-dev, region: ap-northeast-1}" }, [`alloy-logs:eks.name: got "buzzvil-eks-dev"; expected an EKS cluster no other stack deploys to, but it is the cluster Pulumi.dev.yaml deploys to (alloy-logs:eks buzzvil-eks-dev in ap-northeast-1). ${SAME_CLUSTER}`]],
  ["another stack's EKS cluster by the context aws eks update-kubeconfig --alias makes", { eks: null, kubeconfigContext: "buzzvil-eks-dev" }, [`alloy-logs:kubeconfigContext: got "buzzvil-eks-dev"; expected a cluster no other stack deploys to, but it is the cluster Pulumi.dev.yaml deploys to (alloy-logs:eks buzzvil-eks-dev in ap-northeast-1; aws eks update-kubeconfig --alias buzzvil-eks-dev names its context buzzvil-eks-dev). ${SAME_CLUSTER}`]],
  ["another stack's EKS cluster by the context ARN aws eks update-kubeconfig makes", { eks: null, kubeconfigContext: "arn:aws:eks:ap-northeast-1:123456789012:cluster/buzzvil-eks-dev" }, [`alloy-logs:kubeconfigContext: got "arn:aws:eks:ap-northeast-1:123456789012:cluster/buzzvil-eks-dev"; expected a cluster no other stack deploys to, but it is the cluster Pulumi.dev.yaml deploys to (alloy-logs:eks buzzvil-eks-dev in ap-northeast-1; aws eks update-kubeconfig names its context arn:aws:eks:ap-northeast-1:123456789012:cluster/buzzvil-eks-dev). ${SAME_CLUSTER}`]],
  ["an EKS region that is not one", { eks: "{name: buzzvil-eks-ops, region: tokyo}" }, ['alloy-logs:eks.region: got "tokyo"; expected an AWS region such as ap-northeast-1']],
  ["an EKS cluster without a region", { eks: "{name: buzzvil-eks-ops}" }, ["alloy-logs:eks.region: missing; expected an AWS region (AWS region of the cluster.)"]],
  ["an EKS role that is not an ARN", { eks: "{name: buzzvil-eks-ops, region: ap-northeast-1, roleArn: deployer}" }, ['alloy-logs:eks.roleArn: got "deployer"; expected an IAM role ARN such as arn:aws:iam::123456789012:role/pulumi-deploy']],
  ["a misspelt EKS key", { eks: "{name: buzzvil-eks-ops, regoin: ap-northeast-1}" }, ["alloy-logs:eks.region: missing; expected an AWS region (AWS region of the cluster.)", "alloy-logs:eks.regoin: unknown key; did you mean alloy-logs:eks.region?"]],
  ["eks as a string", { eks: "buzzvil-eks-ops" }, ['alloy-logs:eks: got "buzzvil-eks-ops"; expected a map with the keys name, region, roleArn']],
  // namespace, createNamespace, storageHostPath
  ["a namespace with capitals", { namespace: "Loki-V3" }, [`alloy-logs:namespace: got "Loki-V3"; ${DNS_LABEL}`]],
  ["a namespace of 64 characters", { namespace: "a".repeat(64) }, [`alloy-logs:namespace: got "${"a".repeat(64)}"; expected a DNS-1123 label of at most 63 characters`]],
  ["a namespace with a template", { namespace: q("{{ .Values.ns }}") }, [`alloy-logs:namespace: got "{{ .Values.ns }}"; ${DNS_LABEL}`]],
  ["an empty namespace", { namespace: "" }, [`alloy-logs:namespace: got ""; ${DNS_LABEL}`]],
  ["createNamespace: yes (a string for YAML 1.2 and Go)", { createNamespace: "yes" }, ['alloy-logs:createNamespace: got "yes"; expected true or false']],
  ["createNamespace: 1", { createNamespace: "1" }, ["alloy-logs:createNamespace: got 1; expected true or false"]],
  ["a storage path under /var/log", { storageHostPath: "/var/log/alloy" }, ['alloy-logs:storageHostPath: got "/var/log/alloy"; expected a dedicated state directory, not / and not under /var/log, /proc, /sys, /dev or /etc']],
  ["a relative storage path", { storageHostPath: "var/lib/alloy" }, ['alloy-logs:storageHostPath: got "var/lib/alloy"; expected an absolute host path such as /var/lib/alloy-logs']],
  ["a storage path that climbs out", { storageHostPath: "/var/lib/../log" }, ['alloy-logs:storageHostPath: got "/var/lib/../log"; expected a dedicated state directory, not / and not under /var/log, /proc, /sys, /dev or /etc']],
  ["a storage path with a space", { storageHostPath: q("/var/lib/alloy logs") }, ['alloy-logs:storageHostPath: got "/var/lib/alloy logs"; expected an absolute host path such as /var/lib/alloy-logs']],
  // lokiEndpoint: as Go's net/url reads it
  ["an endpoint without // (WHATWG would repair it, Go finds no host)", { lokiEndpoint: "http:loki-v3-distributor.loki-v3.svc:3100/loki/api/v1/push" }, ['alloy-logs:lokiEndpoint: got "http:loki-v3-distributor.loki-v3.svc:3100/loki/api/v1/push"; expected http:// followed by a host: Go\'s net/url finds no host in "http:" without "//", so every push would fail']],
  ["an endpoint with one slash", { lokiEndpoint: "http:/loki:3100/loki/api/v1/push" }, ['alloy-logs:lokiEndpoint: got "http:/loki:3100/loki/api/v1/push"; expected http:// followed by a host: Go\'s net/url finds no host in "http:" without "//", so every push would fail']],
  ["an endpoint with no host", { lokiEndpoint: "http:///loki/api/v1/push" }, ['alloy-logs:lokiEndpoint: got "http:///loki/api/v1/push"; expected a URL with a host, such as http://loki:3100/loki/api/v1/push']],
  ["an ftp endpoint", { lokiEndpoint: "ftp://loki/loki/api/v1/push" }, ['alloy-logs:lokiEndpoint: got "ftp://loki/loki/api/v1/push"; expected an http:// or https:// URL (lowercase scheme)']],
  ["an endpoint that is a path", { lokiEndpoint: "/loki/api/v1/push" }, ['alloy-logs:lokiEndpoint: got "/loki/api/v1/push"; expected an absolute URL starting with http:// or https://']],
  ["an endpoint without the push path", { lokiEndpoint: "http://loki:3100" }, [`alloy-logs:lokiEndpoint: got "http://loki:3100"; ${PUSH_PATH}`]],
  ["an endpoint with credentials", { lokiEndpoint: "https://u:p@loki/loki/api/v1/push" }, ['alloy-logs:lokiEndpoint: got "https://u:p@loki/loki/api/v1/push"; expected a URL without credentials: user:password@ in a URL ends up in plain text in the ConfigMap']],
  ["an endpoint with a query", { lokiEndpoint: "http://loki:3100/loki/api/v1/push?x=1" }, ['alloy-logs:lokiEndpoint: got "http://loki:3100/loki/api/v1/push?x=1"; expected a URL without a query string or fragment']],
  ["an endpoint with a fragment", { lokiEndpoint: "http://loki:3100/loki/api/v1/push#x" }, ['alloy-logs:lokiEndpoint: got "http://loki:3100/loki/api/v1/push#x"; expected a URL without a query string or fragment']],
  ["an endpoint with port 0", { lokiEndpoint: "http://loki:0/loki/api/v1/push" }, ['alloy-logs:lokiEndpoint: got "http://loki:0/loki/api/v1/push"; expected a port from 1 to 65535 after the host\'s \':\'']],
  ["an endpoint with port 99999", { lokiEndpoint: "http://loki:99999/loki/api/v1/push" }, ['alloy-logs:lokiEndpoint: got "http://loki:99999/loki/api/v1/push"; expected a port from 1 to 65535 after the host\'s \':\'']],
  ["an endpoint with an empty port", { lokiEndpoint: "http://loki:/loki/api/v1/push" }, ['alloy-logs:lokiEndpoint: got "http://loki:/loki/api/v1/push"; expected a port from 1 to 65535 after the host\'s \':\'']],
  ["an endpoint with a space in the path", { lokiEndpoint: q("http://loki:3100/loki api/v1/push") }, ['alloy-logs:lokiEndpoint: got "http://loki:3100/loki api/v1/push"; expected a path of URL characters only: no spaces, quotes, backslashes or non-ASCII (percent-encode them)']],
  ["an endpoint with a quote", { lokiEndpoint: q('http://loki:3100/"/loki/api/v1/push') }, [`alloy-logs:lokiEndpoint: got 'http://loki:3100/"/loki/api/v1/push'; expected a path of URL characters only: no spaces, quotes, backslashes or non-ASCII (percent-encode them)`]],
  ["an endpoint with an Alloy interpolation", { lokiEndpoint: q("http://${LOKI}/loki/api/v1/push") }, ['alloy-logs:lokiEndpoint: got "http://${LOKI}/loki/api/v1/push"; expected a host name of letters, digits, \'-\' and \'.\' (or an [IPv6] address)']],
  ["an endpoint with a backslash host", { lokiEndpoint: q("http://loki\\evil/loki/api/v1/push") }, [`alloy-logs:lokiEndpoint: got 'http://loki\\evil/loki/api/v1/push'; expected a host name of letters, digits, '-' and '.' (or an [IPv6] address)`]],
  ["an endpoint with a Unicode host", { lokiEndpoint: q("http://로키:3100/loki/api/v1/push") }, ['alloy-logs:lokiEndpoint: got "http://로키:3100/loki/api/v1/push"; expected a host name of letters, digits, \'-\' and \'.\' (or an [IPv6] address)']],
  ["an endpoint with an uppercase scheme", { lokiEndpoint: "HTTP://loki:3100/loki/api/v1/push" }, ['alloy-logs:lokiEndpoint: got "HTTP://loki:3100/loki/api/v1/push"; expected an http:// or https:// URL (lowercase scheme)']],
  ["an endpoint with a newline", { lokiEndpoint: q("http://loki:3100/loki/api/v1/push\n") }, ['alloy-logs:lokiEndpoint: got "http://loki:3100/loki/api/v1/push\\n"; expected a path of URL characters only: no spaces, quotes, backslashes or non-ASCII (percent-encode them)']],
  ["an empty endpoint", { lokiEndpoint: "" }, ['alloy-logs:lokiEndpoint: got ""; expected an absolute URL starting with http:// or https://']],
  // tenantId
  ["an empty tenant (delivered as \"\", never \"null\")", { tenantId: "" }, [`alloy-logs:tenantId: got ""; ${TENANT}`]],
  ["no tenant", { tenantId: null }, ["alloy-logs:tenantId: missing; expected a string (Loki tenant (X-Scope-OrgID) all of this cluster's logs are written to.)"]],
  ["a tenant with a quote", { tenantId: q('op"s') }, [`alloy-logs:tenantId: got 'op"s'; ${TENANT}`]],
  ["a tenant with a newline", { tenantId: q("op\ns") }, [`alloy-logs:tenantId: got "op\\ns"; ${TENANT}`]],
  ["a tenant with a template", { tenantId: q("{{ .Values }}") }, [`alloy-logs:tenantId: got "{{ .Values }}"; ${TENANT}`]],
  ["a tenant with an interpolation", { tenantId: q("${TENANT}") }, [`alloy-logs:tenantId: got "\${TENANT}"; ${TENANT}`]],
  ["a tenant with a backslash", { tenantId: q("op\\s") }, [`alloy-logs:tenantId: got 'op\\s'; ${TENANT}`]],
  ["a tenant in Hangul", { tenantId: q("운영") }, [`alloy-logs:tenantId: got "운영"; ${TENANT}`]],
  ["a tenant of 151 characters", { tenantId: "t".repeat(151) }, [`alloy-logs:tenantId: got "${"t".repeat(116)}...; ${TENANT}`]],
  ["the tenant ..", { tenantId: q("..") }, ['alloy-logs:tenantId: got ".."; expected a Loki tenant ID other than "." or ".."']],
  ["the tenant of another stack", { tenantId: "dev" }, ["alloy-logs:tenantId: got \"dev\"; expected a tenant no other stack uses, but Pulumi.dev.yaml uses it too (each cluster's logs belong in its own tenant)"]],
  ["a tenant held as a secret (it is written into the ConfigMap)", { tenantId: "{secure: v1:AAAA}" }, [NOT_SECRET("tenantId")]],
  // lokiAuth
  ["an unknown credential type", { lokiAuth: "{type: oauth}" }, [`alloy-logs:lokiAuth.type: got "oauth"; ${AUTH_UNION}`]],
  ["credentials as a string (maybe a pasted token)", { lokiAuth: q("glc_abcdef") }, [`alloy-logs:lokiAuth: got "[secret]"; ${AUTH_UNION}`]],
  ["a misspelt credential field", { lokiAuth: "{type: basic, username: ops, passwrd: {secure: v1:AAAA}}" }, ["alloy-logs:lokiAuth.password: missing; expected password as a string", "alloy-logs:lokiAuth.passwrd: unknown key; did you mean alloy-logs:lokiAuth.password?"]],
  ["an unknown credential field", { lokiAuth: "{type: none, colour: {secure: v1:AAAA}}" }, ["alloy-logs:lokiAuth.colour: unknown key; expected one of type"]],
  ["a plain-text password", { lokiAuth: "{type: basic, username: ops, password: hunter2}" }, ["alloy-logs:lokiAuth.password: got a plain-text value; expected a Pulumi secret, so it is encrypted in Pulumi.ops.yaml and in state: pulumi config set --secret --path 'alloy-logs:lokiAuth.password' <value>"]],
  ["a plain-text bearer token", { lokiAuth: "{type: bearer, token: glc_abcdef}" }, ["alloy-logs:lokiAuth.token: got a plain-text value; expected a Pulumi secret, so it is encrypted in Pulumi.ops.yaml and in state: pulumi config set --secret --path 'alloy-logs:lokiAuth.token' <value>"]],
  ["basic auth without a username", { lokiAuth: "{type: basic, password: {secure: v1:AAAA}}" }, ["alloy-logs:lokiAuth.username: missing; expected username as a string"]],
  ["an empty username", { lokiAuth: "{type: basic, username: '', password: {secure: v1:AAAA}}" }, ['alloy-logs:lokiAuth.username: got "[secret]"; expected a non-empty username']],
  // resources
  ["a memory limit of 700MB", { resources: "{requests: {cpu: 250m, memory: 300Mi}, limits: {memory: 700MB}}" }, [`alloy-logs:resources.limits.memory: got "700MB"; ${QUANTITY("700Mi")}`]],
  ["a memory limit without a unit (bytes)", { resources: "{requests: {cpu: 250m, memory: 300Mi}, limits: {memory: 734003200}}" }, ['alloy-logs:resources.limits.memory: got 734003200; expected a memory quantity with a unit such as 700Mi: without one it is bytes (Ki/Mi/Gi are powers of 1024)']],
  ["a memory request in thousandths of a byte", { resources: "{requests: {cpu: 250m, memory: 300m}, limits: {memory: 700Mi}}" }, ['alloy-logs:resources.requests.memory: got "300m"; expected a memory quantity with a unit such as 300Mi: without one it is bytes (Ki/Mi/Gi are powers of 1024)']],
  ["a CPU request of -1", { resources: "{requests: {cpu: -1, memory: 300Mi}, limits: {memory: 700Mi}}" }, [`alloy-logs:resources.requests.cpu: got -1; ${QUANTITY("250m")}`]],
  ["a CPU request of 0", { resources: "{requests: {cpu: 0, memory: 300Mi}, limits: {memory: 700Mi}}" }, [`alloy-logs:resources.requests.cpu: got 0; ${QUANTITY("250m")}`]],
  ["a memory limit below the request", { resources: "{requests: {cpu: 250m, memory: 1Gi}, limits: {memory: 700Mi}}" }, ['alloy-logs:resources.limits.memory: got "700Mi"; expected a memory limit of at least the request (1Gi); Kubernetes rejects limits below requests']],
  ["a memory request above the default limit (the request is blamed)", { resources: "{requests: {cpu: 250m, memory: 1Gi}}" }, ['alloy-logs:resources.requests.memory: got "1Gi"; expected a memory request of at most the limit (700Mi); Kubernetes rejects limits below requests']],
  ["a CPU limit below the request", { resources: "{requests: {cpu: 1, memory: 300Mi}, limits: {cpu: 500m, memory: 700Mi}}" }, ['alloy-logs:resources.limits.cpu: got "500m"; expected a cpu limit of at least the request (1); Kubernetes rejects limits below requests']],
  ["resources without a memory limit", { resources: "{requests: {cpu: 250m, memory: 300Mi}, limits: {}}" }, ["alloy-logs:resources.limits.memory: missing; expected a memory limit such as 700Mi"]],
  ["a misspelt resources key", { resources: "{requests: {cpu: 250m, memory: 300Mi}, limit: {memory: 700Mi}}" }, ["alloy-logs:resources.limit: unknown key; did you mean alloy-logs:resources.limits?"]],
  ["a CPU request as a list", { resources: "{requests: {cpu: [1], memory: 300Mi}}" }, ["alloy-logs:resources.requests.cpu: got [1]; expected a Kubernetes quantity string such as 250m"]],
  ["resources as a string", { resources: "lots" }, ['alloy-logs:resources: got "lots"; expected a map with the keys requests, limits']],
  // serviceMonitor
  ["serviceMonitor as a string", { serviceMonitor: "on" }, ['alloy-logs:serviceMonitor: got "on"; expected a map with the keys enabled, labels, interval']],
  ["an empty selector label value", { serviceMonitor: "{labels: {release: ''}}" }, ['alloy-logs:serviceMonitor.labels.release: got ""; expected a non-empty label value: the selector that looks for this label never matches an empty one']],
  ["a ServiceMonitor label value with a space", { serviceMonitor: "{labels: {release: kube prometheus}}" }, [`alloy-logs:serviceMonitor.labels.release: got "kube prometheus"; ${LABEL_VALUE}`]],
  ["a ServiceMonitor label key that is not one", { serviceMonitor: "{labels: {-release: x}}" }, ['alloy-logs:serviceMonitor.labels.-release: got "-release"; expected a Kubernetes label key such as release or example.com/team']],
  ["a scrape interval without a unit", { serviceMonitor: "{interval: 30}" }, ['alloy-logs:serviceMonitor.interval: got 30; expected a Prometheus duration such as 30s or 1m']],
  ["serviceMonitor.enabled: on", { serviceMonitor: "{enabled: on}" }, ['alloy-logs:serviceMonitor.enabled: got "on"; expected true or false']],
  // datadog
  ["an empty Datadog metric list", { datadog: "{metrics: []}" }, ["alloy-logs:datadog.metrics: got []; expected at least one metric name"]],
  ["an empty Datadog metric name", { datadog: "{metrics: ['']}" }, ['alloy-logs:datadog.metrics.0: got ""; expected a non-empty metric name']],
  ["a Datadog namespace with a dash", { datadog: "{namespace: loki-v3}" }, ["alloy-logs:datadog.namespace: got \"loki-v3\"; expected a Datadog metric namespace: lowercase letters, digits and '_' (e.g. loki_v3)"]],
  ["a misspelt Datadog key", { datadog: "{enable: true}" }, ["alloy-logs:datadog.enable: unknown key; did you mean alloy-logs:datadog.enabled?"]],
  ["prometheusAnnotations: on", { prometheusAnnotations: "on" }, ['alloy-logs:prometheusAnnotations: got "on"; expected true or false']],
  // pipeline
  ["a maximum entry age in days", { pipeline: "{maxEntryAge: 2d}" }, [`alloy-logs:pipeline.maxEntryAge: got "2d"; ${DURATION("12h", 'unknown unit "d" in duration')}`]],
  ["a maximum entry age beyond Loki's reject window", { pipeline: "{maxEntryAge: 200h}" }, ["alloy-logs:pipeline.maxEntryAge: got \"200h\"; expected an age above 0 and below Loki's default reject window of 168h, such as 12h"]],
  ["a maximum entry age of 0s", { pipeline: "{maxEntryAge: 0s}" }, ["alloy-logs:pipeline.maxEntryAge: got \"0s\"; expected an age above 0 and below Loki's default reject window of 168h, such as 12h"]],
  ["a negative maximum entry age", { pipeline: "{maxEntryAge: -1h}" }, ["alloy-logs:pipeline.maxEntryAge: got \"-1h\"; expected an age above 0 and below Loki's default reject window of 168h, such as 12h"]],
  ["a maximum entry age of 1e400 (shown as written, not null)", { pipeline: "{maxEntryAge: 1e400}" }, [`alloy-logs:pipeline.maxEntryAge: got "1e400"; ${DURATION("12h", 'unknown unit "e" in duration')}`]],
  ["an excluded namespace with a comma (a field selector term)", { pipeline: "{excludeNamespaces: [kube-system, 'a,b']}" }, ['alloy-logs:pipeline.excludeNamespaces.1: got "a,b"; expected a namespace name: a DNS-1123 label such as kube-system']],
  ["excluded namespaces as a string", { pipeline: "{excludeNamespaces: kube-system}" }, ['alloy-logs:pipeline.excludeNamespaces: got "kube-system"; expected a list of namespace names']],
  ["an exclusion annotation that is not a key", { pipeline: "{excludeAnnotation: 'exclude me'}" }, ['alloy-logs:pipeline.excludeAnnotation: got "exclude me"; expected an annotation key such as alloy-logs/exclude']],
  ["dropProbeLogs: yes", { pipeline: "{dropProbeLogs: yes}" }, ['alloy-logs:pipeline.dropProbeLogs: got "yes"; expected true or false']],
  ["a probe expression over Go's repeat limit", { pipeline: "{probeExpression: 'x{1,2000}'}" }, [`alloy-logs:pipeline.probeExpression: got "x{1,2000}"; ${PROBE_RE2} invalid repeat count: \`{1,2000}\``]],
  ["a probe expression with \\Z (not RE2)", { pipeline: String.raw`{probeExpression: 'ping\Z'}` }, [`alloy-logs:pipeline.probeExpression: got 'ping\\Z'; ${PROBE_RE2} invalid escape sequence: \`\\Z\``]],
  ["a probe expression with \\u (not RE2)", { pipeline: String.raw`{probeExpression: '\u0041'}` }, [`alloy-logs:pipeline.probeExpression: got '\\u0041'; ${PROBE_RE2} invalid escape sequence: \`\\u\``]],
  ["a probe expression with a lookahead", { pipeline: "{probeExpression: 'GET (?=/health)'}" }, [`alloy-logs:pipeline.probeExpression: got "GET (?=/health)"; ${PROBE_RE2} invalid or unsupported Perl syntax: \`(?=\``]],
  ["a probe expression with a backreference", { pipeline: String.raw`{probeExpression: '(a)\1'}` }, [`alloy-logs:pipeline.probeExpression: got '(a)\\1'; ${PROBE_RE2} invalid escape sequence: \`\\1\``]],
  ["an unclosed probe expression", { pipeline: "{probeExpression: '(GET'}" }, [`alloy-logs:pipeline.probeExpression: got "(GET"; ${PROBE_RE2} missing closing ): \`(GET\``]],
  ["an empty probe expression", { pipeline: "{probeExpression: ''}" }, ['alloy-logs:pipeline.probeExpression: got ""; expected the probe line regular expression, not an empty string']],
  ["a rate limit by an unknown label", { pipeline: "{rateLimit: {enabled: true, by: pod}}" }, ['alloy-logs:pipeline.rateLimit.by: got "pod"; expected namespace or app']],
  ["a zero rate limit", { pipeline: "{rateLimit: {enabled: true, linesPerSecond: 0}}" }, ["alloy-logs:pipeline.rateLimit.linesPerSecond: got 0; expected a positive number of lines per second"]],
  ["a fractional burst", { pipeline: "{rateLimit: {enabled: true, burst: 1.5}}" }, ["alloy-logs:pipeline.rateLimit.burst: got 1.5; expected a whole number of lines"]],
  ["a zero burst", { pipeline: "{rateLimit: {enabled: true, burst: 0}}" }, ["alloy-logs:pipeline.rateLimit.burst: got 0; expected a positive burst"]],
  ["a multiline rule with an invalid regex", { pipeline: "{multiline: [{namespace: payments, firstLine: '^(x'}]}" }, [`alloy-logs:pipeline.multiline.0.firstLine: got "^(x"; ${FIRST_LINE_RE2} missing closing ): \`^(x\``]],
  ["a multiline rule with a nested repetition", { pipeline: "{multiline: [{namespace: payments, firstLine: 'a**'}]}" }, [`alloy-logs:pipeline.multiline.0.firstLine: got "a**"; ${FIRST_LINE_RE2} invalid nested repetition operator: \`**\``]],
  ["a multiline rule without a namespace", { pipeline: "{multiline: [{firstLine: '^\\d'}]}" }, ["alloy-logs:pipeline.multiline.0.namespace: missing; expected a namespace name (Namespace of the workload.)"]],
  ["a multiline rule with a misspelt key", { pipeline: "{multiline: [{namespace: payments, firstline: '^x'}]}" }, ["alloy-logs:pipeline.multiline.0.firstLine: missing; expected the first line's regular expression as a string (RE2 matching the first line of each entry.)", "alloy-logs:pipeline.multiline.0.firstline: unknown key; did you mean alloy-logs:pipeline.multiline.0.firstLine?"]],
  ["a multiline wait of 0s", { pipeline: "{multiline: [{namespace: payments, firstLine: '^x', maxWaitTime: 0s}]}" }, ['alloy-logs:pipeline.multiline.0.maxWaitTime: got "0s"; expected a duration above 0 such as 3s']],
  ["a multiline app with a space", { pipeline: "{multiline: [{namespace: payments, app: 'my app', firstLine: '^x'}]}" }, ["alloy-logs:pipeline.multiline.0.app: got \"my app\"; expected an app label value: at most 63 letters, digits, '-', '_' or '.'"]],
  ["multiline as a map", { pipeline: "{multiline: {namespace: payments}}" }, ['alloy-logs:pipeline.multiline: got {"namespace":"payments"}; expected a list of {namespace, app, firstLine}']],
  ["the index label filename (dropped earlier)", { pipeline: "{indexLabels: [namespace, filename]}" }, ['alloy-logs:pipeline.indexLabels.1: got "filename"; expected a label the pipeline sends: the pipeline drops filename before the final allow-list (stage.label_drop), so listing it does nothing']],
  ["the index label cluster (added anyway)", { pipeline: "{indexLabels: [namespace, cluster]}" }, ['alloy-logs:pipeline.indexLabels.1: got "cluster"; expected a label the pipeline sends: loki.write adds cluster to every stream (external_labels) after the allow-list; it needs no listing']],
  ["an index label no stage produces", { pipeline: "{indexLabels: [node-name]}" }, [`alloy-logs:pipeline.indexLabels.0: got "node-name"; ${INDEX_LABELS}`]],
  ["no index labels", { pipeline: "{indexLabels: []}" }, ["alloy-logs:pipeline.indexLabels: got []; expected at least one index label"]],
  ["an index label listed twice", { pipeline: "{indexLabels: [pod, pod]}" }, ['alloy-logs:pipeline.indexLabels: got ["pod","pod"]; expected each label once']],
  ["a misspelt pipeline key", { pipeline: "{dropProbeLog: true}" }, ["alloy-logs:pipeline.dropProbeLog: unknown key; did you mean alloy-logs:pipeline.dropProbeLogs?"]],
  // journal
  ["journal units as a string", { journal: "{units: kubelet.service}" }, ['alloy-logs:journal.units: got "kubelet.service"; expected a list of systemd unit names']],
  ["a journal unit without its type", { journal: "{units: [kubelet]}" }, [`alloy-logs:journal.units.0: got "kubelet"; ${JOURNAL_UNIT}`]],
  ["a journal unit with a space", { journal: "{units: ['kube let.service']}" }, [`alloy-logs:journal.units.0: got "kube let.service"; ${JOURNAL_UNIT}`]],
  ["a journal unit with a regex in it", { journal: "{units: ['kube.*']}" }, [`alloy-logs:journal.units.0: got "kube.*"; ${JOURNAL_UNIT}`]],
  ["kernel listed as a journal unit", { journal: "{units: [kubelet.service, kernel]}" }, ['alloy-logs:journal.units.1: got "kernel"; expected a systemd unit name: kernel messages are always kept while the journal is read, list only units']],
  ["a journal unit template", { journal: "{units: ['getty@.service']}" }, ['alloy-logs:journal.units.0: got "getty@.service"; expected a unit instance such as getty@tty1.service: a template such as getty@.service never logs under its own name']],
  ["a journal unit listed twice", { journal: "{units: [kubelet.service, kubelet.service]}" }, ['alloy-logs:journal.units: got ["kubelet.service","kubelet.service"]; expected each unit once']],
  ["a journal unit of 300 characters", { journal: `{units: [${"a".repeat(292)}.service]}` }, [`alloy-logs:journal.units.0: got "${"a".repeat(116)}...; expected a systemd unit name of at most 255 characters`]],
  ["a journal max age in days", { journal: "{maxAge: 1d}" }, [`alloy-logs:journal.maxAge: got "1d"; ${DURATION("12h", 'unknown unit "d" in duration')}`]],
  ["a journal max age of 0s", { journal: "{maxAge: 0s}" }, ['alloy-logs:journal.maxAge: got "0s"; expected an age above 0 and below Loki\'s default reject window of 168h, such as 12h']],
  ["a journal max age beyond Loki's reject window", { journal: "{maxAge: 200h}" }, ['alloy-logs:journal.maxAge: got "200h"; expected an age above 0 and below Loki\'s default reject window of 168h, such as 12h']],
  ["a relative journal path", { journal: "{path: var/log/journal}" }, ['alloy-logs:journal.path: got "var/log/journal"; expected an absolute directory path such as /var/log/journal or /run/log/journal']],
  ["a journal path with a trailing slash", { journal: "{path: /var/log/journal/}" }, ['alloy-logs:journal.path: got "/var/log/journal/"; expected an absolute directory path such as /var/log/journal or /run/log/journal']],
  ["a journal path climbing out of /var/log", { journal: "{path: /var/log/../../etc}" }, ['alloy-logs:journal.path: got "/var/log/../../etc"; expected an absolute directory path without . or .. segments, such as /var/log/journal']],
  ["a journal path over the collector's storage", { journal: "{path: /var/lib/alloy}" }, ['alloy-logs:journal.path: got "/var/lib/alloy"; expected a journal directory outside the collector\'s own mounts /etc/alloy and /var/lib/alloy']],
  ["journal.enabled: yes (a string in YAML 1.2)", { journal: "{enabled: yes}" }, ['alloy-logs:journal.enabled: got "yes"; expected true or false']],
  ["a misspelt journal key", { journal: "{unit: [kubelet.service]}" }, ["alloy-logs:journal.unit: unknown key; did you mean alloy-logs:journal.units?"]],
  // lokiWrite
  ["a push timeout of 0s (every push fails at once)", { lokiWrite: "{timeout: 0s}" }, ['alloy-logs:lokiWrite.timeout: got "0s"; expected a duration above 0 such as 10s']],
  ["a push timeout without a unit", { lokiWrite: "{timeout: 10}" }, [`alloy-logs:lokiWrite.timeout: got 10; ${DURATION("10s", "missing unit in duration")}`]],
  ["a push timeout of \"10\"", { lokiWrite: "{timeout: '10'}" }, [`alloy-logs:lokiWrite.timeout: got "10"; ${DURATION("10s", "missing unit in duration")}`]],
  ["a batch wait of 0s", { lokiWrite: "{batchWait: 0s}" }, ['alloy-logs:lokiWrite.batchWait: got "0s"; expected a duration above 0 such as 1s']],
  ["a batch size of 0B (one-entry batches)", { lokiWrite: "{batchSize: 0B}" }, ['alloy-logs:lokiWrite.batchSize: got "0B"; expected a batch of at least 16KiB: a smaller one sends every few lines in a request of its own']],
  ["a batch size of 8KiB", { lokiWrite: "{batchSize: 8KiB}" }, ['alloy-logs:lokiWrite.batchSize: got "8KiB"; expected a batch of at least 16KiB: a smaller one sends every few lines in a request of its own']],
  ["a batch size without a unit", { lokiWrite: "{batchSize: 1048576}" }, [`alloy-logs:lokiWrite.batchSize: got 1048576; ${SIZE("missing unit in 1048576")}`]],
  ["a batch size in an SI unit", { lokiWrite: "{batchSize: 1kB}" }, [`alloy-logs:lokiWrite.batchSize: got "1kB"; ${SIZE("unknown unit kB in 1kB")}`]],
  ["a batch size mixing unit styles", { lokiWrite: "{batchSize: 1MiB512KB}" }, [`alloy-logs:lokiWrite.batchSize: got "1MiB512KB"; ${SIZE("unknown unit MiB in 1MiB512KB")}`]],
  ["a minimum backoff above the default maximum (the minimum is blamed)", { lokiWrite: "{minBackoff: 10m}" }, ['alloy-logs:lokiWrite.minBackoff: got "10m"; expected a minBackoff of at most maxBackoff (5m)']],
  ["a maximum backoff below the minimum", { lokiWrite: "{minBackoff: 10s, maxBackoff: 5s}" }, ['alloy-logs:lokiWrite.maxBackoff: got "5s"; expected a maxBackoff of at least minBackoff (10s)']],
  ["a maximum backoff below the default minimum", { lokiWrite: "{maxBackoff: 100ms}" }, ['alloy-logs:lokiWrite.maxBackoff: got "100ms"; expected a maxBackoff of at least minBackoff (500ms)']],
  ["a negative minimum backoff", { lokiWrite: "{minBackoff: -1s}" }, ['alloy-logs:lokiWrite.minBackoff: got "-1s"; expected a duration above 0 such as 500ms']],
  ["no retries", { lokiWrite: "{maxRetries: 0}" }, ["alloy-logs:lokiWrite.maxRetries: got 0; expected at least 1 retry"]],
  ["retries as a fraction", { lokiWrite: "{maxRetries: 1.5}" }, ["alloy-logs:lokiWrite.maxRetries: got 1.5; expected a whole number of retries"]],
  ["retries of 1e400 (shown as written, not null)", { lokiWrite: "{maxRetries: 1e400}" }, ['alloy-logs:lokiWrite.maxRetries: got "1e400"; expected a whole number of retries']],
  ["a misspelt lokiWrite key", { lokiWrite: "{timeOut: 10s}" }, ["alloy-logs:lokiWrite.timeOut: unknown key; did you mean alloy-logs:lokiWrite.timeout?"]],
  // rollout, alerts, dashboard
  ["a maxUnavailable of 0%", { rollout: "{maxUnavailable: 0%}" }, ['alloy-logs:rollout.maxUnavailable: got "0%"; expected a whole number of pods such as 1, or a percentage such as 10%']],
  ["a maxUnavailable of 0", { rollout: "{maxUnavailable: 0}" }, ["alloy-logs:rollout.maxUnavailable: got 0; expected a whole number of pods such as 1, or a percentage such as 10%"]],
  ["a maxUnavailable of 101%", { rollout: "{maxUnavailable: 101%}" }, ['alloy-logs:rollout.maxUnavailable: got "101%"; expected a whole number of pods such as 1, or a percentage such as 10%']],
  ["a negative minReadySeconds", { rollout: "{minReadySeconds: -5}" }, ["alloy-logs:rollout.minReadySeconds: got -5; expected 0 or more seconds"]],
  ["no grace period", { rollout: "{terminationGracePeriodSeconds: 0}" }, ["alloy-logs:rollout.terminationGracePeriodSeconds: got 0; expected at least 1 second"]],
  ["a memory alert ratio above 1", { alerts: "{memoryLimitRatio: 1.5}" }, ["alloy-logs:alerts.memoryLimitRatio: got 1.5; expected a ratio between 0 and 1 such as 0.9"]],
  ["a failed-request ratio of 0", { alerts: "{failedRequestRatio: 0}" }, ["alloy-logs:alerts.failedRequestRatio: got 0; expected a ratio between 0 and 1 such as 0.1"]],
  ["no-entries minutes of 0", { alerts: "{noEntriesSentMinutes: 0}" }, ["alloy-logs:alerts.noEntriesSentMinutes: got 0; expected at least 1 minute"]],
  ["an empty alert selector label", { alerts: "{labels: {release: ''}}" }, ['alloy-logs:alerts.labels.release: got ""; expected a non-empty label value: the selector that looks for this label never matches an empty one']],
  ["a dashboard label value with a slash", { dashboard: "{labels: {grafana_dashboard: a/b}}" }, [`alloy-logs:dashboard.labels.grafana_dashboard: got "a/b"; ${LABEL_VALUE}`]],
  ["dashboard.enabled: 1", { dashboard: "{enabled: 1}" }, ["alloy-logs:dashboard.enabled: got 1; expected true or false"]],
  // chartRepository
  ["a chart repository without a scheme", { chartRepository: "charts.example.com/helm" }, ['alloy-logs:chartRepository: got "charts.example.com/helm"; expected a chart repository URL starting with https://, http:// or oci://, such as https://grafana.github.io/helm-charts or oci://registry.example.com/charts']],
  ["a chart repository over ftp", { chartRepository: "ftp://charts.example.com" }, ['alloy-logs:chartRepository: got "ftp://charts.example.com"; expected a chart repository URL starting with https://, http:// or oci://, such as https://grafana.github.io/helm-charts or oci://registry.example.com/charts']],
  ["a chart repository with a password in it", { chartRepository: "https://ci:hunter2@charts.example.com" }, ['alloy-logs:chartRepository: got "https://ci:hunter2@charts.example.com"; expected a chart repository URL such as https://grafana.github.io/helm-charts or oci://registry.example.com/charts: a URL without credentials: user:password@ in a URL ends up in plain text in the state and the plan']],
  ["a chart repository with a query string", { chartRepository: "https://charts.example.com/?token=x" }, ['alloy-logs:chartRepository: got "https://charts.example.com/?token=x"; expected a chart repository URL such as https://grafana.github.io/helm-charts or oci://registry.example.com/charts: a URL without a query string or fragment']],
  ["an oci registry with no repository path", { chartRepository: "oci://registry.example.com" }, ['alloy-logs:chartRepository: got "oci://registry.example.com"; expected an oci:// URL with the repository path the chart is under, such as oci://registry.example.com/charts']],
  ["a chart repository with no host", { chartRepository: "https:///charts" }, ['alloy-logs:chartRepository: got "https:///charts"; expected a chart repository URL such as https://grafana.github.io/helm-charts or oci://registry.example.com/charts: a URL with a host']],
  ["a chart repository as a number", { chartRepository: "8080" }, ['alloy-logs:chartRepository: got "8080"; expected a chart repository URL starting with https://, http:// or oci://, such as https://grafana.github.io/helm-charts or oci://registry.example.com/charts']],
  // chartOverrides
  ["the seed incident: tolerations at the chart root", { chartOverrides: "{tolerations: [{operator: Exists}]}" }, ['alloy-logs:chartOverrides.tolerations: got [{"operator":"Exists"}]; expected a value path the grafana/alloy 1.4.0 chart reads; it does not read "tolerations", so Helm would silently ignore it. Did you mean "controller.tolerations"?']],
  ["a misspelt chart value", { chartOverrides: "{controller: {nodeSelektor: {}}}" }, ['alloy-logs:chartOverrides.controller.nodeSelektor: got {}; expected a value path the grafana/alloy 1.4.0 chart reads; it does not read "controller.nodeSelektor", so Helm would silently ignore it. Did you mean "controller.nodeSelector"?']],
  ["an override of a value the program sets", { chartOverrides: "{alloy: {resources: {limits: {memory: 1Gi}}}}" }, ['alloy-logs:chartOverrides.alloy.resources: got {"limits":{"memory":"1Gi"}}; expected no override of chart value "alloy.resources": set alloy-logs:resources instead']],
  ["chartOverrides as a list", { chartOverrides: "[controller]" }, ['alloy-logs:chartOverrides: got ["controller"]; expected a map of grafana/alloy chart values']],
  ["a chart override holding a secret", { chartOverrides: "{controller: {podAnnotations: {token: {secure: v1:AAAA}}}}" }, [NOT_SECRET("chartOverrides")]],
  // keys and namespaces
  ["a misspelt top-level key", { tenantID: "ops" }, ["alloy-logs:tenantID: unknown key; did you mean alloy-logs:tenantId?"]],
  ["an unknown key with no near miss", { colour: "blue" }, ["alloy-logs:colour: unknown key; expected one of clusterName, kubeconfigContext, eks, namespace, createNamespace, lokiEndpoint, tenantId, lokiAuth, resources, serviceMonitor, datadog, prometheusAnnotations, storageHostPath, pipeline, journal, lokiWrite, rollout, alerts, dashboard, events, chartRepository, chartOverrides"]],
  ["a key in the namespace alloy_logs", { "alloy_logs:datadog": "{enabled: false}" }, ['alloy_logs:datadog: unknown namespace "alloy_logs", so no program reads this key; did you mean alloy-logs:datadog?']],
  ["a key in the namespace alloylogs", { "alloylogs:dashboard": "{enabled: false}" }, ['alloylogs:dashboard: unknown namespace "alloylogs", so no program reads this key; did you mean alloy-logs:dashboard?']],
  ["a key in the namespace alloy-log", { "alloy-log:alerts": "{enabled: false}" }, ['alloy-log:alerts: unknown namespace "alloy-log", so no program reads this key; did you mean alloy-logs:alerts?']],
  ["a key in the namespace Alloy-Logs", { "Alloy-Logs:pipeline": "{dropProbeLogs: true}" }, ['Alloy-Logs:pipeline: unknown namespace "Alloy-Logs", so no program reads this key; did you mean alloy-logs:pipeline?']],
  // the file itself
  ["a file that is a list", { file: "- config\n" }, { fileError: "Pulumi.ops.yaml:1:1: expected a stack file: a map with a config: key, but the file holds a list" }],
  ["a file that is a sentence", { file: "alloy-logs tenant ops\n" }, { fileError: 'Pulumi.ops.yaml:1:1: expected a stack file: a map with a config: key, but the file holds the text "alloy-logs tenant ops"' }],
  ["a config that is a list", { file: "config:\n  - alloy-logs:tenantId: ops\n  - alloy-logs:clusterName: ops\n" }, { fileError: "Pulumi.ops.yaml:2:3: config: expected a map of alloy-logs:<key>: <value>, but it holds a list" }],
  ["a config that is a string", { file: "config: alloy-logs:tenantId=ops\n" }, { fileError: 'Pulumi.ops.yaml:1:9: config: expected a map of alloy-logs:<key>: <value>, but it holds the text "alloy-logs:tenantId=ops"' }],
  ["a key indented too far", { file: "config:\n  alloy-logs:tenantId: ops\n    alloy-logs:clusterName: ops\n" }, { fileError: "Pulumi.ops.yaml:2:24: not valid YAML: Nested mappings are not allowed in compact mappings" }],
  ["an unclosed flow map", { file: "config:\n  alloy-logs:lokiWrite: {timeout: 10s\n" }, { fileError: "Pulumi.ops.yaml:3:1: not valid YAML: Flow map in block collection must be sufficiently indented and end with a }" }],
  ["a key given twice", { file: "config:\n  alloy-logs:tenantId: ops\n  alloy-logs:tenantId: dev\n" }, { fileError: "Pulumi.ops.yaml:3:3: not valid YAML: Map keys must be unique" }],
  ["a value of .inf (the CLI cannot store it)", { pipeline: "{rateLimit: {linesPerSecond: .inf}}" }, { fileError: "Pulumi.ops.yaml:26:24: alloy-logs:pipeline: holds .inf or .nan, which the Pulumi CLI cannot store (json: unsupported value); write a number or quote it" }],
];
