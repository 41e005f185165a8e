/**
 * Generates chart/alloy-values.generated.ts from the grafana/alloy chart's own
 * values.yaml, because chart 1.4.0 ships no values.schema.json and Helm
 * silently drops any key the templates do not read.
 *
 * Usage (the chart itself is never committed):
 *   helm pull grafana/alloy --version 1.4.0 --untar --untardir /tmp/chart
 *   npm run generate:chart-types -- /tmp/chart/alloy/values.yaml
 *
 * Every key of values.yaml becomes an optional typed field (a misplaced key in
 * an object literal is then a compile error), and a runtime table of valid
 * paths, used to validate `chartOverrides` from stack config.
 */
import { readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { isMap, isScalar, isSeq, parseDocument, type Node, type Pair, type YAMLMap } from "yaml";

const CHART_VERSION = "1.4.0";
const OUTPUT = path.join(__dirname, "..", "chart", "alloy-values.generated.ts");

/**
 * Paths whose values.yaml default (`{}`, `[]` or `null`) says nothing about
 * their shape. Each is typed after what the template does with it: most are
 * copied verbatim with `toYaml` into a Kubernetes object field.
 * `open: true` means any sub-key is accepted at run time (a free-form map).
 */
const HINTS: Record<string, { ts: string; kind: RuntimeKind }> = {
  nameOverride: { ts: "string | null", kind: "string?" },
  namespaceOverride: { ts: "string | null", kind: "string?" },
  fullnameOverride: { ts: "string | null", kind: "string?" },
  "global.image.pullSecrets": { ts: "LocalObjectReference[]", kind: "list" },
  "global.podSecurityContext": { ts: "PodSecurityContext", kind: "map" },
  "alloy.configMap.name": { ts: "string | null", kind: "string?" },
  "alloy.configMap.key": { ts: "string | null", kind: "string?" },
  "alloy.stabilityLevel": { ts: '"experimental" | "public-preview" | "generally-available"', kind: "string" },
  "alloy.listenScheme": { ts: '"HTTP" | "HTTPS"', kind: "string" },
  "alloy.extraEnv": { ts: "EnvVar[]", kind: "list" },
  "alloy.envFrom": { ts: "EnvFromSource[]", kind: "list" },
  "alloy.extraArgs": { ts: "string[]", kind: "list" },
  "alloy.extraPorts": { ts: "AlloyExtraPort[]", kind: "list" },
  "alloy.hostAliases": { ts: "HostAlias[]", kind: "list" },
  "alloy.mounts.extra": { ts: "VolumeMount[]", kind: "list" },
  "alloy.securityContext": { ts: "SecurityContext", kind: "map" },
  "alloy.resources": { ts: "ResourceRequirements", kind: "map" },
  "alloy.lifecycle": { ts: "KubeObject", kind: "map" },
  "alloy.livenessProbe": { ts: "KubeObject", kind: "map" },
  "image.tag": { ts: "string | null", kind: "string?" },
  "image.digest": { ts: "string | null", kind: "string?" },
  "image.pullPolicy": { ts: '"Always" | "IfNotPresent" | "Never"', kind: "string" },
  "image.pullSecrets": { ts: "LocalObjectReference[]", kind: "list" },
  "rbac.namespaces": { ts: "string[]", kind: "list" },
  "rbac.rules": { ts: "PolicyRule[]", kind: "list" },
  "rbac.clusterRules": { ts: "PolicyRule[]", kind: "list" },
  "serviceAccount.additionalLabels": { ts: "Record<string, string>", kind: "map" },
  "serviceAccount.annotations": { ts: "Record<string, string>", kind: "map" },
  "serviceAccount.name": { ts: "string | null", kind: "string?" },
  "configReloader.customArgs": { ts: "string[]", kind: "list" },
  "configReloader.resources": { ts: "ResourceRequirements", kind: "map" },
  "configReloader.securityContext": { ts: "SecurityContext", kind: "map" },
  "controller.type": { ts: '"daemonset" | "deployment" | "statefulset"', kind: "string" },
  "controller.extraLabels": { ts: "Record<string, string>", kind: "map" },
  "controller.extraAnnotations": { ts: "Record<string, string>", kind: "map" },
  "controller.dnsPolicy": { ts: '"ClusterFirst" | "ClusterFirstWithHostNet" | "Default" | "None"', kind: "string" },
  "controller.terminationGracePeriodSeconds": { ts: "number | null", kind: "number?" },
  "controller.updateStrategy": { ts: "UpdateStrategy", kind: "map" },
  "controller.nodeSelector": { ts: "Record<string, string>", kind: "map" },
  "controller.tolerations": { ts: "Toleration[]", kind: "list" },
  "controller.topologySpreadConstraints": { ts: "KubeObject[]", kind: "list" },
  "controller.podAnnotations": { ts: "Record<string, string>", kind: "map" },
  "controller.podLabels": { ts: "Record<string, string>", kind: "map" },
  "controller.podDisruptionBudget.minAvailable": { ts: "number | string | null", kind: "intOrString?" },
  "controller.podDisruptionBudget.maxUnavailable": { ts: "number | string | null", kind: "intOrString?" },
  "controller.autoscaling.scaleDown.policies": { ts: "KubeObject[]", kind: "list" },
  "controller.autoscaling.scaleUp.policies": { ts: "KubeObject[]", kind: "list" },
  "controller.autoscaling.horizontal.scaleDown.policies": { ts: "KubeObject[]", kind: "list" },
  "controller.autoscaling.horizontal.scaleUp.policies": { ts: "KubeObject[]", kind: "list" },
  "controller.autoscaling.vertical.recommenders": { ts: "{ name: string }[]", kind: "list" },
  "controller.autoscaling.vertical.resourcePolicy.containerPolicies": { ts: "KubeObject[]", kind: "list" },
  // Only comments under it in values.yaml; templates/vpa.yaml copies it with toYaml.
  "controller.autoscaling.vertical.updatePolicy": { ts: "{ minReplicas?: number; updateMode?: string } | null", kind: "map" },
  "controller.affinity": { ts: "KubeObject", kind: "map" },
  "controller.volumes.extra": { ts: "Volume[]", kind: "list" },
  "controller.volumeClaimTemplates": { ts: "KubeObject[]", kind: "list" },
  "controller.initContainers": { ts: "KubeObject[]", kind: "list" },
  "controller.extraContainers": { ts: "KubeObject[]", kind: "list" },
  "networkPolicy.policyTypes": { ts: '("Ingress" | "Egress")[]', kind: "list" },
  "networkPolicy.ingress": { ts: "KubeObject[] | null", kind: "list?" },
  "networkPolicy.egress": { ts: "KubeObject[] | null", kind: "list?" },
  "service.annotations": { ts: "Record<string, string>", kind: "map" },
  "serviceMonitor.additionalLabels": { ts: "Record<string, string>", kind: "map" },
  "serviceMonitor.metricRelabelings": { ts: "KubeObject[]", kind: "list" },
  "serviceMonitor.relabelings": { ts: "KubeObject[]", kind: "list" },
  "serviceMonitor.tlsConfig": { ts: "KubeObject", kind: "map" },
  "ingress.annotations": { ts: "Record<string, string>", kind: "map" },
  "ingress.labels": { ts: "Record<string, string>", kind: "map" },
  "ingress.hosts": { ts: "string[]", kind: "list" },
  "ingress.extraPaths": { ts: "KubeObject[]", kind: "list" },
  "ingress.tls": { ts: "KubeObject[]", kind: "list" },
  extraObjects: { ts: "KubeObject[]", kind: "list" },
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

type RuntimeKind =
  | "object"
  | "map"
  | "list"
  | "list?"
  | "string"
  | "string?"
  | "number"
  | "number?"
  | "boolean"
  | "intOrString?";

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
    .map((l) => l.replace(/^#?\s?/, "").replace(/^-- ?/, "").replace(/^\(\w+\) /, ""))
    .filter((l) => l.trim() !== "" && !/^#/.test(l.trim()));
}

function inferLeaf(value: unknown, path: string): { ts: string; kind: RuntimeKind } {
  if (typeof value === "string") return { ts: "string", kind: "string" };
  if (typeof value === "number") return { ts: "number", kind: "number" };
  if (typeof value === "boolean") return { ts: "boolean", kind: "boolean" };
  throw new Error(`values.yaml: no type hint for ${path} (default ${JSON.stringify(value)}); add it to HINTS`);
}

function walk(map: YAMLMap, prefix: string): Field[] {
  const fields: Field[] = [];
  for (const [index, pair] of map.items.entries()) {
    const key = String(isScalar(pair.key) ? pair.key.value : pair.key);
    const p = prefix ? `${prefix}.${key}` : key;
    if (EXCLUDED.has(p)) continue;
    const value = pair.value as Node | null;
    const hint = HINTS[p];
    const defaultValue = value && "toJSON" in value ? (value as { toJSON(): unknown }).toJSON() : null;
    const doc = docOf(pair, map, index);
    if (hint) {
      fields.push({ key, path: p, doc, defaultValue, ...hint });
    } else if (isMap(value) && value.items.length > 0) {
      fields.push({ key, path: p, doc, defaultValue: undefined, ts: "", kind: "object", children: walk(value, p) });
    } else if (isSeq(value) || isMap(value) || value === null || (isScalar(value) && value.value === null)) {
      throw new Error(`values.yaml: no type hint for ${p} (default ${JSON.stringify(defaultValue)}); add it to HINTS`);
    } else {
      fields.push({ key, path: p, doc, defaultValue, ...inferLeaf(defaultValue, p) });
    }
  }
  for (const [p, extra] of Object.entries(TEMPLATE_ONLY)) {
    const parent = p.slice(0, p.lastIndexOf("."));
    if (parent === prefix) {
      fields.push({ key: p.slice(parent.length + 1), path: p, doc: [extra.doc], defaultValue: undefined, ts: extra.ts, kind: extra.kind });
    }
  }
  return fields;
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

function main(): void {
  const input = process.argv[2];
  if (!input) {
    console.error("usage: npm run generate:chart-types -- <path to grafana/alloy 1.4.0 values.yaml>");
    process.exit(2);
  }
  const doc = parseDocument(readFileSync(input, "utf8"));
  if (!isMap(doc.contents)) throw new Error(`${input}: not a YAML map`);
  const fields = walk(doc.contents, "");
  const k8sTypes = [
    "AlloyExtraPort",
    "EnvFromSource",
    "EnvVar",
    "HostAlias",
    "KubeObject",
    "LocalObjectReference",
    "PodSecurityContext",
    "PolicyRule",
    "ResourceRequirements",
    "SecurityContext",
    "Toleration",
    "UpdateStrategy",
    "Volume",
    "VolumeMount",
  ];
  const paths = flatten(fields);
  const out = `// GENERATED by scripts/generate-chart-types.ts from the values.yaml of the
// grafana/alloy Helm chart ${CHART_VERSION} (tag helm-chart/${CHART_VERSION} of grafana/alloy,
// operations/helm/charts/alloy). Do not edit by hand: regenerate instead.
import type { ${k8sTypes.join(", ")} } from "./k8s-types";

/** The chart version these types describe. */
export const ALLOY_CHART_VERSION = ${JSON.stringify(CHART_VERSION)};

/**
 * Values of the grafana/alloy ${CHART_VERSION} chart. Every key the chart reads,
 * and no other: a key at the wrong path is a compile error.
 */
export type AlloyChartValues = ${renderType(fields, "")};

/**
 * What the chart accepts at each path, for validating values that arrive at
 * run time (stack config). \`object\` has the listed children only; \`map\`
 * is free-form (copied with toYaml); a \`?\` suffix allows null.
 */
export type ChartValueKind = ${[...new Set(paths.map(([, k]) => k))].sort().map((k) => JSON.stringify(k)).join(" | ")};

export const ALLOY_CHART_PATHS: Readonly<Record<string, ChartValueKind>> = {
${paths.map(([p, k]) => `  ${JSON.stringify(p)}: ${JSON.stringify(k)},`).join("\n")}
};
`;
  writeFileSync(OUTPUT, out);
  console.log(`wrote ${path.relative(process.cwd(), OUTPUT)}: ${paths.length} paths`);
}

main();
