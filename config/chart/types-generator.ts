/**
 * Generates config/chart/alloy-values.generated.ts from the grafana/alloy chart's own
 * Chart.yaml and values.yaml, because the chart ships no values.schema.json
 * and Helm silently drops any key the templates do not read.
 *
 * The logic only: scripts/generate-chart-types.ts is its command line
 * (docs/runbook.md, Upgrading the chart version).
 *
 * The output is the one place that pins the chart: ALLOY_CHART_VERSION (what
 * the program deploys) and ALLOY_APP_VERSION come from that Chart.yaml, so
 * the types, the deployed version, the tests and the docs cannot disagree.
 * Every key of values.yaml becomes an optional typed field (a misplaced key in
 * an object literal is then a compile error), and a runtime table of valid
 * paths, used to validate `chartOverrides` from stack config.
 */
import { isMap, isScalar, isSeq, parse, parseDocument, type Node, type Pair, type YAMLMap } from "yaml";

/**
 * Paths whose values.yaml default (`{}`, `[]` or `null`) does not say their
 * shape, so the generator cannot infer them: it stops and lists them. Declare
 * each here after reading what the templates do with it. Most are copied
 * verbatim with `toYaml` into a Kubernetes object field and take that
 * field's @pulumi/kubernetes type from config/chart/k8s-types.ts (`k8s.`).
 * `kind` is what `chartOverrides` accepts there at run time: `map` is a
 * free-form map, `list` a list; a `?` suffix also allows null.
 */
const HINTS: Record<string, { ts: string; kind: RuntimeKind }> = {
  // From chart 1.11: the alloy container's command (templates/containers/_agent.yaml); [] keeps the image's entrypoint.
  "alloy.command": { ts: "string[]", kind: "list" },
  nameOverride: { ts: "string | null", kind: "string?" },
  namespaceOverride: { ts: "string | null", kind: "string?" },
  fullnameOverride: { ts: "string | null", kind: "string?" },
  "global.image.pullSecrets": { ts: "k8s.LocalObjectReference[]", kind: "list" },
  "global.podSecurityContext": { ts: "k8s.PodSecurityContext", kind: "map" },
  "alloy.configMap.name": { ts: "string | null", kind: "string?" },
  "alloy.configMap.key": { ts: "string | null", kind: "string?" },
  "alloy.stabilityLevel": { ts: '"experimental" | "public-preview" | "generally-available"', kind: "string" },
  "alloy.listenScheme": { ts: '"HTTP" | "HTTPS"', kind: "string" },
  "alloy.extraEnv": { ts: "k8s.EnvVar[]", kind: "list" },
  "alloy.envFrom": { ts: "k8s.EnvFromSource[]", kind: "list" },
  "alloy.extraArgs": { ts: "string[]", kind: "list" },
  "alloy.extraPorts": { ts: "k8s.AlloyExtraPort[]", kind: "list" },
  "alloy.hostAliases": { ts: "k8s.HostAlias[]", kind: "list" },
  "alloy.mounts.extra": { ts: "k8s.VolumeMount[]", kind: "list" },
  "alloy.securityContext": { ts: "k8s.SecurityContext", kind: "map" },
  "alloy.resources": { ts: "k8s.ResourceRequirements", kind: "map" },
  "alloy.lifecycle": { ts: "k8s.Lifecycle", kind: "map" },
  "alloy.livenessProbe": { ts: "k8s.Probe", kind: "map" },
  "image.tag": { ts: "string | null", kind: "string?" },
  "image.digest": { ts: "string | null", kind: "string?" },
  "image.pullPolicy": { ts: '"Always" | "IfNotPresent" | "Never"', kind: "string" },
  "image.pullSecrets": { ts: "k8s.LocalObjectReference[]", kind: "list" },
  "rbac.namespaces": { ts: "string[]", kind: "list" },
  "rbac.rules": { ts: "k8s.PolicyRule[]", kind: "list" },
  "rbac.clusterRules": { ts: "k8s.PolicyRule[]", kind: "list" },
  "serviceAccount.additionalLabels": { ts: "Record<string, string>", kind: "map" },
  "serviceAccount.annotations": { ts: "Record<string, string>", kind: "map" },
  "serviceAccount.name": { ts: "string | null", kind: "string?" },
  "configReloader.customArgs": { ts: "string[]", kind: "list" },
  "configReloader.resources": { ts: "k8s.ResourceRequirements", kind: "map" },
  "configReloader.securityContext": { ts: "k8s.SecurityContext", kind: "map" },
  "controller.type": { ts: '"daemonset" | "deployment" | "statefulset"', kind: "string" },
  "controller.extraLabels": { ts: "Record<string, string>", kind: "map" },
  "controller.extraAnnotations": { ts: "Record<string, string>", kind: "map" },
  "controller.dnsPolicy": { ts: '"ClusterFirst" | "ClusterFirstWithHostNet" | "Default" | "None"', kind: "string" },
  "controller.terminationGracePeriodSeconds": { ts: "number | null", kind: "number?" },
  "controller.updateStrategy": { ts: "k8s.UpdateStrategy", kind: "map" },
  "controller.nodeSelector": { ts: "Record<string, string>", kind: "map" },
  "controller.tolerations": { ts: "k8s.Toleration[]", kind: "list" },
  "controller.topologySpreadConstraints": { ts: "k8s.TopologySpreadConstraint[]", kind: "list" },
  "controller.podAnnotations": { ts: "Record<string, string>", kind: "map" },
  "controller.podLabels": { ts: "Record<string, string>", kind: "map" },
  "controller.podDisruptionBudget.minAvailable": { ts: "number | string | null", kind: "intOrString?" },
  "controller.podDisruptionBudget.maxUnavailable": { ts: "number | string | null", kind: "intOrString?" },
  "controller.autoscaling.scaleDown.policies": { ts: "k8s.HPAScalingPolicy[]", kind: "list" },
  "controller.autoscaling.scaleUp.policies": { ts: "k8s.HPAScalingPolicy[]", kind: "list" },
  "controller.autoscaling.horizontal.scaleDown.policies": { ts: "k8s.HPAScalingPolicy[]", kind: "list" },
  "controller.autoscaling.horizontal.scaleUp.policies": { ts: "k8s.HPAScalingPolicy[]", kind: "list" },
  "controller.autoscaling.vertical.recommenders": { ts: "{ name: string }[]", kind: "list" },
  "controller.autoscaling.vertical.resourcePolicy.containerPolicies": { ts: "k8s.KubeObject[]", kind: "list" },
  // Only comments under it in values.yaml; templates/vpa.yaml copies it with toYaml.
  "controller.autoscaling.vertical.updatePolicy": { ts: "{ minReplicas?: number; updateMode?: string } | null", kind: "map" },
  "controller.affinity": { ts: "k8s.Affinity", kind: "map" },
  "controller.volumes.extra": { ts: "k8s.Volume[]", kind: "list" },
  "controller.volumeClaimTemplates": { ts: "k8s.PersistentVolumeClaim[]", kind: "list" },
  "controller.initContainers": { ts: "k8s.Container[]", kind: "list" },
  "controller.extraContainers": { ts: "k8s.Container[]", kind: "list" },
  "networkPolicy.policyTypes": { ts: '("Ingress" | "Egress")[]', kind: "list" },
  "networkPolicy.ingress": { ts: "k8s.NetworkPolicyIngressRule[] | null", kind: "list?" },
  "networkPolicy.egress": { ts: "k8s.NetworkPolicyEgressRule[] | null", kind: "list?" },
  "service.annotations": { ts: "Record<string, string>", kind: "map" },
  "serviceMonitor.additionalLabels": { ts: "Record<string, string>", kind: "map" },
  "serviceMonitor.metricRelabelings": { ts: "k8s.KubeObject[]", kind: "list" },
  "serviceMonitor.relabelings": { ts: "k8s.KubeObject[]", kind: "list" },
  "serviceMonitor.tlsConfig": { ts: "k8s.KubeObject", kind: "map" },
  "ingress.annotations": { ts: "Record<string, string>", kind: "map" },
  "ingress.labels": { ts: "Record<string, string>", kind: "map" },
  "ingress.hosts": { ts: "string[]", kind: "list" },
  "ingress.extraPaths": { ts: "k8s.HTTPIngressPath[]", kind: "list" },
  "ingress.tls": { ts: "k8s.IngressTLS[]", kind: "list" },
  extraObjects: { ts: "k8s.KubeObject[]", kind: "list" },
};

/**
 * Keys the templates read that values.yaml only mentions in a comment
 * (`grep -rhoE '\.Values(\.[A-Za-z0-9_]+)+' templates`).
 */
const TEMPLATE_ONLY: Record<string, { ts: string; kind: RuntimeKind; doc: string }> = {
  "ingress.ingressClassName": {
    ts: "string",
    kind: "string",
    doc: "IngressClass to use (templates/ingress.yaml; commented out in values.yaml).",
  },
};

/**
 * Keys in values.yaml that must not be typed: `agent` is the deprecated alias
 * of `alloy` that the templates merge over it (`mustMergeOverwrite .Values.alloy .Values.agent`).
 */
const EXCLUDED = new Set(["agent"]);

type RuntimeKind = "object" | "map" | "list" | "list?" | "string" | "string?" | "number" | "number?" | "boolean" | "intOrString?";

interface Field {
  key: string;
  path: string;
  doc: string[];
  defaultValue: unknown;
  ts: string;
  kind: RuntimeKind;
  children?: Field[];
}

function docOf(pair: Pair, map: YAMLMap, index: number): string[] {
  const key = pair.key as Node;
  // The yaml parser attaches the comment above a map's first key to the map itself.
  const comment = key.commentBefore ?? (index === 0 ? map.commentBefore : undefined) ?? "";
  const raw = comment.split("\n");
  return raw
    .map((l) =>
      l
        .replace(/^#?\s?/, "")
        .replace(/^-- ?/, "")
        .replace(/^\(\w+\) /, ""),
    )
    .filter((l) => l.trim() !== "" && !/^#/.test(l.trim()));
}

/** A problem with the chart's files, reported as a message without a stack trace. */
export class GeneratorError extends Error {}

/** What Chart.yaml says about the chart. */
export interface ChartMeta {
  version: string;
  appVersion: string;
}

const SEMVER = /^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$/;

export function chartMeta(chartYaml: string, file: string): ChartMeta {
  let chart: unknown;
  try {
    chart = parse(chartYaml);
  } catch (error) {
    throw new GeneratorError(`${file}: not valid YAML: ${(error as Error).message}`);
  }
  const { name, version, appVersion } = (typeof chart === "object" && chart !== null ? chart : {}) as Record<string, unknown>;
  if (name !== "alloy")
    throw new GeneratorError(`${file}: expected the grafana/alloy chart (name: alloy), got name ${JSON.stringify(name)}`);
  if (typeof version !== "string" || !SEMVER.test(version)) {
    throw new GeneratorError(`${file}: expected a chart version such as 1.4.0, got version ${JSON.stringify(version)}`);
  }
  if (typeof appVersion !== "string" || !/^v[0-9]+\.[0-9]+\.[0-9]+/.test(appVersion)) {
    throw new GeneratorError(`${file}: expected an Alloy appVersion such as v1.11.3, got appVersion ${JSON.stringify(appVersion)}`);
  }
  return { version, appVersion };
}

function inferLeaf(value: unknown): { ts: string; kind: RuntimeKind } | undefined {
  if (typeof value === "string") return { ts: "string", kind: "string" };
  if (typeof value === "number") return { ts: "number", kind: "number" };
  if (typeof value === "boolean") return { ts: "boolean", kind: "boolean" };
  return undefined;
}

/** A key whose default says nothing about its type. */
interface Untyped {
  path: string;
  defaultValue: unknown;
}

interface WalkState {
  untyped: Untyped[];
  hinted: Set<string>;
}

function walk(map: YAMLMap, prefix: string, state: WalkState): Field[] {
  const fields: Field[] = [];
  for (const [index, pair] of map.items.entries()) {
    const key = String(isScalar(pair.key) ? pair.key.value : pair.key);
    const p = prefix ? `${prefix}.${key}` : key;
    if (EXCLUDED.has(p)) continue;
    const value = pair.value as Node | null;
    const hint = Object.hasOwn(HINTS, p) ? HINTS[p] : undefined;
    const defaultValue = value && "toJSON" in value ? (value as { toJSON(): unknown }).toJSON() : null;
    const doc = docOf(pair, map, index);
    if (hint) {
      state.hinted.add(p);
      fields.push({ key, path: p, doc, defaultValue, ...hint });
      continue;
    }
    if (isMap(value) && value.items.length > 0) {
      fields.push({ key, path: p, doc, defaultValue: undefined, ts: "", kind: "object", children: walk(value, p, state) });
      continue;
    }
    const leaf = isSeq(value) || isMap(value) ? undefined : inferLeaf(defaultValue);
    if (leaf) fields.push({ key, path: p, doc, defaultValue, ...leaf });
    else state.untyped.push({ path: p, defaultValue });
  }
  for (const [p, extra] of Object.entries(TEMPLATE_ONLY)) {
    const parent = p.slice(0, p.lastIndexOf("."));
    if (parent === prefix) {
      fields.push({ key: p.slice(parent.length + 1), path: p, doc: [extra.doc], defaultValue: undefined, ts: extra.ts, kind: extra.kind });
    }
  }
  return fields;
}

/** A HINTS line to start from, after the default's own shape. */
function hintTemplate({ path: p, defaultValue }: Untyped): string {
  const entry = Array.isArray(defaultValue)
    ? `{ ts: "<element type>[]", kind: "list" }`
    : defaultValue === null
      ? `{ ts: "<type> | null", kind: "<kind>?" }`
      : `{ ts: "<type>", kind: "map" }`;
  return `  ${JSON.stringify(p)}: ${entry},`;
}

function untypedMessage(untyped: readonly Untyped[], meta: ChartMeta): string {
  const count = untyped.length === 1 ? "1 key" : `${untyped.length} keys`;
  return [
    `values.yaml of grafana/alloy ${meta.version}: cannot infer the type of ${count} from the default, so nothing was written:`,
    ...untyped.map((u) => `  ${u.path} (default ${JSON.stringify(u.defaultValue)})`),
    "Read what the chart's templates do with each, then declare it in HINTS in config/chart/types-generator.ts",
    "(docs/runbook.md, Upgrading the chart version), for example:",
    ...untyped.map(hintTemplate),
  ].join("\n");
}

function jsdoc(field: Field, indent: string): string {
  const lines = [...field.doc];
  if (field.kind !== "object") lines.push(`@default ${JSON.stringify(field.defaultValue ?? null)}`);
  if (lines.length === 0) return "";
  return `${indent}/**\n${lines.map((l) => `${indent} * ${l.replace(/\*\//g, "*\\/")}`).join("\n")}\n${indent} */\n`;
}

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

function renderType(fields: Field[], indent: string): string {
  const inner = indent + "  ";
  const body = fields
    .map((f) => {
      const name = IDENT.test(f.key) ? f.key : JSON.stringify(f.key);
      const type = f.children ? renderType(f.children, inner) : f.ts;
      return `${jsdoc(f, inner)}${inner}${name}?: ${type};`;
    })
    .join("\n");
  return `{\n${body}\n${indent}}`;
}

function flatten(fields: Field[], out: [string, RuntimeKind][] = []): [string, RuntimeKind][] {
  for (const f of fields) {
    out.push([f.path, f.kind]);
    if (f.children) flatten(f.children, out);
  }
  return out;
}

export interface Generated {
  source: string;
  paths: number;
  /** HINTS entries for keys this chart's values.yaml does not have: left from an older chart, to remove. */
  unusedHints: string[];
}

/**
 * The text of config/chart/alloy-values.generated.ts for a chart's values.yaml and Chart.yaml.
 * @throws GeneratorError naming every key it cannot type.
 */
export function generateChartTypes(valuesYaml: string, meta: ChartMeta): Generated {
  const doc = parseDocument(valuesYaml);
  if (doc.errors.length > 0)
    throw new GeneratorError(`values.yaml of grafana/alloy ${meta.version}: not valid YAML: ${doc.errors[0].message}`);
  if (!isMap(doc.contents)) throw new GeneratorError(`values.yaml of grafana/alloy ${meta.version}: expected a YAML map at the top`);
  const state: WalkState = { untyped: [], hinted: new Set() };
  const fields = walk(doc.contents, "", state);
  if (state.untyped.length > 0) throw new GeneratorError(untypedMessage(state.untyped, meta));
  const paths = flatten(fields);
  const v = meta.version;
  const source = `// GENERATED by scripts/generate-chart-types.ts from Chart.yaml and values.yaml of
// the grafana/alloy Helm chart ${v} (tag helm-chart/${v} of grafana/alloy,
// operations/helm/charts/alloy). Do not edit by hand: regenerate instead
// (docs/runbook.md, Upgrading the chart version).
import type * as k8s from "./k8s-types";

/** The grafana/alloy chart version the program deploys and these types describe (Chart.yaml \`version\`). */
export const ALLOY_CHART_VERSION = ${JSON.stringify(v)};

/** The Alloy version that chart runs (Chart.yaml \`appVersion\`, the tag of its default image grafana/alloy). */
export const ALLOY_APP_VERSION = ${JSON.stringify(meta.appVersion)};

/**
 * Values of the grafana/alloy ${v} chart. Every key the chart reads,
 * and no other: a key at the wrong path is a compile error.
 */
export type AlloyChartValues = ${renderType(fields, "")};

/**
 * What the chart accepts at each path, for validating values that arrive at
 * run time (stack config). \`object\` has the listed children only; \`map\`
 * is free-form (copied with toYaml); a \`?\` suffix allows null.
 */
export type ChartValueKind = ${[...new Set(paths.map(([, k]) => k))]
    .sort()
    .map((k) => JSON.stringify(k))
    .join(" | ")};

export const ALLOY_CHART_PATHS: Readonly<Record<string, ChartValueKind>> = {
${paths.map(([p, k]) => `  ${JSON.stringify(p)}: ${JSON.stringify(k)},`).join("\n")}
};
`;
  const unusedHints = Object.keys(HINTS).filter((p) => !state.hinted.has(p));
  return { source, paths: paths.length, unusedHints };
}
