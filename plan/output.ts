/**
 * What a reviewer reads from a plan: the exact Helm values, the exact Alloy
 * configuration, every resource with its inputs (secrets redacted), and a
 * short human summary. Deterministic, so the golden files can be diffed.
 */
import { stringify } from "yaml";
import type { AlloyChartValues } from "../config/chart/alloy-values.generated";
import { unescapeHelmTemplate } from "../chart/values";
import { EVENTS_RELEASE_NAME } from "../chart/events-values";
import { RELEASE_NAME } from "../config/chart/owned";
import type { PlannedResource, PlanResult } from "./resources";

export { SECRET_TEXT } from "./resources";

export const CHART_TYPE = "kubernetes:helm.sh/v4:Chart";

/** Plain JSON data: SecretValue becomes "[secret]". */
function redacted<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** The Chart of a release (the DaemonSet's by default), or undefined when `optional` and absent. */
function chartOf(plan: PlanResult, release?: string): PlannedResource;
function chartOf(plan: PlanResult, release: string, optional: true): PlannedResource | undefined;
function chartOf(plan: PlanResult, release = RELEASE_NAME, optional = false): PlannedResource | undefined {
  const charts = plan.resources.filter((r) => r.type === CHART_TYPE && (r.inputs as { name?: string }).name === release);
  if (charts.length === 0 && optional) return undefined;
  if (charts.length !== 1) throw new Error(`expected one ${CHART_TYPE} of release ${release} in the plan, found ${charts.length}`);
  return charts[0];
}

/** The values given to the chart, secrets redacted. */
export function chartValues(plan: PlanResult): AlloyChartValues {
  return redacted(chartOf(plan).inputs.values) as AlloyChartValues;
}

/** The Alloy configuration as Alloy will read it (after the chart's `tpl`). */
export function alloyConfig(plan: PlanResult): string {
  const content = chartValues(plan).alloy?.configMap?.content;
  if (typeof content !== "string") throw new Error("the chart values have no alloy.configMap.content");
  return unescapeHelmTemplate(content);
}

export function valuesYaml(plan: PlanResult): string {
  return stringify(chartValues(plan), { sortMapEntries: true, lineWidth: 0 });
}

// --- events: the alloy-events release (issue 21) ------------------------------

/** The values given to the events collector's chart, or undefined when events are off. */
export function eventsChartValues(plan: PlanResult): AlloyChartValues | undefined {
  const chart = chartOf(plan, EVENTS_RELEASE_NAME, true);
  return chart && (redacted(chart.inputs.values) as AlloyChartValues);
}

/** The events collector's Alloy configuration as Alloy reads it, or undefined when events are off. */
export function eventsAlloyConfig(plan: PlanResult): string | undefined {
  const values = eventsChartValues(plan);
  if (values === undefined) return undefined;
  const content = values.alloy?.configMap?.content;
  if (typeof content !== "string") throw new Error("the events chart values have no alloy.configMap.content");
  return unescapeHelmTemplate(content);
}

export function eventsValuesYaml(plan: PlanResult): string | undefined {
  const values = eventsChartValues(plan);
  return values && stringify(values, { sortMapEntries: true, lineWidth: 0 });
}

// --- end events ----------------------------------------------------------------

export function resourcesJson(plan: PlanResult): string {
  return `${JSON.stringify(redacted(plan.resources), null, 2)}\n`;
}

function leaves(value: unknown, path: string[], out: [string, unknown][]): [string, unknown][] {
  if (typeof value === "object" && value !== null && !Array.isArray(value) && Object.keys(value).length > 0) {
    for (const key of Object.keys(value).sort()) leaves((value as Record<string, unknown>)[key], [...path, key], out);
  } else {
    out.push([path.join("."), value]);
  }
  return out;
}

function labelText(labels: Record<string, string> | undefined): string {
  return (
    Object.entries(labels ?? {})
      .map(([k, v]) => `${k}=${v}`)
      .join(",") || "(none)"
  );
}

/** The input fields the summary reads, as the engine received them. */
interface SummaryInputs {
  context?: string;
  kubeconfig?: string;
  region?: string;
  assumeRoles?: unknown;
  rules?: { verbs: string[]; resources: string[] }[];
  subjects?: { kind: string; namespace: string; name: string }[];
  spec?: { groups?: { rules: unknown[] }[] };
  metadata?: { labels?: Record<string, string>; namespace?: string };
  data?: Record<string, unknown>;
  chart?: string;
  version?: string;
  repositoryOpts?: { repo?: string };
  namespace?: string;
}

function describe(resource: PlannedResource): string {
  const i = resource.inputs as SummaryInputs;
  switch (resource.type) {
    case "pulumi:providers:kubernetes": {
      if (i.context) return `kubeconfig context ${JSON.stringify(i.context)}`;
      const kubeconfig = JSON.parse(String(i.kubeconfig)) as { users: { user: { exec: { command: string; args: string[] } } }[] };
      const exec = kubeconfig.users[0].user.exec;
      return `kubeconfig from the EKS API; token: ${exec.command} ${exec.args.join(" ")}`;
    }
    case "pulumi:providers:aws":
      return `region ${i.region ?? ""}${i.assumeRoles ? `, assuming ${JSON.stringify(i.assumeRoles)}` : ""}`;
    case "kubernetes:core/v1:Namespace":
      return resource.read
        ? "read only: must already exist; never modified or deleted"
        : `created${resource.options.retainOnDelete ? "; retained on destroy or rename (retainOnDelete)" : ""}`;
    case "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole":
      return (i.rules ?? []).map((r) => `${r.verbs.join(",")} ${r.resources.join(",")}`).join("; ");
    case "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding":
      return (i.subjects ?? []).map((s) => `${s.kind} ${s.namespace}/${s.name}`).join(", ");
    case "kubernetes:monitoring.coreos.com/v1:PrometheusRule": {
      const alerts = (i.spec?.groups ?? []).reduce((n, g) => n + g.rules.length, 0);
      return `${alerts} alerts; labels ${labelText(i.metadata?.labels)}`;
    }
    case "kubernetes:core/v1:ConfigMap":
      return `dashboard ${Object.keys(i.data ?? {}).join(", ")}; labels ${labelText(i.metadata?.labels)}`;
    case "kubernetes:core/v1:Secret":
      return `in ${i.metadata?.namespace ?? "?"}; data is secret`;
    case CHART_TYPE:
      return `${i.chart ?? "?"} ${i.version ?? "?"} from ${i.repositoryOpts?.repo ?? "?"} into namespace ${i.namespace ?? "?"}`;
    default:
      return "";
  }
}

/** The plan as a reviewer reads it in a terminal. */
export function summary(plan: PlanResult, stackFile: string): string {
  const lines = [
    `Plan for stack "${plan.stack}" from ${stackFile}: run as \`pulumi preview\` runs it, against an offline stand-in for the engine; nothing was deployed.`,
    "",
    "Resources:",
  ];
  const typeWidth = Math.max(...plan.resources.map((r) => r.type.length));
  const nameWidth = Math.max(...plan.resources.map((r) => r.name.length));
  for (const r of plan.resources) {
    const mark = r.read ? "=" : "+";
    lines.push(`  ${mark} ${r.type.padEnd(typeWidth)}  ${r.name.padEnd(nameWidth)}  ${describe(r)}`.trimEnd());
  }
  lines.push("", "Chart values (alloy.configMap.content is config.alloy):");
  const entries = leaves(chartValues(plan), [], []);
  const pathWidth = Math.max(...entries.map(([p]) => p.length));
  for (const [p, v] of entries) {
    const shown = p === "alloy.configMap.content" ? `(${String(v).split("\n").length} lines)` : JSON.stringify(v);
    lines.push(`  ${p.padEnd(pathWidth)}  ${shown.length > 100 ? `${shown.slice(0, 97)}...` : shown}`);
  }
  lines.push("", "Outputs:");
  for (const [k, v] of Object.entries(redacted(plan.outputs)).sort(([a], [b]) => a.localeCompare(b))) {
    if (typeof v === "object" && v !== null && !Array.isArray(v)) {
      lines.push(
        `  ${k}:`,
        ...Object.entries(v).map(([name, value]) => `    ${name}: ${typeof value === "string" ? value : JSON.stringify(value)}`),
      );
    } else {
      lines.push(`  ${k}: ${JSON.stringify(v)}`);
    }
  }
  return lines.join("\n");
}
