/**
 * The node's systemd journal: kubelet, containerd and kernel lines, read by
 * `loki.source.journal` and pushed to the same `loki.write` as the pod logs.
 *
 * Read from Alloy's source at v1.11.3 (internal/component/loki/source/journal/,
 * and its internal/target/journaltarget.go, ported from Promtail):
 * - every journal field FIELD becomes the label `__journal_<field lowercased>`
 *   (makeJournalFields): `_SYSTEMD_UNIT` is `__journal__systemd_unit`, `_TRANSPORT`
 *   is `__journal__transport`, and `PRIORITY` is `__journal_priority` plus
 *   `__journal_priority_keyword` (emerg ... debug, makeJournalPriority). The
 *   reference docs name these two `__journal__priority` and
 *   `__journal__priority_keyword`, which no entry carries;
 * - the `labels` argument is added before the relabel rules run, and every label
 *   starting with `__` is removed after them, so only what the rules write survives;
 * - an entry the rules drop is counted in
 *   `loki_source_journal_target_parsing_errors_total{error="empty_labels"}`: in this
 *   pipeline that counter is the journal lines of other units, not an error;
 * - without a saved cursor (first start, or a renamed component: the cursor lives in
 *   `<storage path>/loki.source.journal.<label>/positions.yml`, keyed by the
 *   component's ID) it reads from `max_age` ago (default 7h);
 * - `path` unset opens the container's own journal directories, not the node's,
 *   so it is always set here.
 */
import { attr, block, call, ref, type Block } from "./syntax";

/** What is read from the node's journal (stack key `journal`). */
export interface JournalOptions {
  enabled: boolean;
  /** systemd units whose lines are kept; kernel lines are kept whenever the journal is read. */
  units: readonly string[];
  /** Go duration: how far back a collector with no saved cursor reads. */
  maxAge: string;
  /** The node's journal directory, mounted at the same path in the container. */
  path: string;
  /** Give each line the label `level` from its priority. */
  levelLabel: boolean;
}

/**
 * The component label of loki.source.journal. Its cursor is stored under the
 * component's ID, so renaming it makes every collector read `max_age` back again:
 * it is fixed here, not derived from anything in the config (docs/design.md).
 */
export const JOURNAL_COMPONENT_LABEL = "node_journal";

/** The `job` label of every journal line (verify and the dashboard select on it). */
export const JOURNAL_JOB = "systemd-journal";

/** The `unit` label of kernel messages, which have no `_SYSTEMD_UNIT`. */
export const KERNEL_UNIT = "kernel";

/** The host directory the chart mounts read-only at the same path when `alloy.mounts.varlog` is on (templates/controllers/_pod.yaml). */
export const CHART_VARLOG_PATH = "/var/log";

/** Whether the journal directory needs a volume of its own: it does unless it is inside the chart's /var/log mount. */
export function journalNeedsOwnVolume(path: string): boolean {
  return !path.startsWith(`${CHART_VARLOG_PATH}/`);
}

/** An RE2 that matches exactly this text (Go's regexp.QuoteMeta). */
function quoteMeta(text: string): string {
  return text.replace(/[\\.+*?()|[\]{}^$]/g, "\\$&");
}

/** The relabel rules the journal reader applies to each entry, as a discovery.relabel with no targets (the upstream converter's form). */
function journalRelabelBlock(options: JournalOptions): Block {
  const keep = [...options.units, KERNEL_UNIT].map(quoteMeta).join("|");
  return block(
    "discovery.relabel",
    [
      attr("targets", []),
      block("rule", [attr("source_labels", ["__journal__systemd_unit"]), attr("target_label", "unit")], {
        comment: ["The systemd unit that wrote the line, e.g. kubelet.service."],
      }),
      block(
        "rule",
        [
          attr("source_labels", ["__journal__systemd_unit", "__journal__transport"]),
          attr("regex", `;${KERNEL_UNIT}`),
          attr("replacement", KERNEL_UNIT),
          attr("target_label", "unit"),
        ],
        { comment: ['Kernel messages (OOM kills, hardware errors) have no unit: they are unit="kernel".'] },
      ),
      block("rule", [attr("source_labels", ["unit"]), attr("regex", keep), attr("action", "keep")], {
        comment: ["Only the configured units and the kernel; every other line is dropped here."],
      }),
      ...(options.levelLabel
        ? [
            block("rule", [attr("source_labels", ["__journal_priority_keyword"]), attr("target_label", "level")], {
              comment: [
                "level from the syslog priority: emerg, alert, crit, error, warning, notice, info, debug.",
                "One underscore: the field is PRIORITY (journaltarget.go makeJournalFields), whatever the docs say.",
              ],
            }),
          ]
        : []),
    ],
    {
      label: JOURNAL_COMPONENT_LABEL,
      comment: [
        "Relabel rules for loki.source.journal (it applies them to each journal entry; no targets here).",
        "Every other __journal_* field (pid, boot id, cmdline, machine id) is dropped after them.",
      ],
    },
  );
}

function journalSourceBlock(options: JournalOptions, nodeNameEnv: string, writeReceiver: string): Block {
  return block(
    "loki.source.journal",
    [
      attr("path", options.path),
      attr("max_age", options.maxAge),
      attr("relabel_rules", ref("discovery.relabel", JOURNAL_COMPONENT_LABEL, "rules")),
      attr("forward_to", [ref(writeReceiver)]),
      // Last, as Alloy's own Promtail converter writes it (converter testdata journal_relabel.alloy): an object value
      // ends the run of aligned attributes.
      attr("labels", { job: JOURNAL_JOB, node_name: call("sys.env", nodeNameEnv) }),
    ],
    {
      label: JOURNAL_COMPONENT_LABEL,
      comment: [
        "The node's systemd journal, read from the host directory mounted read-only at the same path.",
        "Its cursor is saved under the storage path, keyed by this component's name: renaming it",
        "makes every collector read max_age back again. With no cursor it starts max_age ago.",
        "node_name is the node's name, as on the pod logs (the chart sets HOSTNAME to spec.nodeName).",
      ],
    },
  );
}

/** The journal blocks, none when the journal is not read. */
export function journalBlocks(options: JournalOptions, input: { nodeNameEnv: string; writeReceiver: string }): Block[] {
  if (!options.enabled) return [];
  return [journalRelabelBlock(options), journalSourceBlock(options, input.nodeNameEnv, input.writeReceiver)];
}
