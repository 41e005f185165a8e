/**
 * Builds the Alloy configuration (config.alloy) that every collector pod runs:
 * discover the pods of its own node, label them like Promtail did, tail their
 * CRI log files and push the entries to Loki under the cluster's tenant.
 *
 * Pure: the same input always gives the same text. Every component and
 * argument used here exists in Alloy v1.11.3 (see the component reference,
 * https://grafana.com/docs/alloy/v1.11/reference/components/), which
 * test/alloy-pipeline.test.ts checks against a schema written from its source.
 */
import { isDns1123Label } from "../lib/dns1123";
import { journalBlocks, type JournalOptions } from "./journal";
import { attr, block, call, concat, quote, ref, render, type Block, type Statement } from "./syntax";

/** What is collected and how it is filtered (stack key `pipeline`). */
export interface PipelineOptions {
  /** Entries older than this Go duration are dropped before sending. */
  maxEntryAge: string;
  /** Namespaces whose pods are not collected. */
  excludeNamespaces: readonly string[];
  /** Pods annotated with this key set to "true" are not collected. */
  excludeAnnotation: string;
  /** Drop the lines probeExpression matches. */
  dropProbeLogs: boolean;
  /** RE2 matching kubelet probe and health-check lines. */
  probeExpression: string;
  /** Per-namespace or per-app line rate limit. */
  rateLimit: { enabled: boolean; by: "namespace" | "app"; linesPerSecond: number; burst: number };
  /** Workloads whose entries span lines, joined from a line matching firstLine. */
  multiline: readonly { namespace: string; app?: string; firstLine: string; maxWaitTime: string }[];
  /** The only labels sent to Loki as stream labels. */
  indexLabels: readonly string[];
}

/** Batching and retries of the Loki client (stack key `lokiWrite`); durations and sizes as Alloy reads them. */
export interface LokiWriteOptions {
  batchSize: string;
  batchWait: string;
  timeout: string;
  minBackoff: string;
  maxBackoff: string;
  maxRetries: number;
}

/** How Loki authenticates the collector. */
export type LokiAuthType = "none" | "basic" | "bearer";

export interface PipelineInput {
  /** Value of the `cluster` label added to every entry. */
  clusterName: string;
  /** Loki tenant (sent as the X-Scope-OrgID header). */
  tenantId: string;
  /** Loki push URL, ending in /loki/api/v1/push. */
  lokiEndpoint: string;
  /** What is collected and how it is filtered (config key `pipeline`). */
  pipeline: PipelineOptions;
  /** The node's systemd journal (config key `journal`; alloy-config/journal.ts). */
  journal: JournalOptions;
  /** Batching and retries of the Loki client (config key `lokiWrite`). */
  write: LokiWriteOptions;
  /** How Loki authenticates the collector; the credentials themselves are read from the environment. */
  auth: LokiAuthType;
}

/**
 * Environment variables that carry the Loki credentials from a Kubernetes
 * Secret into the config: the config names them, never holds them.
 */
export const CREDENTIAL_ENV = { username: "LOKI_USERNAME", password: "LOKI_PASSWORD", token: "LOKI_BEARER_TOKEN" } as const;

/** The credential fields each kind of Loki authentication carries, each in its CREDENTIAL_ENV variable. */
export const CREDENTIAL_FIELDS = { none: [], basic: ["username", "password"], bearer: ["token"] } as const satisfies Record<
  PipelineInput["auth"],
  readonly (keyof typeof CREDENTIAL_ENV)[]
>;

function credentialStatements(auth: PipelineInput["auth"]): Statement[] {
  switch (auth) {
    case "none":
      return [];
    case "basic":
      return [
        block("basic_auth", [
          attr("username", call("sys.env", CREDENTIAL_ENV.username)),
          attr("password", call("sys.env", CREDENTIAL_ENV.password)),
        ]),
      ];
    case "bearer":
      return [attr("bearer_token", call("sys.env", CREDENTIAL_ENV.token))];
  }
}

/** Reasons the pipeline's own drops are counted under, in loki_process_dropped_lines_total{reason}. */
export const DROP_REASONS = { tooOld: "too_old", probe: "probe" } as const;

/**
 * Environment variable holding the node name: the grafana/alloy chart sets
 * HOSTNAME from the downward API field spec.nodeName
 * (templates/containers/_agent.yaml).
 */
export const NODE_NAME_ENV = "HOSTNAME";

/** Promtail's "first non-empty of these labels" rule: skip empty values, take the first, drop the rest. */
const FIRST_NON_EMPTY = "^;*([^;]+)(;.*)?$";

/** Where the kubelet writes container logs: /var/log/pods/<namespace>_<pod>_<uid>/<container>/<n>.log */
const POD_LOGS_GLOB = "/var/log/pods/*$1/*.log";

function relabelRule(
  sourceLabels: string[],
  targetLabel: string,
  extra: { regex?: string; separator?: string; replacement?: string } = {},
) {
  return block("rule", [
    attr("source_labels", sourceLabels),
    ...(extra.separator === undefined ? [] : [attr("separator", extra.separator)]),
    ...(extra.regex === undefined ? [] : [attr("regex", extra.regex)]),
    ...(extra.replacement === undefined ? [] : [attr("replacement", extra.replacement)]),
    attr("target_label", targetLabel),
  ]);
}

function podDiscoveryBlock(excludeNamespaces: readonly string[]): Block {
  // Each name becomes part of a field selector, where a comma would start another term.
  for (const ns of excludeNamespaces) if (!isDns1123Label(ns)) throw new Error(`not a namespace name: ${JSON.stringify(ns)}`);
  const exclusions = excludeNamespaces.map((ns) => `,metadata.namespace!=${ns}`).join("");
  const field = concat("spec.nodeName=", call("sys.env", NODE_NAME_ENV), ...(exclusions ? [exclusions] : []));
  return block("discovery.kubernetes", [attr("role", "pod"), block("selectors", [attr("role", "pod"), attr("field", field)])], {
    label: "pods",
    comment: [
      "Pods on this collector's node only: each collector reads its own node's log files,",
      "and the API server filters by spec.nodeName (and drops excluded namespaces), so no",
      "collector watches every pod.",
    ],
  });
}

/** The discovery meta label of a pod annotation (Prometheus strutil.SanitizeLabelName). */
export function annotationMetaLabel(annotation: string): string {
  return `__meta_kubernetes_pod_annotation_${annotation.replace(/[^a-zA-Z0-9_]/g, "_")}`;
}

/**
 * Promtail's kubernetes-pods relabeling (grafana/helm-charts charts/promtail
 * values.yaml, config.snippets), which gives the labels app, instance,
 * component, node_name, namespace, job, pod and container, plus __path__.
 */
function podRelabelBlock(excludeAnnotation: string): Block {
  return block(
    "discovery.relabel",
    [
      attr("targets", ref("discovery.kubernetes.pods.targets")),
      block("rule", [attr("source_labels", [annotationMetaLabel(excludeAnnotation)]), attr("regex", "true"), attr("action", "drop")], {
        comment: [`Teams opt a pod out of collection with the annotation ${excludeAnnotation}: "true".`],
      }),
      relabelRule(["__meta_kubernetes_pod_controller_name"], "__tmp_controller_name", { regex: "([0-9a-z-.]+?)(-[0-9a-f]{8,10})?" }),
      relabelRule(
        [
          "__meta_kubernetes_pod_label_app_kubernetes_io_name",
          "__meta_kubernetes_pod_label_app",
          "__tmp_controller_name",
          "__meta_kubernetes_pod_name",
        ],
        "app",
        { regex: FIRST_NON_EMPTY },
      ),
      relabelRule(["__meta_kubernetes_pod_label_app_kubernetes_io_instance", "__meta_kubernetes_pod_label_instance"], "instance", {
        regex: FIRST_NON_EMPTY,
      }),
      relabelRule(["__meta_kubernetes_pod_label_app_kubernetes_io_component", "__meta_kubernetes_pod_label_component"], "component", {
        regex: FIRST_NON_EMPTY,
      }),
      relabelRule(["__meta_kubernetes_pod_node_name"], "node_name"),
      relabelRule(["__meta_kubernetes_namespace"], "namespace"),
      relabelRule(["namespace", "app"], "job", { separator: "/", replacement: "$1" }),
      relabelRule(["__meta_kubernetes_pod_name"], "pod"),
      relabelRule(["__meta_kubernetes_pod_container_name"], "container"),
      relabelRule(["__meta_kubernetes_pod_uid", "__meta_kubernetes_pod_container_name"], "__path__", {
        separator: "/",
        replacement: POD_LOGS_GLOB,
      }),
      relabelRule(
        [
          "__meta_kubernetes_pod_annotationpresent_kubernetes_io_config_hash",
          "__meta_kubernetes_pod_annotation_kubernetes_io_config_hash",
          "__meta_kubernetes_pod_container_name",
        ],
        "__path__",
        { separator: "/", regex: "true/(.*)", replacement: POD_LOGS_GLOB },
      ),
    ],
    {
      label: "pod_logs",
      comment: [
        "Promtail-compatible labels: app, instance and component take the first non-empty",
        "of their source labels (app falls back to the controller name without its hash,",
        "then the pod name); job is <namespace>/<app>. __path__ is the container's log files.",
        "Static (mirror) pods log under their kubernetes.io/config.hash, not their API UID.",
      ],
    },
  );
}

function logFileMatchBlock(maxEntryAge: string): Block {
  return block(
    "local.file_match",
    [attr("path_targets", ref("discovery.relabel.pod_logs.output")), attr("ignore_older_than", maxEntryAge)],
    {
      label: "pod_logs",
      comment: [
        "Expands each target's __path__ glob into the log files present on this node.",
        "*.log is each container's live file: the kubelet's rotations (0.log.<time>, then",
        "0.log.<time>.gz) do not match, so no line is read twice and nothing compressed is read.",
        "A file untouched for longer than the maximum entry age holds nothing that would be sent.",
      ],
    },
  );
}

function fileSourceBlock(): Block {
  return block(
    "loki.source.file",
    [
      attr("targets", ref("local.file_match.pod_logs.targets")),
      attr("forward_to", [ref("loki.process.pod_logs.receiver")]),
      attr("tail_from_end", false),
    ],
    {
      label: "pod_logs",
      comment: [
        "Tails every matched file. Read positions are kept under the storage path, a hostPath",
        "directory, so a restarted collector resumes where it stopped; a file it has never seen",
        "is read from its start (tail_from_end = false), so a new pod's first lines are kept.",
      ],
    },
  );
}

/** A LogQL stream selector; label values use Go string escapes (LogQL's parser unquotes them). */
function logqlSelector(matchers: Record<string, string | undefined>): string {
  const terms = Object.entries(matchers)
    .filter((entry): entry is [string, string] => entry[1] !== undefined)
    .map(([name, value]) => `${name}=${quote(value)}`);
  return `{${terms.join(", ")}}`;
}

function lokiProcessBlock(pipeline: PipelineInput["pipeline"]): Block {
  const stages: Statement[] = [
    attr("forward_to", [ref("loki.write.loki.receiver")]),
    block("stage.cri", [], { comment: ['Splits the CRI line "<time> <stream> <flags> <log>" and joins partial lines.'] }),
    block("stage.timestamp", [attr("source", "time"), attr("format", "RFC3339")], {
      comment: ["The entry's timestamp is the one the container runtime wrote (Go's RFC3339 accepts its nanoseconds)."],
    }),
    block("stage.drop", [attr("older_than", pipeline.maxEntryAge), attr("drop_counter_reason", DROP_REASONS.tooOld)], {
      comment: [
        "Entries older than the maximum age are dropped here and counted, rather than sent for Loki",
        "to reject (reject_old_samples_max_age) after a long outage or on a first deploy.",
      ],
    }),
    ...pipeline.multiline.map((rule) =>
      block(
        "stage.match",
        [
          attr("selector", logqlSelector({ namespace: rule.namespace, app: rule.app })),
          block("stage.multiline", [attr("firstline", rule.firstLine), attr("max_wait_time", rule.maxWaitTime)]),
        ],
        { comment: ["Joins the lines of one entry (a stack trace) into one, from a line matching firstline."] },
      ),
    ),
  ];
  if (pipeline.dropProbeLogs) {
    stages.push(
      block("stage.drop", [attr("expression", pipeline.probeExpression), attr("drop_counter_reason", DROP_REASONS.probe)], {
        comment: ["kubelet probe and health-check access lines: noise that costs storage."],
      }),
    );
  }
  if (pipeline.rateLimit.enabled) {
    stages.push(
      block(
        "stage.limit",
        [
          attr("rate", pipeline.rateLimit.linesPerSecond),
          attr("burst", pipeline.rateLimit.burst),
          attr("by_label_name", pipeline.rateLimit.by),
          attr("drop", true),
        ],
        {
          comment: [
            `A separate budget per ${pipeline.rateLimit.by}: lines over it are dropped and counted`,
            "(loki_process_dropped_lines_by_label_total), never queued, so one flooding workload",
            "cannot hold back the others or use up the tenant's ingestion rate.",
          ],
        },
      ),
    );
  }
  stages.push(
    block("stage.label_drop", [attr("values", ["filename"])], {
      comment: ["The file path is one stream per container restart; the pod and container labels say the same."],
    }),
    block("stage.label_keep", [attr("values", [...pipeline.indexLabels])], {
      comment: ["The final allow-list of index labels: nothing added upstream becomes a stream label by accident."],
    }),
  );
  return block("loki.process", stages, { label: "pod_logs", comment: ["Parses container runtime (CRI) log lines, then filters them."] });
}

/** The Loki client both releases use: the same endpoint, tenant, credentials and cluster label. */
export function lokiWriteBlock(
  input: Pick<PipelineInput, "clusterName" | "tenantId" | "lokiEndpoint" | "write" | "auth">,
  whileRetried: readonly [string, string] = [
    "reading pauses and the lines wait on disk. Any other 4xx (bad tenant, entry too old)",
    "drops the batch at once, counted in loki_write_dropped_entries_total.",
  ],
): Block {
  const w = input.write;
  return block(
    "loki.write",
    [
      block(
        "endpoint",
        [
          attr("url", input.lokiEndpoint),
          attr("tenant_id", input.tenantId),
          attr("batch_size", w.batchSize),
          attr("batch_wait", w.batchWait),
          attr("remote_timeout", w.timeout),
          attr("retry_on_http_429", true),
          attr("min_backoff_period", w.minBackoff),
          attr("max_backoff_period", w.maxBackoff),
          attr("max_backoff_retries", w.maxRetries),
          ...credentialStatements(input.auth),
        ],
        {
          comment: ["429 and 5xx responses are retried with exponential backoff; while a batch is retried,", ...whileRetried],
        },
      ),
      attr("external_labels", { cluster: input.clusterName }),
    ],
    { label: "loki", comment: ["Pushes to Loki v3 under this cluster's tenant, labelled with the cluster name."] },
  );
}

/** The complete Alloy configuration for one cluster, ending in a newline. */
export function buildAlloyConfig(input: PipelineInput): string {
  const header = [
    "// Generated by the alloy-logs Pulumi program (alloy-config/pipeline.ts). Do not edit:",
    "// change the stack's Pulumi.<stack>.yaml and run `npm run plan` to see the result.",
  ].join("\n");
  const p = input.pipeline;
  const blocks = [
    podDiscoveryBlock(p.excludeNamespaces),
    podRelabelBlock(p.excludeAnnotation),
    logFileMatchBlock(p.maxEntryAge),
    fileSourceBlock(),
    lokiProcessBlock(p),
    ...journalBlocks(input.journal, { nodeNameEnv: NODE_NAME_ENV, writeReceiver: "loki.write.loki.receiver" }),
    lokiWriteBlock(input),
  ];
  return `${header}\n\n${render(blocks)}\n`;
}
