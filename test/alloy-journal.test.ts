import assert from "node:assert/strict";
import { buildAlloyConfig, type PipelineInput } from "../alloy-config/pipeline";
import { journalNeedsOwnVolume } from "../alloy-config/journal";
import { parseStackConfig } from "../config/load";
import { checkAlloyConfig } from "./support/alloy-components";
import { formatValue, literalValue, parseAlloy, type Block, type Statement } from "./support/alloy-syntax";
import { journalEntryLabels } from "./support/journal-fields";
import { applyRules, publicLabels, rulesOf } from "./support/relabel";
import { lineOf } from "./support/source-lines";
import { MINIMAL_CONFIG } from "./support/stacks";

const DEFAULTS = parseStackConfig("test", MINIMAL_CONFIG);

const OPS: PipelineInput = {
  clusterName: "buzzvil-eks-ops",
  tenantId: "ops",
  lokiEndpoint: "http://loki-v3-distributor.loki-v3.svc.cluster.local:3100/loki/api/v1/push",
  pipeline: DEFAULTS.pipeline,
  journal: DEFAULTS.journal,
  write: DEFAULTS.lokiWrite,
  auth: "none",
};

const withJournal = (journal: Partial<PipelineInput["journal"]>): PipelineInput => ({ ...OPS, journal: { ...OPS.journal, ...journal } });

function component(statements: Statement[], name: string, label: string): Block | undefined {
  return statements.find((s): s is Block => s.kind === "block" && s.name === name && s.label === label);
}

/** The text of one top-level block of the generated config, from its comment to its closing brace. */
function blockText(config: string, header: string): string {
  const start = config.indexOf(header);
  assert.ok(start >= 0, `no ${header}`);
  const commentStart = config.lastIndexOf("\n\n", start) + 2;
  return config.slice(commentStart, config.indexOf("\n}\n", start) + 3);
}

/** What the chart sets HOSTNAME to (spec.nodeName) on the node the test pretends to be. */
const NODE = "ip-10-11-12-106.ap-northeast-1.compute.internal";

/** The labels a journal entry with these fields is sent with, or undefined when the rules drop it. */
function journalLine(input: PipelineInput, fields: Record<string, string>) {
  const statements = parseAlloy(buildAlloyConfig(input));
  const relabel = component(statements, "discovery.relabel", "node_journal");
  assert.ok(relabel, "no discovery.relabel node_journal");
  const source = component(statements, "loki.source.journal", "node_journal");
  assert.ok(source);
  const labelsAttr = source.body.find((s) => s.kind === "attribute" && s.name === "labels");
  assert.ok(labelsAttr && labelsAttr.kind === "attribute" && labelsAttr.value.kind === "object");
  // The literal labels as written; sys.env("HOSTNAME") is the node name.
  const constant = Object.fromEntries(
    labelsAttr.value.fields.map((f) => [f.key, formatValue(f.value) === 'sys.env("HOSTNAME")' ? NODE : String(literalValue(f.value))]),
  );
  const labels = applyRules(rulesOf(relabel), journalEntryLabels(fields, constant));
  return labels === undefined ? undefined : publicLabels(labels);
}

/** A kubelet line as journald stores it: the fields of `journalctl -o verbose`, high-cardinality ones included. */
const KUBELET_LINE = {
  MESSAGE: 'E1205 06:16:35.230530 3015 pod_workers.go:1298] "Error syncing pod, skipping" err="failed to \\"StartContainer\\""',
  PRIORITY: "3",
  _SYSTEMD_UNIT: "kubelet.service",
  _TRANSPORT: "stdout",
  _PID: "3015",
  _BOOT_ID: "5b3f0e0c2f8a4c6e9d1a7b2c3d4e5f60",
  _MACHINE_ID: "ec2a1b2c3d4e5f60718293a4b5c6d7e8",
  _CMDLINE: "/usr/bin/kubelet --config /etc/kubernetes/kubelet/config.json",
  _HOSTNAME: "ip-10-11-12-106.ap-northeast-1.compute.internal",
  SYSLOG_IDENTIFIER: "kubelet",
};
const SSHD_LINE = {
  MESSAGE: "Accepted publickey for ec2-user",
  PRIORITY: "6",
  _SYSTEMD_UNIT: "sshd.service",
  _TRANSPORT: "syslog",
  _PID: "811",
};
const KERNEL_LINE = {
  MESSAGE: "Memory cgroup out of memory: Killed process 48213 (java) total-vm:4718592kB",
  PRIORITY: "3",
  _TRANSPORT: "kernel",
  SYSLOG_FACILITY: "0",
  SYSLOG_IDENTIFIER: "kernel",
  _BOOT_ID: "5b3f0e0c2f8a4c6e9d1a7b2c3d4e5f60",
};

describe("journal pipeline (alloy-config/journal.ts)", () => {
  const config = buildAlloyConfig(OPS);

  it("passes the v1.11.3 component schema with the journal blocks in it", () => {
    assert.deepEqual(checkAlloyConfig(parseAlloy(config)), []);
  });

  it("writes the relabel rules: unit, kernel as unit kernel, keep the configured units, level from the priority keyword", () => {
    assert.equal(
      blockText(config, 'discovery.relabel "node_journal" {'),
      [
        "// Relabel rules for loki.source.journal (it applies them to each journal entry; no targets here).",
        "// Every other __journal_* field (pid, boot id, cmdline, machine id) is dropped after them.",
        'discovery.relabel "node_journal" {',
        "  targets = []",
        "",
        "  // The systemd unit that wrote the line, e.g. kubelet.service.",
        "  rule {",
        '    source_labels = ["__journal__systemd_unit"]',
        '    target_label  = "unit"',
        "  }",
        "",
        '  // Kernel messages (OOM kills, hardware errors) have no unit: they are unit="kernel".',
        "  rule {",
        '    source_labels = ["__journal__systemd_unit", "__journal__transport"]',
        '    regex         = ";kernel"',
        '    replacement   = "kernel"',
        '    target_label  = "unit"',
        "  }",
        "",
        "  // Only the configured units and the kernel; every other line is dropped here.",
        "  rule {",
        '    source_labels = ["unit"]',
        '    regex         = "kubelet\\\\.service|containerd\\\\.service|kernel"',
        '    action        = "keep"',
        "  }",
        "",
        "  // level from the syslog priority: emerg, alert, crit, error, warning, notice, info, debug.",
        "  // One underscore: the field is PRIORITY (journaltarget.go makeJournalFields), whatever the docs say.",
        "  rule {",
        '    source_labels = ["__journal_priority_keyword"]',
        '    target_label  = "level"',
        "  }",
        "}",
        "",
      ].join("\n"),
    );
  });

  it("reads the configured path from max_age back, with the job and node_name labels, into the existing loki.write", () => {
    assert.equal(
      blockText(config, 'loki.source.journal "node_journal" {'),
      [
        "// The node's systemd journal, read from the host directory mounted read-only at the same path.",
        "// Its cursor is saved under the storage path, keyed by this component's name: renaming it",
        "// makes every collector read max_age back again. With no cursor it starts max_age ago.",
        "// node_name is the node's name, as on the pod logs (the chart sets HOSTNAME to spec.nodeName).",
        'loki.source.journal "node_journal" {',
        '  path          = "/var/log/journal"',
        '  max_age       = "12h"',
        "  relabel_rules = discovery.relabel.node_journal.rules",
        "  forward_to    = [loki.write.loki.receiver]",
        "  labels        = {",
        '    job       = "systemd-journal",',
        '    node_name = sys.env("HOSTNAME"),',
        "  }",
        "}",
        "",
      ].join("\n"),
    );
  });

  it("places the journal blocks after the pod pipeline and before loki.write", () => {
    const order = parseAlloy(config).map((s) => (s.kind === "block" ? `${s.name}.${s.label}` : s.name));
    assert.deepEqual(order.slice(-3), ["discovery.relabel.node_journal", "loki.source.journal.node_journal", "loki.write.loki"]);
  });

  it("writes no journal block when journal.enabled is false", () => {
    const text = buildAlloyConfig(withJournal({ enabled: false }));
    assert.equal(text.includes("journal"), false);
    assert.deepEqual(checkAlloyConfig(parseAlloy(text)), []);
  });

  it("writes no level rule when journal.levelLabel is false", () => {
    assert.equal(buildAlloyConfig(withJournal({ levelLabel: false })).includes("__journal_priority_keyword"), false);
  });

  it("takes path and max_age from the stack", () => {
    const source = component(
      parseAlloy(buildAlloyConfig(withJournal({ path: "/run/log/journal", maxAge: "2h" }))),
      "loki.source.journal",
      "node_journal",
    )!;
    const attrs = Object.fromEntries(source.body.flatMap((s) => (s.kind === "attribute" ? [[s.name, formatValue(s.value)]] : [])));
    assert.equal(attrs.path, '"/run/log/journal"');
    assert.equal(attrs.max_age, '"2h"');
  });

  describe("relabel simulation on synthetic __journal_* label sets", () => {
    it("keeps a kubelet line with job, node_name, unit and level only", () => {
      assert.deepEqual(journalLine(OPS, KUBELET_LINE), {
        job: "systemd-journal",
        node_name: NODE,
        unit: "kubelet.service",
        level: "error",
      });
    });

    it("keeps a containerd line", () => {
      const line = { MESSAGE: "loading plugin", PRIORITY: "6", _SYSTEMD_UNIT: "containerd.service", _TRANSPORT: "stdout" };
      assert.deepEqual(journalLine(OPS, line), { job: "systemd-journal", node_name: NODE, unit: "containerd.service", level: "info" });
    });

    it("drops an sshd line when sshd.service is not configured", () => {
      assert.equal(journalLine(OPS, SSHD_LINE), undefined);
    });

    it("keeps an sshd line once sshd.service is configured", () => {
      assert.deepEqual(journalLine(withJournal({ units: ["kubelet.service", "sshd.service"] }), SSHD_LINE), {
        job: "systemd-journal",
        node_name: NODE,
        unit: "sshd.service",
        level: "info",
      });
    });

    it('keeps a kernel line (no _SYSTEMD_UNIT, transport kernel) as unit="kernel"', () => {
      assert.deepEqual(journalLine(OPS, KERNEL_LINE), { job: "systemd-journal", node_name: NODE, unit: "kernel", level: "error" });
    });

    it("keeps kernel lines with no unit configured at all", () => {
      assert.deepEqual(journalLine(withJournal({ units: [] }), KERNEL_LINE)?.unit, "kernel");
      assert.equal(journalLine(withJournal({ units: [] }), KUBELET_LINE), undefined);
    });

    it("drops a line with no unit that did not come from the kernel", () => {
      assert.equal(journalLine(OPS, { MESSAGE: "x", PRIORITY: "6", _TRANSPORT: "journal", SYSLOG_IDENTIFIER: "sudo" }), undefined);
    });

    it("drops a unit whose name only matches with the dot as a wildcard", () => {
      assert.equal(journalLine(OPS, { ...KUBELET_LINE, _SYSTEMD_UNIT: "kubeletXservice" }), undefined);
    });

    it("gives no level label when journal.levelLabel is false", () => {
      assert.deepEqual(journalLine(withJournal({ levelLabel: false }), KUBELET_LINE), {
        job: "systemd-journal",
        node_name: NODE,
        unit: "kubelet.service",
      });
    });

    it("gives no level label to an entry without PRIORITY", () => {
      const { PRIORITY: _, ...noPriority } = KUBELET_LINE;
      assert.deepEqual(journalLine(OPS, noPriority), { job: "systemd-journal", node_name: NODE, unit: "kubelet.service" });
    });
  });

  describe("the collector's mounts", () => {
    it("reads /var/log/journal through the chart's /var/log mount", () => {
      assert.equal(journalNeedsOwnVolume("/var/log/journal"), false);
    });

    it("needs a volume of its own for /run/log/journal", () => {
      assert.equal(journalNeedsOwnVolume("/run/log/journal"), true);
    });

    it("does not take /var/logs/journal for a path under /var/log", () => {
      assert.equal(journalNeedsOwnVolume("/var/logs/journal"), true);
    });
  });

  describe("loki.source.journal in the v1.11.3 schema", () => {
    const check = (body: string) =>
      checkAlloyConfig(parseAlloy(`loki.write "w" {\n  endpoint {\n    url = "http://l/loki/api/v1/push"\n  }\n}\n\n${body}`));

    it("requires forward_to", () => {
      const source = 'loki.source.journal "j" {\n  path = "/var/log/journal"\n}\n';
      assert.deepEqual(check(source), [`line 7: loki.source.journal "j": missing required attribute "forward_to"`]);
    });

    it("rejects a day unit in max_age (a time.Duration)", () => {
      const source = 'loki.source.journal "j" {\n  forward_to = [loki.write.w.receiver]\n  max_age    = "1d"\n}\n';
      assert.deepEqual(check(source), [
        `line 9: loki.source.journal "j" > max_age: expected duration (Go time.ParseDuration, e.g. "1s", "500ms", "5m"), got string "1d"`,
      ]);
    });

    it("requires both fields of legacy_position", () => {
      const source =
        'loki.source.journal "j" {\n  forward_to = [loki.write.w.receiver]\n\n  legacy_position {\n    file = "/tmp/p.yml"\n  }\n}\n';
      assert.deepEqual(check(source), [`line 10: loki.source.journal "j" > legacy_position: missing required attribute "name"`]);
    });

    it("has no export", () => {
      const source =
        'loki.source.journal "j" {\n  forward_to = [loki.write.w.receiver]\n}\n\nloki.source.journal "k" {\n  forward_to = [loki.source.journal.j.receiver]\n}\n';
      const text = `loki.write "w" {\n  endpoint {\n    url = "http://l/loki/api/v1/push"\n  }\n}\n\n${source}`;
      assert.deepEqual(check(source), [
        `line ${lineOf(text, "loki.source.journal.j.receiver")}: loki.source.journal "k" > forward_to: loki.source.journal "j" has no export "receiver"; it exports nothing`,
      ]);
    });

    it("takes relabel rules only as another component's export", () => {
      const source = 'loki.source.journal "j" {\n  forward_to    = [loki.write.w.receiver]\n  relabel_rules = "keep"\n}\n';
      assert.equal(check(source).length, 1);
      assert.match(check(source)[0], /^line 9: loki\.source\.journal "j" > relabel_rules: expected RelabelRules, got string "keep"/);
    });
  });
});
