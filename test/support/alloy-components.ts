/**
 * Schema of the Grafana Alloy v1.11.3 components this project generates, and a
 * checker that validates a parsed configuration against it.
 *
 * Everything below was transcribed from the Alloy Go source at tag v1.11.3
 * (github.com/grafana/alloy). Each component records the file its argument
 * struct lives in. Struct tags map as follows:
 *
 *   `alloy:"x,attr"`            -> required attribute x
 *   `alloy:"x,attr,optional"`   -> optional attribute x
 *   `alloy:"x,block"`           -> required block x
 *   `alloy:"x,block,optional"`  -> optional block x; repeatable when the Go field is a slice
 *   `alloy:",squash"`           -> the embedded struct's fields are flattened into the parent
 *   `alloy:"x,enum"`            -> a slice of "one-of" structs: every inner `y,block` field
 *                                  becomes a repeatable block named "x.y" (e.g. stage.cri)
 *
 * The checker is data-driven: it only walks the schema; no component is special-cased.
 */
import type { Attribute, Block, Statement, Value } from "./alloy-syntax";
import { nearest } from "../../lib/nearest";

export const ALLOY_VERSION = "v1.11.3";

// ---------------------------------------------------------------------------
// Schema types
// ---------------------------------------------------------------------------

/**
 * Attribute value types, named like the Alloy reference docs name them.
 *
 * - `duration`: a Go `time.Duration` field. Alloy decodes these with Go's
 *   `time.ParseDuration` (syntax/internal/value/decode.go, decodeFromInterface), so
 *   "1d"/"1w" are rejected. Every duration in the components covered here is a
 *   `time.Duration`.
 * - `prometheus_duration`: a Prometheus `model.Duration` field, decoded through its
 *   UnmarshalText with `model.ParseDuration` (accepts "1d", "1w", "1y"). None of the
 *   covered components use it; kept so the checker can express it.
 * - `bytes`: `units.Base2Bytes` (github.com/alecthomas/units), decoded through its
 *   UnmarshalText with `ParseBase2Bytes`, e.g. "1MiB", "512KB" (KB == KiB == 1024).
 * - `secret`: `alloytypes.Secret`; a string, or an expression (e.g. a secret export).
 * - `list(map(string))`: `[]discovery.Target`; either an expression (another
 *   component's targets) or a literal list of objects (Target.ConvertFrom accepts
 *   plain objects, internal/component/discovery/target.go).
 * - `LogsReceiver` / `RelabelRules`: capsules. They cannot be written as literals and
 *   must be expressions referencing another component's export.
 */
export type AttrType =
  | "string"
  | "number"
  | "bool"
  | "duration"
  | "prometheus_duration"
  | "bytes"
  | "secret"
  | "list(string)"
  | "list(number)"
  | "map(string)"
  | "map(list(secret))"
  | "list(map(string))"
  | "LogsReceiver"
  | "list(LogsReceiver)"
  | "RelabelRules"
  | "any";

/** Capsule types: values that only exist as another component's export. */
const CAPSULE_TYPES: ReadonlySet<AttrType> = new Set<AttrType>(["LogsReceiver", "RelabelRules"]);

export interface AttrSpec {
  type: AttrType;
  required: boolean;
  /** Allowed literal values, when the Go type's UnmarshalText/Validate restricts them. */
  oneOf?: readonly string[];
  /** Default from the Go source (documentation only; the checker does not use it). */
  default?: string;
  /** The component's Validate() refuses an empty string here. */
  nonEmpty?: boolean;
}

export interface BlockSpec {
  attrs: Record<string, AttrSpec>;
  blocks: Record<string, NestedBlockSpec>;
}

export interface NestedBlockSpec {
  body: BlockSpec;
  /** True when the Go field is a slice (or the block comes from an `,enum` slice). */
  repeatable: boolean;
  required: boolean;
  /** Replacement to suggest when the block is deprecated. */
  deprecatedFor?: string;
  /** Set when Alloy refuses the block at the default `generally-available` stability level. */
  stability?: "experimental" | "public-preview";
}

export interface ComponentSpec {
  /** Go file holding the Arguments struct, relative to the Alloy repository root. */
  source: string;
  body: BlockSpec;
  /** Exported fields (the `Exports` struct) and their types. */
  exports: Record<string, AttrType>;
}

export interface ConfigBlockSpec {
  source: string;
  body: BlockSpec;
}

// Small constructors keep the schema below close to the Go structs it mirrors.
const req = (type: AttrType, extra: Partial<AttrSpec> = {}): AttrSpec => ({ type, required: true, ...extra });
const opt = (type: AttrType, extra: Partial<AttrSpec> = {}): AttrSpec => ({ type, required: false, ...extra });
const body = (attrs: Record<string, AttrSpec>, blocks: Record<string, NestedBlockSpec> = {}): BlockSpec => ({ attrs, blocks });
const onceBlock = (b: BlockSpec, extra: Partial<NestedBlockSpec> = {}): NestedBlockSpec => ({
  body: b,
  repeatable: false,
  required: false,
  ...extra,
});
const repeatedBlock = (b: BlockSpec, extra: Partial<NestedBlockSpec> = {}): NestedBlockSpec => ({
  body: b,
  repeatable: true,
  required: false,
  ...extra,
});

// ---------------------------------------------------------------------------
// Shared HTTP client configuration
// internal/component/common/config/types.go
// ---------------------------------------------------------------------------

// ProxyConfig (squashed into HTTPClientConfig and OAuth2Config), which itself squashes
// ProxyHeader (`proxy_connect_header`).
const proxyAttrs: Record<string, AttrSpec> = {
  proxy_url: opt("string"),
  no_proxy: opt("string"),
  proxy_from_environment: opt("bool", { default: "false" }),
  proxy_connect_header: opt("map(list(secret))"),
};

// TLSConfig; min_version is a TLSVersion whose UnmarshalText only accepts the keys of
// prometheus/common config.TLSVersions.
const tlsConfig: BlockSpec = body({
  ca_pem: opt("string"),
  ca_file: opt("string"),
  cert_pem: opt("string"),
  cert_file: opt("string"),
  key_pem: opt("secret"),
  key_file: opt("string"),
  server_name: opt("string"),
  insecure_skip_verify: opt("bool"),
  min_version: opt("string", { oneOf: ["TLS10", "TLS11", "TLS12", "TLS13"] }),
});

const basicAuth: BlockSpec = body({
  username: opt("string"),
  password: opt("secret"),
  password_file: opt("string"),
});

const authorization: BlockSpec = body({
  type: opt("string"),
  credentials: opt("secret"),
  credentials_file: opt("string"),
});

// OAuth2Config: squashes ProxyConfig, nests its own tls_config.
const oauth2: BlockSpec = body(
  {
    client_id: opt("string"),
    client_secret: opt("secret"),
    client_secret_file: opt("string"),
    scopes: opt("list(string)"),
    token_url: opt("string"),
    endpoint_params: opt("map(string)"),
    ...proxyAttrs,
  },
  { tls_config: onceBlock(tlsConfig) },
);

/**
 * HTTPClientConfig. Components embed it with `alloy:",squash"`, so these
 * attributes and blocks appear directly in the component (or endpoint) body.
 * Defaults: follow_redirects = true, enable_http2 = true (DefaultHTTPClientConfig).
 */
const httpClientConfig: BlockSpec = body(
  {
    bearer_token: opt("secret"),
    bearer_token_file: opt("string"),
    follow_redirects: opt("bool", { default: "true" }),
    enable_http2: opt("bool", { default: "true" }),
    ...proxyAttrs, // ProxyConfig `alloy:",squash"`
    http_headers: opt("map(list(secret))"), // Headers `alloy:",squash"`
  },
  {
    basic_auth: onceBlock(basicAuth),
    authorization: onceBlock(authorization),
    oauth2: onceBlock(oauth2),
    tls_config: onceBlock(tlsConfig),
  },
);

/** Relabel rule block: internal/component/common/relabel/relabel.go (Config, Action). */
const relabelRule: BlockSpec = body({
  source_labels: opt("list(string)"),
  separator: opt("string", { default: '";"' }),
  regex: opt("string", { default: '"(.*)"' }),
  modulus: opt("number"),
  target_label: opt("string"),
  replacement: opt("string", { default: '"$1"' }),
  action: opt("string", {
    default: '"replace"',
    oneOf: ["replace", "keep", "drop", "hashmod", "labelmap", "labeldrop", "labelkeep", "lowercase", "uppercase", "keepequal", "dropequal"],
  }),
});

// ---------------------------------------------------------------------------
// loki.process stages
// internal/component/loki/process/stages/pipeline.go (StageConfig, `stage,enum`)
// ---------------------------------------------------------------------------

/** Filled in below; stage.match nests the same stage list recursively. */
const stageBlocks: Record<string, NestedBlockSpec> = {};

const metricShared: Record<string, AttrSpec> = {
  // internal/component/loki/process/metric/{counters,gauges,histograms}.go
  name: req("string"),
  description: opt("string"),
  source: opt("string"),
  prefix: opt("string"),
  max_idle_duration: opt("duration", { default: "5m" }),
  value: opt("string"),
};

const stages: Record<string, NestedBlockSpec> = {
  // extensions.go: CRIConfig. The CRI pipeline is regex -> labels{stream} ->
  // timestamp{source="time", format=RFC3339Nano} -> output{content}.
  cri: repeatedBlock(
    body({
      max_partial_lines: opt("number", { default: "100" }),
      max_partial_line_size: opt("number", { default: "0" }),
      max_partial_line_size_truncate: opt("bool", { default: "false" }),
    }),
  ),
  decolorize: repeatedBlock(body({})), // decolorize.go: empty struct
  docker: repeatedBlock(body({})), // extensions.go: empty struct
  drop: repeatedBlock(
    body({
      // drop.go
      drop_counter_reason: opt("string", { default: '"drop_stage"' }),
      source: opt("string"),
      value: opt("string"),
      separator: opt("string", { default: '";"' }),
      expression: opt("string"),
      older_than: opt("duration"),
      longer_than: opt("bytes"),
    }),
  ),
  // eventlogmessage.go; the loki.process docs mark it deprecated in favour of stage.windowsevent.
  eventlogmessage: repeatedBlock(
    body({ source: opt("string", { default: '"message"' }), drop_invalid_labels: opt("bool"), overwrite_existing: opt("bool") }),
    { deprecatedFor: "stage.windowsevent" },
  ),
  geoip: repeatedBlock(body({ db: req("string"), source: req("string"), db_type: opt("string"), custom_lookups: opt("map(string)") })), // geoip.go
  json: repeatedBlock(body({ expressions: req("map(string)"), source: opt("string"), drop_malformed: opt("bool") })), // json.go
  label_keep: repeatedBlock(body({ values: req("list(string)") })), // label_keep.go (LabelAllowConfig)
  label_drop: repeatedBlock(body({ values: req("list(string)") })), // label_drop.go
  labels: repeatedBlock(body({ values: req("map(string)") })), // labels.go; map[string]*string, null values allowed
  limit: repeatedBlock(
    body({
      // limit.go
      rate: req("number"),
      burst: req("number"),
      drop: opt("bool", { default: "false" }),
      by_label_name: opt("string"),
      max_distinct_labels: opt("number"),
    }),
  ),
  logfmt: repeatedBlock(body({ mapping: req("map(string)"), source: opt("string") })), // logfmt.go
  luhn: repeatedBlock(
    body({
      replacement: opt("string", { default: '"**REDACTED**"' }),
      source: opt("string"),
      min_length: opt("number", { default: "13" }),
    }),
  ), // luhn.go
  match: repeatedBlock(
    // match.go; `stage,enum` nests the full stage list again.
    {
      attrs: {
        selector: req("string"),
        action: opt("string", { default: '"keep"', oneOf: ["keep", "drop"] }),
        pipeline_name: opt("string"),
        drop_counter_reason: opt("string"),
      },
      blocks: stageBlocks,
    },
  ),
  metrics: repeatedBlock(
    // metric.go: MetricsConfig{ Metrics []MetricConfig `metric,enum` }
    body(
      {},
      {
        "metric.counter": repeatedBlock(
          body({
            ...metricShared,
            action: req("string", { oneOf: ["inc", "add"] }),
            match_all: opt("bool"),
            count_entry_bytes: opt("bool"),
          }),
        ),
        "metric.gauge": repeatedBlock(body({ ...metricShared, action: req("string", { oneOf: ["set", "inc", "dec", "add", "sub"] }) })),
        "metric.histogram": repeatedBlock(body({ ...metricShared, buckets: req("list(number)") })),
      },
    ),
  ),
  multiline: repeatedBlock(
    body({ firstline: req("string"), max_lines: opt("number", { default: "128" }), max_wait_time: opt("duration", { default: "3s" }) }),
  ), // multiline.go
  output: repeatedBlock(body({ source: req("string") })), // output.go
  pack: repeatedBlock(body({ labels: req("list(string)"), ingest_timestamp: opt("bool", { default: "true" }) })), // pack.go
  pattern: repeatedBlock(body({ pattern: req("string"), source: opt("string"), labels_from_groups: opt("bool") })), // pattern.go
  regex: repeatedBlock(body({ expression: req("string"), source: opt("string"), labels_from_groups: opt("bool") })), // regex.go
  replace: repeatedBlock(body({ expression: req("string"), source: opt("string"), replace: opt("string") })), // replace.go
  static_labels: repeatedBlock(body({ values: req("map(string)") })), // static_labels.go
  structured_metadata: repeatedBlock(body({ values: req("map(string)") })), // pipeline.go: reuses LabelsConfig
  sampling: repeatedBlock(body({ drop_counter_reason: opt("string", { default: '"sampling_stage"' }), rate: req("number") })), // sampling.go
  template: repeatedBlock(body({ source: req("string"), template: req("string") })), // template.go
  tenant: repeatedBlock(body({ label: opt("string"), source: opt("string"), value: opt("string") })), // tenant.go
  timestamp: repeatedBlock(
    body({
      // timestamp.go
      source: req("string"),
      format: req("string"),
      fallback_formats: opt("list(string)"),
      location: opt("string"),
      action_on_failure: opt("string", { default: '"fudge"', oneOf: ["skip", "fudge"] }),
    }),
  ),
  // windowsevent.go; stage.go lists it in stagesUnstable as StabilityExperimental.
  windowsevent: repeatedBlock(
    body({ source: opt("string", { default: '"message"' }), drop_invalid_labels: opt("bool"), overwrite_existing: opt("bool") }),
    {
      stability: "experimental",
    },
  ),
};
for (const [name, spec] of Object.entries(stages)) stageBlocks[`stage.${name}`] = spec;

/** Names of every `stage.*` block accepted by loki.process in v1.11.3. */
export const LOKI_PROCESS_STAGES: readonly string[] = Object.keys(stageBlocks);

// ---------------------------------------------------------------------------
// Components
// ---------------------------------------------------------------------------

const targetsExport: Record<string, AttrType> = { targets: "list(map(string))" }; // discovery.Exports, internal/component/discovery/discovery.go

export const COMPONENTS: Record<string, ComponentSpec> = {
  "discovery.kubernetes": {
    source: "internal/component/discovery/kubernetes/kubernetes.go",
    body: body(
      {
        api_server: opt("string"),
        // Roles accepted by prometheus/discovery/kubernetes Role.UnmarshalYAML.
        role: req("string", { oneOf: ["endpoints", "endpointslice", "service", "pod", "node", "ingress"] }),
        kubeconfig_file: opt("string"),
        ...httpClientConfig.attrs, // HTTPClientConfig `alloy:",squash"`
      },
      {
        ...httpClientConfig.blocks,
        namespaces: onceBlock(body({ own_namespace: opt("bool"), names: opt("list(string)") })),
        selectors: repeatedBlock(
          body({
            role: req("string", { oneOf: ["endpoints", "endpointslice", "service", "pod", "node", "ingress"] }),
            label: opt("string"),
            field: opt("string"),
          }),
        ),
        attach_metadata: onceBlock(body({ node: opt("bool") })),
      },
    ),
    exports: targetsExport,
  },

  "discovery.relabel": {
    source: "internal/component/discovery/relabel/relabel.go",
    body: body({ targets: req("list(map(string))") }, { rule: repeatedBlock(relabelRule) }),
    exports: { output: "list(map(string))", rules: "RelabelRules" },
  },

  "local.file_match": {
    source: "internal/component/local/file_match/file.go",
    body: body({
      path_targets: req("list(map(string))"),
      sync_period: opt("duration", { default: "10s" }),
      ignore_older_than: opt("duration", { default: "0 (disabled)" }),
    }),
    exports: targetsExport,
  },

  // No `file_match` block in v1.11.3: file discovery is local.file_match's job.
  "loki.source.file": {
    source: "internal/component/loki/source/file/file.go",
    body: body(
      {
        targets: req("list(map(string))"),
        forward_to: req("list(LogsReceiver)"),
        encoding: opt("string"),
        tail_from_end: opt("bool", { default: "false" }),
        legacy_positions_file: opt("string"),
      },
      {
        decompression: onceBlock(
          body({
            enabled: req("bool"),
            initial_delay: opt("duration"),
            // compression_format.go / decompresser.go supportedCompressedFormats()
            format: req("string", { oneOf: ["gz", "z", "bz2"] }),
          }),
        ),
        file_watch: onceBlock(
          body({ min_poll_frequency: opt("duration", { default: "250ms" }), max_poll_frequency: opt("duration", { default: "250ms" }) }),
        ),
      },
    ),
    exports: {},
  },

  // Arguments in types.go (defaultArgs: max_age 7h, path "", format_as_json false); the component (journal.go, or
  // journal_stub.go in a build without the promtail_journal_enabled tag) exports nothing.
  "loki.source.journal": {
    source: "internal/component/loki/source/journal/types.go",
    body: body(
      {
        format_as_json: opt("bool", { default: "false" }),
        max_age: opt("duration", { default: "7h" }),
        path: opt("string", { default: '"" (the container\'s own /var/log/journal and /run/log/journal)' }),
        relabel_rules: opt("RelabelRules"),
        matches: opt("string"),
        forward_to: req("list(LogsReceiver)"),
        labels: opt("map(string)"),
      },
      { legacy_position: onceBlock(body({ file: req("string"), name: req("string") })) },
    ),
    exports: {},
  },

  "loki.process": {
    source: "internal/component/loki/process/process.go (stages: internal/component/loki/process/stages/*.go)",
    body: { attrs: { forward_to: req("list(LogsReceiver)") }, blocks: stageBlocks },
    exports: { receiver: "LogsReceiver" },
  },

  // One informer per namespace (all of them when `namespaces` is empty), each
  // sending every added or updated Event whose lastTimestamp (else eventTime) is
  // after the cursor saved in positions.yml under its data path. Labels: job,
  // instance (the component ID) and namespace (of the involved object).
  // event_controller.go (parseEvent, eventTimestamp). No `clustering` block in
  // v1.11.3: every instance sends every event.
  "loki.source.kubernetes_events": {
    source: "internal/component/loki/source/kubernetes_events/kubernetes_events.go (Arguments, DefaultArguments, Validate)",
    body: body(
      {
        forward_to: req("list(LogsReceiver)"),
        job_name: opt("string", { default: '"loki.source.kubernetes_events"', nonEmpty: true }),
        namespaces: opt("list(string)", { default: "[] (every namespace)" }),
        log_format: opt("string", { default: '"logfmt"', oneOf: ["logfmt", "json"] }),
      },
      {
        // kubernetes.ClientArguments, internal/component/common/kubernetes/kubernetes.go:
        // api_server and kubeconfig_file, with HTTPClientConfig squashed in. Unset: in-cluster config.
        client: onceBlock(
          body({ api_server: opt("string"), kubeconfig_file: opt("string"), ...httpClientConfig.attrs }, { ...httpClientConfig.blocks }),
        ),
      },
    ),
    exports: {},
  },

  "loki.relabel": {
    source: "internal/component/loki/relabel/relabel.go",
    body: body(
      { forward_to: req("list(LogsReceiver)"), max_cache_size: opt("number", { default: "10000" }) },
      { rule: repeatedBlock(relabelRule) },
    ),
    exports: { receiver: "LogsReceiver", rules: "RelabelRules" },
  },

  "loki.write": {
    source: "internal/component/loki/write/write.go (endpoint: internal/component/loki/write/types.go)",
    body: body(
      { external_labels: opt("map(string)"), max_streams: opt("number", { default: "0 (no limit)" }) },
      {
        // `endpoint,block,optional` on a slice: optional and repeatable.
        endpoint: repeatedBlock(
          body(
            {
              // Defaults: GetDefaultEndpointOptions() in types.go.
              name: opt("string"),
              url: req("string"),
              batch_wait: opt("duration", { default: "1s" }),
              batch_size: opt("bytes", { default: "1MiB" }),
              remote_timeout: opt("duration", { default: "10s" }),
              headers: opt("map(string)"),
              min_backoff_period: opt("duration", { default: "500ms" }),
              max_backoff_period: opt("duration", { default: "5m" }),
              max_backoff_retries: opt("number", { default: "10" }),
              tenant_id: opt("string"),
              retry_on_http_429: opt("bool", { default: "true" }),
              ...httpClientConfig.attrs, // HTTPClientConfig `alloy:",squash"`
            },
            {
              ...httpClientConfig.blocks,
              // QueueConfig.SetToDefault: capacity 10MiB, drain_timeout 15s (the docs say "1m").
              queue_config: onceBlock(
                body({ capacity: opt("bytes", { default: "10MiB" }), drain_timeout: opt("duration", { default: "15s" }) }),
              ),
            },
          ),
        ),
        // WalArguments.SetToDefault (write.go) with wal.DefaultWatchConfig (common/loki/wal/config.go).
        wal: onceBlock(
          body({
            enabled: opt("bool", { default: "false" }),
            max_segment_age: opt("duration", { default: "1h" }),
            min_read_frequency: opt("duration", { default: "250ms" }),
            max_read_frequency: opt("duration", { default: "1s" }),
            drain_timeout: opt("duration", { default: "15s" }),
          }),
        ),
      },
    ),
    exports: { receiver: "LogsReceiver" },
  },
};

/** Unlabelled top-level configuration blocks. */
export const CONFIG_BLOCKS: Record<string, ConfigBlockSpec> = {
  logging: {
    source: "internal/runtime/logging/options.go",
    body: body({
      level: opt("string", { default: '"info"', oneOf: ["debug", "info", "warn", "error"] }),
      format: opt("string", { default: '"logfmt"', oneOf: ["logfmt", "json"] }),
      write_to: opt("list(LogsReceiver)"),
    }),
  },
  livedebugging: {
    source: "internal/service/livedebugging/service.go",
    body: body({ enabled: opt("bool", { default: "false" }) }),
  },
};

// ---------------------------------------------------------------------------
// Standard library
// syntax/internal/stdlib/stdlib.go, syntax/internal/stdlib/constants.go,
// docs/sources/reference/stdlib/*.md
// ---------------------------------------------------------------------------

export interface StdlibEntry {
  kind: "function" | "value";
  /** The namespaced replacement, for the identifiers in stdlib.DeprecatedIdentifiers. */
  deprecatedFor?: string;
  /** In stdlib.ExperimentalIdentifiers: refused unless --stability.level=experimental. */
  experimental?: boolean;
}

const fn: StdlibEntry = { kind: "function" };
const deprecated = (replacement: string): StdlibEntry => ({ kind: "function", deprecatedFor: replacement });

export const STDLIB: Record<string, StdlibEntry> = {
  // Top-level identifiers.
  coalesce: fn,
  json_path: fn,
  // constants.go: values, not functions.
  "constants.hostname": { kind: "value" },
  "constants.os": { kind: "value" },
  "constants.arch": { kind: "value" },
  "constants.version": { kind: "value" },
  "sys.env": fn,
  "convert.nonsensitive": fn,
  "array.concat": fn,
  "array.combine_maps": { kind: "function", experimental: true },
  "array.group_by": { kind: "function", experimental: true },
  "encoding.from_json": fn,
  "encoding.from_yaml": fn,
  "encoding.from_base64": fn,
  "encoding.from_URLbase64": fn,
  "encoding.to_json": fn,
  "encoding.to_base64": fn,
  "encoding.to_URLbase64": fn,
  "encoding.url_encode": fn,
  "encoding.url_decode": fn,
  "string.format": fn,
  "string.join": fn,
  "string.replace": fn,
  "string.split": fn,
  "string.to_lower": fn,
  "string.to_upper": fn,
  "string.trim": fn,
  "string.trim_prefix": fn,
  "string.trim_suffix": fn,
  "string.trim_space": fn,
  "file.path_join": fn,
  // stdlib.DeprecatedIdentifiers: still callable in v1.11.3, but deprecated.
  env: deprecated("sys.env"),
  nonsensitive: deprecated("convert.nonsensitive"),
  concat: deprecated("array.concat"),
  json_decode: deprecated("encoding.from_json"),
  yaml_decode: deprecated("encoding.from_yaml"),
  base64_decode: deprecated("encoding.from_base64"),
  format: deprecated("string.format"),
  join: deprecated("string.join"),
  replace: deprecated("string.replace"),
  split: deprecated("string.split"),
  to_lower: deprecated("string.to_lower"),
  to_upper: deprecated("string.to_upper"),
  trim: deprecated("string.trim"),
  trim_prefix: deprecated("string.trim_prefix"),
  trim_suffix: deprecated("string.trim_suffix"),
  trim_space: deprecated("string.trim_space"),
};

/** Stdlib namespaces such as "sys" or "string" (the first segment of dotted names). */
const STDLIB_NAMESPACES: ReadonlySet<string> = new Set(
  Object.keys(STDLIB)
    .filter((n) => n.includes("."))
    .map((n) => n.split(".")[0]),
);

// ---------------------------------------------------------------------------
// Checker
// ---------------------------------------------------------------------------

const didYouMean = (name: string, candidates: Iterable<string>): string => {
  const n = nearest(name, candidates);
  return n === undefined ? "" : ` (did you mean "${n}"?)`;
};

/** Own-property lookup, so names like "constructor" never hit Object.prototype. */
function own<T>(record: Record<string, T>, key: string): T | undefined {
  return Object.prototype.hasOwnProperty.call(record, key) ? record[key] : undefined;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
// Go time.ParseDuration: optional sign, then one or more decimal+unit pairs; or a bare "0".
const GO_DURATION = /^[-+]?(0|((\d+(\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h))+)$/;
// Prometheus model.ParseDuration: integer+unit pairs in decreasing unit order; or "0".
const PROM_DURATION = /^(0|(\d+y)?(\d+w)?(\d+d)?(\d+h)?(\d+m)?(\d+s)?(\d+ms)?)$/;
// alecthomas/units ParseBase2Bytes (ParseUnit): optional sign, then decimal+unit pairs
// using B, KiB..EiB or KB..EB; or a bare "0".
const BASE2_BYTES = /^[-+]?(0|((\d+(\.\d*)?|\.\d+)([KMGTPE]i?B|B))+)$/;

interface DefinedComponent {
  name: string;
  label: string;
  /** Undefined for a component the schema doesn't know (already reported as unknown). */
  spec: ComponentSpec | undefined;
}

/** A reference chain resolved against the file's components and the stdlib. */
type Resolution =
  | { kind: "export"; component: DefinedComponent; type: AttrType | undefined /* undefined: further access/index */ }
  | { kind: "stdlib"; name: string; entry: StdlibEntry }
  | { kind: "error"; message: string };

function describe(v: Value): string {
  switch (v.kind) {
    case "string":
      return `string ${JSON.stringify(v.value)}`;
    case "number":
      return `number ${v.value}`;
    case "unary":
      return v.op === "-" && v.operand.kind === "number" ? `number -${v.operand.value}` : "expression";
    case "bool":
      return `bool ${v.value}`;
    case "null":
      return "null";
    case "array":
      return "list";
    case "object":
      return "object";
    default:
      return "expression";
  }
}

/** "a.b.c" for an identifier/access chain, undefined for anything else. */
function chainOf(v: Value): string[] | undefined {
  if (v.kind === "ident") return [v.name];
  if (v.kind === "access") {
    const inner = chainOf(v.object);
    return inner && [...inner, v.member];
  }
  return undefined;
}

/** Location suffix for a nested literal: " for element 0", then ", key \"job\"". */
function within(where: string, step: string): string {
  return where ? `${where}, ${step}` : ` for ${step}`;
}

function unparen(v: Value): Value {
  return v.kind === "paren" ? unparen(v.inner) : v;
}

class Checker {
  readonly problems: { line: number; message: string }[] = [];
  private readonly defined = new Map<string, DefinedComponent & { line: number }>();

  constructor(private readonly statements: Statement[]) {}

  run(): string[] {
    this.collectComponents();
    const seenConfigBlocks = new Map<string, number>();
    for (const stmt of this.statements) {
      if (stmt.kind === "attribute") {
        // internal/runtime/source.go rejects attributes at the top level.
        this.report(stmt.line, stmt.name, `unrecognized attribute "${stmt.name}" at the top level`);
        continue;
      }
      const path = stmt.label === undefined ? stmt.name : `${stmt.name} "${stmt.label}"`;
      const component = own(COMPONENTS, stmt.name);
      const configBlock = own(CONFIG_BLOCKS, stmt.name);
      if (component) {
        if (stmt.label === undefined || stmt.label === "") {
          this.report(stmt.line, path, `component "${stmt.name}" must have a label`);
        } else if (!IDENTIFIER.test(stmt.label)) {
          this.report(stmt.line, path, `label "${stmt.label}" must be a valid identifier`);
        }
        this.checkBody(stmt, component.body, path);
      } else if (configBlock) {
        if (stmt.label !== undefined && stmt.label !== "") {
          this.report(stmt.line, path, `config block "${stmt.name}" does not support specifying labels`);
        }
        const first = seenConfigBlocks.get(stmt.name);
        if (first !== undefined) {
          this.report(stmt.line, path, `config block "${stmt.name}" may only be specified once (first at line ${first})`);
        } else {
          seenConfigBlocks.set(stmt.name, stmt.line);
        }
        this.checkBody(stmt, configBlock.body, path);
      } else {
        const known = [...Object.keys(COMPONENTS), ...Object.keys(CONFIG_BLOCKS)];
        this.report(stmt.line, path, `unknown component "${stmt.name}"${didYouMean(stmt.name, known)}`);
      }
    }
    // Report in source order; the sort is stable, so walk order is kept within a line.
    return this.problems
      .map((p, i) => ({ ...p, i }))
      .sort((a, b) => a.line - b.line || a.i - b.i)
      .map((p) => p.message);
  }

  private report(line: number, path: string, message: string): void {
    this.problems.push({ line, message: `line ${line}: ${path}: ${message}` });
  }

  /** First pass: every labelled component, so references can point forwards. */
  private collectComponents(): void {
    for (const stmt of this.statements) {
      // Unknown components are collected too, so references to them don't cascade
      // into extra errors; the component itself is reported as unknown.
      if (stmt.kind !== "block" || !stmt.label || own(CONFIG_BLOCKS, stmt.name)) continue;
      const spec = own(COMPONENTS, stmt.name);
      const id = `${stmt.name}.${stmt.label}`;
      const first = this.defined.get(id);
      if (first) {
        this.report(
          stmt.line,
          `${stmt.name} "${stmt.label}"`,
          `duplicate definition of ${stmt.name} "${stmt.label}" (first defined at line ${first.line})`,
        );
        continue;
      }
      this.defined.set(id, { name: stmt.name, label: stmt.label, spec, line: stmt.line });
    }
  }

  private checkBody(block: Block, spec: BlockSpec, path: string): void {
    const seenAttrs = new Map<string, number>();
    const seenBlocks = new Map<string, number>();
    for (const stmt of block.body) {
      const childPath = `${path} > ${stmt.name}`;
      if (stmt.kind === "attribute") {
        const attr = own(spec.attrs, stmt.name);
        if (!attr) {
          this.report(stmt.line, childPath, this.unknownMember("attribute", stmt.name, spec));
          this.checkExpression(stmt.value, stmt.line, childPath);
          continue;
        }
        const first = seenAttrs.get(stmt.name);
        if (first !== undefined) {
          this.report(stmt.line, childPath, `attribute "${stmt.name}" may only be provided once (first at line ${first})`);
        } else {
          seenAttrs.set(stmt.name, stmt.line);
        }
        this.checkAttribute(stmt, attr, childPath);
      } else {
        const nested = own(spec.blocks, stmt.name);
        if (!nested) {
          this.report(stmt.line, childPath, this.unknownMember("block", stmt.name, spec));
          continue;
        }
        if (stmt.label !== undefined && stmt.label !== "") {
          this.report(stmt.line, childPath, `block "${stmt.name}" does not support specifying labels`);
        }
        const first = seenBlocks.get(stmt.name);
        if (first !== undefined && !nested.repeatable) {
          this.report(stmt.line, childPath, `block "${stmt.name}" may only be specified once (first at line ${first})`);
        } else if (first === undefined) {
          seenBlocks.set(stmt.name, stmt.line);
        }
        if (nested.deprecatedFor) {
          this.report(stmt.line, childPath, `block "${stmt.name}" is deprecated; use "${nested.deprecatedFor}" instead`);
        }
        if (nested.stability) {
          this.report(
            stmt.line,
            childPath,
            `block "${stmt.name}" is ${nested.stability} in Alloy ${ALLOY_VERSION} and needs --stability.level=${nested.stability}`,
          );
        }
        this.checkBody(stmt, nested.body, childPath);
      }
    }
    for (const [name, attr] of Object.entries(spec.attrs)) {
      if (attr.required && !seenAttrs.has(name)) this.report(block.line, path, `missing required attribute "${name}"`);
    }
    for (const [name, nested] of Object.entries(spec.blocks)) {
      if (nested.required && !seenBlocks.has(name)) this.report(block.line, path, `missing required block "${name}"`);
    }
  }

  /** Message for a name that is neither an attribute nor a block of `spec`. */
  private unknownMember(kind: "attribute" | "block", name: string, spec: BlockSpec): string {
    const other: Record<string, unknown> = kind === "attribute" ? spec.blocks : spec.attrs;
    if (own(other, name)) {
      return kind === "attribute"
        ? `"${name}" is a block, not an attribute; write ${name} { ... }`
        : `"${name}" is an attribute, not a block; write ${name} = ...`;
    }
    const candidates = kind === "attribute" ? Object.keys(spec.attrs) : Object.keys(spec.blocks);
    return `unknown ${kind} "${name}"${didYouMean(name, candidates)}`;
  }

  private checkAttribute(attr: Attribute, spec: AttrSpec, path: string): void {
    this.checkExpression(attr.value, attr.line, path);
    this.checkType(attr.value, spec.type, attr.line, path, "", spec.oneOf, spec.nonEmpty);
  }

  // -- types -----------------------------------------------------------------

  /**
   * Structural type check of literals. Non-literal expressions are accepted,
   * except that capsule-valued attributes must be references, and a direct
   * reference to another component's export must have the expected type.
   *
   * Deliberately stricter than Alloy in one respect: Alloy silently converts
   * numbers to strings and numeric strings to numbers; generated config should
   * never rely on that, so such literals are reported.
   */
  private checkType(
    raw: Value,
    type: AttrType,
    line: number,
    path: string,
    where: string,
    oneOf?: readonly string[],
    nonEmpty?: boolean,
  ): void {
    const v = unparen(raw);
    const wrong = (expected: string) => this.report(line, path, `expected ${expected}${where}, got ${describe(v)}`);

    // null decodes to the zero value of any Go type (syntax/internal/value/decode.go).
    if (v.kind === "null" || type === "any") return;

    const literal =
      ["string", "number", "bool", "array", "object"].includes(v.kind) || (v.kind === "unary" && unparen(v.operand).kind === "number");
    if (!literal) {
      this.checkExpressionType(v, type, line, path, where);
      return;
    }
    if (CAPSULE_TYPES.has(type)) {
      this.report(line, path, `expected ${type}${where}, got ${describe(v)}; a ${type} must be a reference to another component's export`);
      return;
    }

    switch (type) {
      case "string":
      case "secret":
        if (v.kind !== "string") return wrong(type);
        if (nonEmpty && v.value === "") this.report(line, path, `must not be an empty string${where}`);
        if (oneOf && !oneOf.includes(v.value)) {
          this.report(
            line,
            path,
            `expected one of ${oneOf.map((o) => JSON.stringify(o)).join(", ")}${where}, got ${JSON.stringify(v.value)}${didYouMean(v.value, oneOf)}`,
          );
        }
        return;
      case "number":
        if (v.kind !== "number" && v.kind !== "unary") wrong("number");
        return;
      case "bool":
        if (v.kind !== "bool") wrong("bool");
        return;
      case "duration":
        if (v.kind !== "string" || !GO_DURATION.test(v.value)) wrong('duration (Go time.ParseDuration, e.g. "1s", "500ms", "5m")');
        return;
      case "prometheus_duration":
        if (v.kind !== "string" || v.value === "" || !PROM_DURATION.test(v.value))
          wrong('duration (Prometheus model.ParseDuration, e.g. "30s", "1d")');
        return;
      case "bytes":
        if (v.kind !== "string" || !BASE2_BYTES.test(v.value)) wrong('byte size (units.ParseBase2Bytes, e.g. "1MiB", "512KB")');
        return;
      case "list(string)":
      case "list(number)":
      case "list(map(string))":
      case "list(LogsReceiver)": {
        if (v.kind !== "array") return wrong(type);
        const item = type.slice("list(".length, -1) as AttrType;
        v.items.forEach((it, i) => this.checkType(it, item, line, path, within(where, `element ${i}`)));
        return;
      }
      case "map(string)":
      case "map(list(secret))": {
        if (v.kind !== "object") return wrong(type);
        const item = type.slice("map(".length, -1) as AttrType;
        for (const f of v.fields) this.checkType(f.value, item, line, path, within(where, `key ${JSON.stringify(f.key)}`));
        return;
      }
    }
  }

  /** A non-literal in a typed position: only direct export references have a known type. */
  private checkExpressionType(v: Value, type: AttrType, line: number, path: string, where: string): void {
    const chain = chainOf(v);
    const resolved = chain && this.resolve(chain);
    const actual = resolved?.kind === "export" ? resolved.type : undefined;
    if (actual !== undefined) {
      if (actual !== type && !(type === "secret" && actual === "string")) {
        this.report(line, path, `expected ${type}${where}, got ${actual} (${chain!.join(".")})`);
      }
      return;
    }
    // Capsules only ever come from component exports; a string-building expression can't produce one.
    if (CAPSULE_TYPES.has(type) && (v.kind === "binary" || v.kind === "unary")) {
      this.report(line, path, `expected ${type}${where}, got expression; a ${type} must be a reference to another component's export`);
    }
  }

  // -- references and functions ----------------------------------------------

  /** Validate every reference and function call inside an expression. */
  private checkExpression(raw: Value, line: number, path: string): void {
    const v = unparen(raw);
    switch (v.kind) {
      case "array":
        v.items.forEach((it) => this.checkExpression(it, line, path));
        return;
      case "object":
        v.fields.forEach((f) => this.checkExpression(f.value, line, path));
        return;
      case "ident":
      case "access": {
        const chain = chainOf(v);
        // e.g. encoding.from_json(x).field: only the inner expression can be checked.
        if (!chain) return v.kind === "access" ? this.checkExpression(v.object, line, path) : undefined;
        const r = this.resolve(chain);
        if (r.kind === "error") this.report(line, path, r.message);
        else if (r.kind === "stdlib") {
          this.reportStdlibStatus(r.name, r.entry, line, path);
          if (r.entry.kind === "function") this.report(line, path, `"${r.name}" is a function; call it as ${r.name}(...)`);
        }
        return;
      }
      case "index":
        this.checkExpression(v.object, line, path);
        this.checkExpression(v.index, line, path);
        return;
      case "call": {
        const chain = chainOf(unparen(v.callee));
        if (!chain) {
          this.checkExpression(v.callee, line, path);
        } else {
          const r = this.resolve(chain);
          const name = chain.join(".");
          if (r.kind === "error") this.report(line, path, r.message);
          else if (r.kind === "export" || r.entry.kind !== "function") this.report(line, path, `"${name}" is not a function`);
          else this.reportStdlibStatus(r.name, r.entry, line, path);
        }
        v.args.forEach((a) => this.checkExpression(a, line, path));
        return;
      }
      case "unary":
        return this.checkExpression(v.operand, line, path);
      case "binary":
        this.checkExpression(v.left, line, path);
        this.checkExpression(v.right, line, path);
        return;
      default:
        return; // string, number, bool, null
    }
  }

  private reportStdlibStatus(name: string, entry: StdlibEntry, line: number, path: string): void {
    if (entry.deprecatedFor) {
      this.report(line, path, `stdlib function "${name}" is deprecated in Alloy ${ALLOY_VERSION}; use "${entry.deprecatedFor}" instead`);
    }
    if (entry.experimental) {
      this.report(
        line,
        path,
        `stdlib function "${name}" is experimental in Alloy ${ALLOY_VERSION} and needs --stability.level=experimental`,
      );
    }
  }

  /**
   * Resolve an identifier chain the way Alloy's scope does (syntax/vm/vm.go
   * Scope.Lookup): component references first, then the stdlib.
   */
  private resolve(chain: string[]): Resolution {
    // 1. A component defined in this file: <name segments>.<label>.<export>...
    for (const c of this.defined.values()) {
      const nameSegs = c.name.split(".");
      const n = nameSegs.length;
      if (chain.length <= n || chain[n] !== c.label || nameSegs.some((s, i) => chain[i] !== s)) continue;
      const id = `${c.name} "${c.label}"`;
      if (!c.spec) return { kind: "export", component: c, type: undefined };
      if (chain.length === n + 1) {
        return {
          kind: "error",
          message: `reference to component ${id} itself; reference one of its exports (${Object.keys(c.spec.exports).join(", ") || "it has none"})`,
        };
      }
      const exp = chain[n + 1];
      const expType = own(c.spec.exports, exp);
      if (expType === undefined) {
        const exports = Object.keys(c.spec.exports);
        const has = exports.length ? `; it exports ${exports.join(", ")}` : "; it exports nothing";
        return { kind: "error", message: `${id} has no export "${exp}"${didYouMean(exp, exports)}${has}` };
      }
      return { kind: "export", component: c, type: chain.length === n + 2 ? expType : undefined };
    }

    // 2. The stdlib.
    const name = chain.join(".");
    if (STDLIB_NAMESPACES.has(chain[0]) || own(STDLIB, chain[0])) {
      const full = STDLIB_NAMESPACES.has(chain[0]) ? chain.slice(0, 2).join(".") : chain[0];
      const entry = own(STDLIB, full);
      if (!entry) return { kind: "error", message: `unknown stdlib identifier "${full}"${this.stdlibSuggestion(full)}` };
      return { kind: "stdlib", name: full, entry };
    }

    // 3. An undefined component of a known type, e.g. loki.process.typo.receiver.
    const knownName = Object.keys(COMPONENTS)
      .filter((c) => c.split(".").every((s, i) => chain[i] === s) && chain.length > c.split(".").length)
      .sort((a, b) => b.length - a.length)[0];
    if (knownName) {
      const label = chain[knownName.split(".").length];
      const labels = [...this.defined.values()].filter((c) => c.name === knownName).map((c) => c.label);
      const near = nearest(label, labels);
      const hint = near === undefined ? "" : ` (did you mean ${knownName} "${near}"?)`;
      return { kind: "error", message: `reference to undefined component ${knownName} "${label}" in ${name}${hint}` };
    }

    // 4. Something that looks like a component reference (same namespace as a known one).
    const namespaces = new Set([...Object.keys(COMPONENTS), ...[...this.defined.values()].map((c) => c.name)].map((c) => c.split(".")[0]));
    if (namespaces.has(chain[0])) {
      const ids = [...this.defined.values()].map((c) => `${c.name}.${c.label}`);
      const best = nearest(chain.slice(0, 3).join("."), ids) ?? nearest(chain.slice(0, 4).join("."), ids);
      return { kind: "error", message: `reference to undefined component in ${name}${best ? ` (did you mean "${best}"?)` : ""}` };
    }
    return { kind: "error", message: `unknown identifier "${chain[0]}"${this.stdlibSuggestion(name)}` };
  }

  /** Suggest the closest stdlib name, mapping deprecated names to their replacement. */
  private stdlibSuggestion(name: string): string {
    const best = nearest(name, Object.keys(STDLIB));
    if (best === undefined) return "";
    return ` (did you mean "${STDLIB[best].deprecatedFor ?? best}"?)`;
  }
}

/**
 * Validate parsed Alloy statements against the v1.11.3 schema above.
 * Returns human-readable problems ("line N: <path>: <message>"), empty when valid.
 */
export function checkAlloyConfig(statements: Statement[]): string[] {
  return new Checker(statements).run();
}
