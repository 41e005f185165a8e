import { strict as assert } from "node:assert";

import { checkAlloyConfig, COMPONENTS, LOKI_PROCESS_STAGES, STDLIB } from "./support/alloy-components";
import { parseAlloy } from "./support/alloy-syntax";
import { lineOf } from "./support/source-lines";

const check = (source: string): string[] => checkAlloyConfig(parseAlloy(source));

/** The shape of pipeline the project generates: every pod's logs on this node to Loki. */
const VALID_PIPELINE = String.raw`logging {
  level  = "info"
  format = "logfmt"
}

livedebugging {
  enabled = false
}

discovery.kubernetes "pods" {
  role = "pod"

  selectors {
    role  = "pod"
    field = "spec.nodeName=" + sys.env("HOSTNAME")
  }
}

discovery.relabel "pods" {
  targets = discovery.kubernetes.pods.targets

  rule {
    source_labels = ["__meta_kubernetes_namespace"]
    target_label  = "namespace"
  }
  rule {
    source_labels = ["__meta_kubernetes_pod_name"]
    target_label  = "pod"
  }
  rule {
    source_labels = ["__meta_kubernetes_pod_container_name"]
    target_label  = "container"
  }
  rule {
    source_labels = ["__meta_kubernetes_pod_uid", "__meta_kubernetes_pod_container_name"]
    separator     = "/"
    target_label  = "__path__"
    replacement   = "/var/log/pods/*$1/*.log"
  }
}

local.file_match "pods" {
  path_targets      = discovery.relabel.pods.output
  sync_period       = "10s"
  ignore_older_than = "24h"
}

loki.source.file "pods" {
  targets       = local.file_match.pods.targets
  forward_to    = [loki.process.pods.receiver]
  tail_from_end = true

  file_watch {
    min_poll_frequency = "250ms"
    max_poll_frequency = "1s"
  }
}

loki.process "pods" {
  forward_to = [loki.write.default.receiver]

  stage.cri {}

  stage.timestamp {
    source            = "time"
    format            = "RFC3339Nano"
    action_on_failure = "fudge"
  }

  stage.label_drop {
    values = ["filename"]
  }

  stage.drop {
    older_than          = "1h"
    drop_counter_reason = "too_old"
  }

  stage.limit {
    rate  = 100
    burst = 200
    drop  = true
  }

  stage.multiline {
    firstline     = "^\\d{4}-\\d{2}-\\d{2}"
    max_wait_time = "3s"
  }

  stage.match {
    selector = "{container=\"istio-proxy\"}"

    stage.static_labels {
      values = { mesh = "istio" }
    }
  }

  stage.label_keep {
    values = ["namespace", "pod", "container", "stream", "mesh"]
  }
}

loki.write "default" {
  endpoint {
    url                 = "http://loki-gateway.loki.svc.cluster.local/loki/api/v1/push"
    tenant_id           = "eks"
    batch_wait          = "1s"
    batch_size          = "1MiB"
    min_backoff_period  = "500ms"
    max_backoff_period  = "5m"
    max_backoff_retries = 10
    retry_on_http_429   = true
  }

  external_labels = {
    cluster = "prod",
    node    = constants.hostname,
  }
}
`;

/** VALID_PIPELINE with one exact substring replaced (which must exist). */
function mutate(from: string, to: string): string {
  assert.ok(VALID_PIPELINE.includes(from), `fixture does not contain ${JSON.stringify(from)}`);
  return VALID_PIPELINE.replace(from, to);
}

describe("Alloy v1.11.3 component schema", () => {
  describe("schema data", () => {
    it("lists exactly the stage blocks of StageConfig in stages/pipeline.go", () => {
      assert.deepEqual([...LOKI_PROCESS_STAGES].sort(), [
        "stage.cri",
        "stage.decolorize",
        "stage.docker",
        "stage.drop",
        "stage.eventlogmessage",
        "stage.geoip",
        "stage.json",
        "stage.label_drop",
        "stage.label_keep",
        "stage.labels",
        "stage.limit",
        "stage.logfmt",
        "stage.luhn",
        "stage.match",
        "stage.metrics",
        "stage.multiline",
        "stage.output",
        "stage.pack",
        "stage.pattern",
        "stage.regex",
        "stage.replace",
        "stage.sampling",
        "stage.static_labels",
        "stage.structured_metadata",
        "stage.template",
        "stage.tenant",
        "stage.timestamp",
        "stage.windowsevent",
      ]);
    });

    it("records each component's exports", () => {
      const exports = Object.fromEntries(Object.entries(COMPONENTS).map(([name, spec]) => [name, Object.keys(spec.exports).sort()]));
      assert.deepEqual(exports, {
        "discovery.kubernetes": ["targets"],
        "discovery.relabel": ["output", "rules"],
        "local.file_match": ["targets"],
        "loki.source.file": [],
        "loki.source.journal": [],
        "loki.source.kubernetes_events": [],
        "loki.process": ["receiver"],
        "loki.relabel": ["receiver", "rules"],
        "loki.write": ["receiver"],
      });
    });

    it("flattens the squashed HTTP client config into loki.write endpoint", () => {
      const endpoint = COMPONENTS["loki.write"].body.blocks.endpoint;
      assert.equal(endpoint.repeatable, true);
      assert.equal(endpoint.required, false);
      for (const attr of [
        "bearer_token",
        "bearer_token_file",
        "proxy_url",
        "no_proxy",
        "proxy_from_environment",
        "proxy_connect_header",
        "http_headers",
        "follow_redirects",
        "enable_http2",
      ]) {
        assert.ok(attr in endpoint.body.attrs, attr);
      }
      assert.deepEqual(Object.keys(endpoint.body.blocks).sort(), ["authorization", "basic_auth", "oauth2", "queue_config", "tls_config"]);
    });

    it("has no file_match block on loki.source.file in v1.11.3", () => {
      assert.deepEqual(Object.keys(COMPONENTS["loki.source.file"].body.blocks).sort(), ["decompression", "file_watch"]);
    });

    it("marks the namespaced replacements of deprecated stdlib identifiers", () => {
      assert.equal(STDLIB.env.deprecatedFor, "sys.env");
      assert.equal(STDLIB.format.deprecatedFor, "string.format");
      assert.equal(STDLIB["sys.env"].deprecatedFor, undefined);
    });
  });

  describe("checkAlloyConfig", () => {
    it("accepts the realistic node-local pod log pipeline", () => {
      assert.deepEqual(check(VALID_PIPELINE), []);
    });

    it("reports an unknown component with the nearest component name", () => {
      const source = VALID_PIPELINE + 'loki.proces "extra" {\n  forward_to = []\n}\n';
      assert.deepEqual(check(source), [
        `line ${lineOf(source, "loki.proces ")}: loki.proces "extra": unknown component "loki.proces" (did you mean "loki.process"?)`,
      ]);
    });

    it("reports a component without a label", () => {
      assert.deepEqual(check("local.file_match {\n  path_targets = []\n}\n"), [
        'line 1: local.file_match: component "local.file_match" must have a label',
      ]);
    });

    it("reports a label on an unlabelled config block", () => {
      assert.deepEqual(check('livedebugging "x" {\n  enabled = true\n}\n'), [
        'line 1: livedebugging "x": config block "livedebugging" does not support specifying labels',
      ]);
    });

    it("reports a duplicate component name and label", () => {
      const source = VALID_PIPELINE + 'local.file_match "pods" {\n  path_targets = []\n}\n';
      const second = source.lastIndexOf('local.file_match "pods"');
      const secondLine = source.slice(0, second).split("\n").length;
      assert.deepEqual(check(source), [
        `line ${secondLine}: local.file_match "pods": duplicate definition of local.file_match "pods" (first defined at line ${lineOf(source, 'local.file_match "pods"')})`,
      ]);
    });

    it("reports a misspelled attribute with the nearest valid name", () => {
      const source = mutate("tenant_id           =", "tenant_idd          =");
      assert.deepEqual(check(source), [
        `line ${lineOf(source, "tenant_idd")}: loki.write "default" > endpoint > tenant_idd: unknown attribute "tenant_idd" (did you mean "tenant_id"?)`,
      ]);
    });

    it("reports an unknown block with the nearest valid name", () => {
      const source = mutate("  stage.cri {}", "  stage.cir {}");
      assert.deepEqual(check(source), [
        `line ${lineOf(source, "stage.cir")}: loki.process "pods" > stage.cir: unknown block "stage.cir" (did you mean "stage.cri"?)`,
      ]);
    });

    it("reports a block written as an attribute", () => {
      const source = mutate("    retry_on_http_429   = true\n", "    retry_on_http_429   = true\n    tls_config = {}\n");
      assert.deepEqual(check(source), [
        `line ${lineOf(source, "tls_config")}: loki.write "default" > endpoint > tls_config: "tls_config" is a block, not an attribute; write tls_config { ... }`,
      ]);
    });

    it("reports a missing required attribute", () => {
      const source = mutate('    url                 = "http://loki-gateway.loki.svc.cluster.local/loki/api/v1/push"\n', "");
      assert.deepEqual(check(source), [
        `line ${lineOf(source, "  endpoint {")}: loki.write "default" > endpoint: missing required attribute "url"`,
      ]);
    });

    it("reports a missing required attribute inside a stage", () => {
      const source = mutate('    format            = "RFC3339Nano"\n', "");
      assert.deepEqual(check(source), [
        `line ${lineOf(source, "stage.timestamp")}: loki.process "pods" > stage.timestamp: missing required attribute "format"`,
      ]);
    });

    it("reports a repeated non-repeatable block", () => {
      const source = mutate(
        '    max_poll_frequency = "1s"\n  }\n',
        '    max_poll_frequency = "1s"\n  }\n\n  file_watch {\n    max_poll_frequency = "5s"\n  }\n',
      );
      assert.deepEqual(check(source), [
        `line ${lineOf(source, '  file_watch {\n    max_poll_frequency = "5s"')}: loki.source.file "pods" > file_watch: block "file_watch" may only be specified once (first at line ${lineOf(source, "  file_watch {")})`,
      ]);
    });

    it("reports an attribute given twice", () => {
      const source = mutate('    tenant_id           = "eks"\n', '    tenant_id           = "eks"\n    tenant_id           = "other"\n');
      assert.deepEqual(check(source), [
        `line ${lineOf(source, '"other"')}: loki.write "default" > endpoint > tenant_id: attribute "tenant_id" may only be provided once (first at line ${lineOf(source, "tenant_id")})`,
      ]);
    });

    it("reports a string where a bool is expected", () => {
      const source = mutate("retry_on_http_429   = true", 'retry_on_http_429   = "yes"');
      assert.deepEqual(check(source), [
        `line ${lineOf(source, "retry_on_http_429")}: loki.write "default" > endpoint > retry_on_http_429: expected bool, got string "yes"`,
      ]);
    });

    it("reports a string where a number is expected", () => {
      const source = mutate("max_backoff_retries = 10", 'max_backoff_retries = "10"');
      assert.deepEqual(check(source), [
        `line ${lineOf(source, "max_backoff_retries")}: loki.write "default" > endpoint > max_backoff_retries: expected number, got string "10"`,
      ]);
    });

    it("reports a string that Go's time.ParseDuration rejects", () => {
      const source = mutate('batch_wait          = "1s"', 'batch_wait          = "1 second"');
      assert.deepEqual(check(source), [
        `line ${lineOf(source, "batch_wait")}: loki.write "default" > endpoint > batch_wait: expected duration (Go time.ParseDuration, e.g. "1s", "500ms", "5m"), got string "1 second"`,
      ]);
    });

    it("reports a day unit, which only Prometheus durations accept", () => {
      const source = mutate('ignore_older_than = "24h"', 'ignore_older_than = "1d"');
      assert.deepEqual(check(source), [
        `line ${lineOf(source, "ignore_older_than")}: local.file_match "pods" > ignore_older_than: expected duration (Go time.ParseDuration, e.g. "1s", "500ms", "5m"), got string "1d"`,
      ]);
    });

    it("reports a byte size that units.ParseBase2Bytes rejects", () => {
      const source = mutate('batch_size          = "1MiB"', 'batch_size          = "1 MiB"');
      assert.deepEqual(check(source), [
        `line ${lineOf(source, "batch_size")}: loki.write "default" > endpoint > batch_size: expected byte size (units.ParseBase2Bytes, e.g. "1MiB", "512KB"), got string "1 MiB"`,
      ]);
    });

    it("reports a list(string) containing a non-string", () => {
      const source = mutate('values = ["filename"]', 'values = ["filename", 42]');
      assert.deepEqual(check(source), [
        `line ${lineOf(source, '"filename", 42')}: loki.process "pods" > stage.label_drop > values: expected string for element 1, got number 42`,
      ]);
    });

    it("reports a map(string) given as a list", () => {
      const source = mutate('values = { mesh = "istio" }', 'values = ["mesh"]');
      assert.deepEqual(check(source), [
        `line ${lineOf(source, 'values = ["mesh"]')}: loki.process "pods" > stage.match > stage.static_labels > values: expected map(string), got list`,
      ]);
    });

    it("reports a value outside the allowed set with the nearest allowed value", () => {
      const source = mutate('role = "pod"\n', 'role = "pods"\n');
      assert.deepEqual(check(source), [
        `line ${lineOf(source, 'role = "pods"')}: discovery.kubernetes "pods" > role: expected one of "endpoints", "endpointslice", "service", "pod", "node", "ingress", got "pods" (did you mean "pod"?)`,
      ]);
    });

    it("validates stages nested inside stage.match", () => {
      const source = mutate('values = { mesh = "istio" }', 'valeus = { mesh = "istio" }');
      assert.deepEqual(check(source), [
        `line ${lineOf(source, "stage.static_labels")}: loki.process "pods" > stage.match > stage.static_labels: missing required attribute "values"`,
        `line ${lineOf(source, "valeus")}: loki.process "pods" > stage.match > stage.static_labels > valeus: unknown attribute "valeus" (did you mean "values"?)`,
      ]);
    });

    it("reports a reference to a component that is not defined", () => {
      const source = mutate("forward_to    = [loki.process.pods.receiver]", "forward_to    = [loki.process.typo.receiver]");
      assert.deepEqual(check(source), [
        `line ${lineOf(source, "loki.process.typo")}: loki.source.file "pods" > forward_to: reference to undefined component loki.process "typo" in loki.process.typo.receiver`,
      ]);
    });

    it("suggests the nearest defined label for an undefined component reference", () => {
      const source = mutate("targets       = local.file_match.pods.targets", "targets       = local.file_match.pod.targets");
      assert.deepEqual(check(source), [
        `line ${lineOf(source, "local.file_match.pod.")}: loki.source.file "pods" > targets: reference to undefined component local.file_match "pod" in local.file_match.pod.targets (did you mean local.file_match "pods"?)`,
      ]);
    });

    it("reports a reference to an export the component does not have", () => {
      const source = mutate("forward_to = [loki.write.default.receiver]", "forward_to = [loki.write.default.reciever]");
      assert.deepEqual(check(source), [
        `line ${lineOf(source, "reciever")}: loki.process "pods" > forward_to: loki.write "default" has no export "reciever" (did you mean "receiver"?); it exports receiver`,
      ]);
    });

    it("reports an export of the wrong type", () => {
      const source = mutate("forward_to    = [loki.process.pods.receiver]", "forward_to    = [discovery.relabel.pods.output]");
      assert.deepEqual(check(source), [
        `line ${lineOf(source, "forward_to    = [discovery")}: loki.source.file "pods" > forward_to: expected LogsReceiver for element 0, got list(map(string)) (discovery.relabel.pods.output)`,
      ]);
    });

    it("reports a receiver written as a string literal", () => {
      const source = mutate("forward_to = [loki.write.default.receiver]", 'forward_to = ["loki.write.default.receiver"]');
      assert.deepEqual(check(source), [
        `line ${lineOf(source, '["loki.write')}: loki.process "pods" > forward_to: expected LogsReceiver for element 0, got string "loki.write.default.receiver"; a LogsReceiver must be a reference to another component's export`,
      ]);
    });

    it("reports the deprecated env() in favour of sys.env()", () => {
      const source = mutate('sys.env("HOSTNAME")', 'env("HOSTNAME")');
      assert.deepEqual(check(source), [
        `line ${lineOf(source, 'env("HOSTNAME")')}: discovery.kubernetes "pods" > selectors > field: stdlib function "env" is deprecated in Alloy v1.11.3; use "sys.env" instead`,
      ]);
    });

    it("reports an unknown stdlib function with the nearest name", () => {
      const source = mutate('sys.env("HOSTNAME")', 'string.fromat("%s", sys.env("HOSTNAME"))');
      assert.deepEqual(check(source), [
        `line ${lineOf(source, "string.fromat")}: discovery.kubernetes "pods" > selectors > field: unknown stdlib identifier "string.fromat" (did you mean "string.format"?)`,
      ]);
    });

    it("suggests the namespaced replacement for a misspelt deprecated function", () => {
      const source = mutate('sys.env("HOSTNAME")', 'envv("HOSTNAME")');
      assert.deepEqual(check(source), [
        `line ${lineOf(source, "envv")}: discovery.kubernetes "pods" > selectors > field: unknown identifier "envv" (did you mean "sys.env"?)`,
      ]);
    });

    it("reports an experimental stdlib function", () => {
      const source = mutate(
        "targets = discovery.kubernetes.pods.targets",
        'targets = array.group_by(discovery.kubernetes.pods.targets, "pod", true)',
      );
      assert.deepEqual(check(source), [
        `line ${lineOf(source, "array.group_by")}: discovery.relabel "pods" > targets: stdlib function "array.group_by" is experimental in Alloy v1.11.3 and needs --stability.level=experimental`,
      ]);
    });

    it("reports calling a stdlib value as a function", () => {
      const source = mutate("node    = constants.hostname,", "node    = constants.hostname(),");
      // Problems carry the line where the attribute starts.
      assert.deepEqual(check(source), [
        `line ${lineOf(source, "external_labels")}: loki.write "default" > external_labels: "constants.hostname" is not a function`,
      ]);
    });

    it("reports a deprecated stage block", () => {
      const source = mutate("  stage.cri {}", "  stage.eventlogmessage {}");
      assert.deepEqual(check(source), [
        `line ${lineOf(source, "stage.eventlogmessage")}: loki.process "pods" > stage.eventlogmessage: block "stage.eventlogmessage" is deprecated; use "stage.windowsevent" instead`,
      ]);
    });

    it("reports an attribute at the top level", () => {
      assert.deepEqual(check('foo = "bar"\n'), ['line 1: foo: unrecognized attribute "foo" at the top level']);
    });
  });
  describe("loki.source.kubernetes_events", () => {
    /** The events collector's shape: every namespace's events, in logfmt, to a loki.write. */
    const EVENTS = `loki.source.kubernetes_events "cluster" {
  job_name   = "integrations/kubernetes/eventhandler"
  log_format = "logfmt"
  forward_to = [loki.write.default.receiver]
}

loki.write "default" {
  endpoint {
    url = "http://loki:3100/loki/api/v1/push"
  }
}
`;
    const withEvents = (from: string, to: string): string => {
      assert.ok(EVENTS.includes(from), `fixture does not contain ${JSON.stringify(from)}`);
      return EVENTS.replace(from, to);
    };

    it("accepts job_name, log_format, forward_to, namespaces and a client block", () => {
      const source = withEvents(
        '  log_format = "logfmt"\n',
        '  log_format = "json"\n  namespaces = ["default", "kube-system"]\n\n  client {\n    api_server = "https://kubernetes.default.svc"\n\n    tls_config {\n      insecure_skip_verify = false\n    }\n  }\n',
      );
      assert.deepEqual(check(source), []);
    });

    it("rejects a clustering block, which the component only gained after v1.11.3", () => {
      const source = withEvents('  log_format = "logfmt"\n', '  log_format = "logfmt"\n\n  clustering {\n    enabled = true\n  }\n');
      assert.deepEqual(check(source), [
        `line ${lineOf(source, "clustering")}: loki.source.kubernetes_events "cluster" > clustering: unknown block "clustering"`,
      ]);
    });

    it("rejects a log_format other than logfmt and json", () => {
      const source = withEvents('log_format = "logfmt"', 'log_format = "text"');
      assert.deepEqual(check(source), [
        `line ${lineOf(source, "log_format")}: loki.source.kubernetes_events "cluster" > log_format: expected one of "logfmt", "json", got "text"`,
      ]);
    });

    it("rejects an empty job_name, as its Validate() does", () => {
      const source = withEvents('job_name   = "integrations/kubernetes/eventhandler"', 'job_name   = ""');
      assert.deepEqual(check(source), [
        `line ${lineOf(source, "job_name")}: loki.source.kubernetes_events "cluster" > job_name: must not be an empty string`,
      ]);
    });

    it("requires forward_to", () => {
      const source = withEvents("  forward_to = [loki.write.default.receiver]\n", "");
      assert.deepEqual(check(source), ['line 1: loki.source.kubernetes_events "cluster": missing required attribute "forward_to"']);
    });

    it("has no targets: it watches the API server itself", () => {
      const source = withEvents("  forward_to", "  targets    = []\n  forward_to");
      assert.deepEqual(check(source), [
        `line ${lineOf(source, "targets")}: loki.source.kubernetes_events "cluster" > targets: unknown attribute "targets"`,
      ]);
    });
  });
});
