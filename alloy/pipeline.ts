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
import { attr, block, call, concat, ref, render, type Block } from "./syntax";

export interface PipelineInput {
  /** Value of the `cluster` label added to every entry. */
  clusterName: string;
  /** Loki tenant (sent as the X-Scope-OrgID header). */
  tenantId: string;
  /** Loki push URL, ending in /loki/api/v1/push. */
  lokiEndpoint: string;
}

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

function relabel(sourceLabels: string[], targetLabel: string, extra: { regex?: string; separator?: string; replacement?: string } = {}) {
  return block("rule", [
    attr("source_labels", sourceLabels),
    ...(extra.separator === undefined ? [] : [attr("separator", extra.separator)]),
    ...(extra.regex === undefined ? [] : [attr("regex", extra.regex)]),
    ...(extra.replacement === undefined ? [] : [attr("replacement", extra.replacement)]),
    attr("target_label", targetLabel),
  ]);
}

function discovery(): Block {
  return block(
    "discovery.kubernetes",
    [
      attr("role", "pod"),
      block("selectors", [attr("role", "pod"), attr("field", concat("spec.nodeName=", call("sys.env", NODE_NAME_ENV)))]),
    ],
    {
      label: "pods",
      comment: [
        "Pods on this collector's node only: each collector reads its own node's log files,",
        "and the API server filters by spec.nodeName, so no collector watches every pod.",
      ],
    },
  );
}

/**
 * Promtail's kubernetes-pods relabeling (grafana/helm-charts charts/promtail
 * values.yaml, config.snippets), which gives the labels app, instance,
 * component, node_name, namespace, job, pod and container, plus __path__.
 */
function labels(): Block {
  return block(
    "discovery.relabel",
    [
      attr("targets", ref("discovery.kubernetes.pods.targets")),
      relabel(["__meta_kubernetes_pod_controller_name"], "__tmp_controller_name", { regex: "([0-9a-z-.]+?)(-[0-9a-f]{8,10})?" }),
      relabel(
        [
          "__meta_kubernetes_pod_label_app_kubernetes_io_name",
          "__meta_kubernetes_pod_label_app",
          "__tmp_controller_name",
          "__meta_kubernetes_pod_name",
        ],
        "app",
        { regex: FIRST_NON_EMPTY },
      ),
      relabel(["__meta_kubernetes_pod_label_app_kubernetes_io_instance", "__meta_kubernetes_pod_label_instance"], "instance", {
        regex: FIRST_NON_EMPTY,
      }),
      relabel(["__meta_kubernetes_pod_label_app_kubernetes_io_component", "__meta_kubernetes_pod_label_component"], "component", {
        regex: FIRST_NON_EMPTY,
      }),
      relabel(["__meta_kubernetes_pod_node_name"], "node_name"),
      relabel(["__meta_kubernetes_namespace"], "namespace"),
      relabel(["namespace", "app"], "job", { separator: "/", replacement: "$1" }),
      relabel(["__meta_kubernetes_pod_name"], "pod"),
      relabel(["__meta_kubernetes_pod_container_name"], "container"),
      relabel(["__meta_kubernetes_pod_uid", "__meta_kubernetes_pod_container_name"], "__path__", {
        separator: "/",
        replacement: POD_LOGS_GLOB,
      }),
      relabel(
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

function files(): Block {
  return block("local.file_match", [attr("path_targets", ref("discovery.relabel.pod_logs.output"))], {
    label: "pod_logs",
    comment: ["Expands each target's __path__ glob into the log files present on this node."],
  });
}

function tail(): Block {
  return block(
    "loki.source.file",
    [attr("targets", ref("local.file_match.pod_logs.targets")), attr("forward_to", [ref("loki.process.pod_logs.receiver")])],
    { label: "pod_logs", comment: ["Tails every matched file."] },
  );
}

function parse(): Block {
  return block(
    "loki.process",
    [
      attr("forward_to", [ref("loki.write.loki.receiver")]),
      block("stage.cri", [], { comment: ["Splits the CRI line \"<time> <stream> <flags> <log>\" and joins partial lines."] }),
      block("stage.timestamp", [attr("source", "time"), attr("format", "RFC3339")], {
        comment: ["The entry's timestamp is the one the container runtime wrote (Go's RFC3339 accepts its nanoseconds)."],
      }),
      block("stage.label_drop", [attr("values", ["filename"])], {
        comment: ["The file path is one stream per container restart; the pod and container labels say the same."],
      }),
    ],
    { label: "pod_logs", comment: ["Parses container runtime (CRI) log lines."] },
  );
}

function write(input: PipelineInput): Block {
  return block(
    "loki.write",
    [
      block("endpoint", [attr("url", input.lokiEndpoint), attr("tenant_id", input.tenantId)]),
      attr("external_labels", { cluster: input.clusterName }),
    ],
    { label: "loki", comment: ["Pushes to Loki v3 under this cluster's tenant, labelled with the cluster name."] },
  );
}

/** The complete Alloy configuration for one cluster, ending in a newline. */
export function buildAlloyConfig(input: PipelineInput): string {
  const header = [
    "// Generated by the alloy-logs Pulumi program (alloy/pipeline.ts). Do not edit:",
    "// change the stack's Pulumi.<stack>.yaml and run `npm run plan` to see the result.",
  ].join("\n");
  return `${header}\n\n${render([discovery(), labels(), files(), tail(), parse(), write(input)])}\n`;
}
