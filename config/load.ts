/**
 * Parses and validates a stack's configuration once, into a typed StackConfig.
 * Every problem is collected and reported together, each naming the stack
 * key, the value as the user wrote it and what is expected, before any
 * resource exists. A value held as a secret is never shown.
 */
import { z } from "zod";
import { checkChartOverrides } from "./chart/overrides";
import { PROGRAM_OWNED_PATHS } from "./chart/owned";
import { editDistance, nearest } from "../lib/nearest";
import { SECRET_TEXT } from "./engine-form";
import { PROJECT, stackConfigSchema, type StackConfig } from "./schema";
import type { OtherStack } from "./stack-file";

export class StackConfigError extends Error {
  constructor(
    readonly stack: string,
    readonly problems: readonly string[],
  ) {
    super(
      `Invalid configuration for stack "${stack}" (Pulumi.${stack}.yaml), nothing was deployed:\n` +
        problems.map((p) => `  - ${p}`).join("\n"),
    );
    this.name = "StackConfigError";
  }
}

type Path = readonly PropertyKey[];

/** `alloy-logs:resources.limits.memory` */
export function stackKey(path: Path): string {
  const [top, ...rest] = path.map(String);
  return `${PROJECT}:${[top, ...rest].join(".")}`;
}

/** The value at `path` under `root`, undefined where the path leaves the objects. */
export function valueAt(root: unknown, path: Path): unknown {
  let value = root;
  for (const part of path) {
    if (typeof value !== "object" || value === null) return undefined;
    value = (value as Record<PropertyKey, unknown>)[part];
  }
  return value;
}

/** Characters a message cannot show as they are: C0 and C1 controls, DEL, and the line and paragraph separators. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

/**
 * A value as the user wrote it, shortened, and always a YAML scalar equal to it, so never ambiguous:
 * a string in double quotes as it is; one with a quote or a backslash in single quotes, where YAML escapes
 * nothing (`'\Z'`, `'ops"'`; a ' is doubled); one with a newline or another control character as a JSON
 * string, the double-quoted YAML that escapes it. Other values as JSON; a number JSON cannot hold (1e400
 * read by JavaScript) keeps its text.
 */
export function show(value: unknown): string {
  if (value === undefined) return "nothing";
  let text: string;
  if (typeof value === "string" && !UNPRINTABLE.test(value)) {
    text = /["\\]/.test(value) ? `'${value.replace(/'/g, "''")}'` : `"${value}"`;
  } else {
    text = typeof value === "number" && !Number.isFinite(value) ? String(value) : JSON.stringify(value);
  }
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

/** Unwraps default/optional wrappers to reach the schema that describes the value itself. */
function innerSchema(schema: z.ZodType): z.ZodType {
  let current = schema;
  for (;;) {
    if (current instanceof z.ZodDefault || current instanceof z.ZodPrefault || current instanceof z.ZodOptional) {
      current = current.unwrap() as z.ZodType;
    } else return current;
  }
}

/** The option of a discriminated union that a value selects by its `type`, or undefined. */
function unionOption(schema: z.ZodType, value: unknown): z.ZodType | undefined {
  if (!(schema instanceof z.ZodDiscriminatedUnion)) return undefined;
  const discriminator = schema.def.discriminator;
  const wanted = (value as Record<string, unknown> | undefined)?.[discriminator];
  return (schema.options as z.ZodType[]).find((option) => {
    const field = option instanceof z.ZodObject ? (option.shape[discriminator] as z.ZodType | undefined) : undefined;
    return field instanceof z.ZodLiteral && field.values.has(wanted as never);
  });
}

/** The schema of the value at a path, as declared (with its default and description), for this input. */
function schemaAt(path: Path, input: unknown): z.ZodType | undefined {
  let schema: z.ZodType | undefined = stackConfigSchema;
  for (let i = 0; i < path.length && schema; i++) {
    let inner: z.ZodType = innerSchema(schema);
    inner = unionOption(inner, valueAt(input, path.slice(0, i))) ?? inner;
    const part = path[i];
    if (inner instanceof z.ZodObject) schema = inner.shape[String(part)] as z.ZodType | undefined;
    else if (inner instanceof z.ZodArray && typeof part === "number") schema = inner.element as z.ZodType;
    else if (inner instanceof z.ZodRecord) schema = inner.valueType as z.ZodType;
    else schema = undefined;
  }
  return schema;
}

/** The keys allowed at a path, for "did you mean" suggestions: a union's chosen option, else all its options'. */
function keysAt(path: Path, input: unknown): string[] {
  const schema = schemaAt(path, input);
  if (!schema) return [];
  const inner = innerSchema(schema);
  const option = unionOption(inner, valueAt(input, path));
  const objects = option ? [option] : inner instanceof z.ZodDiscriminatedUnion ? (inner.options as z.ZodType[]) : [inner];
  return [...new Set(objects.flatMap((o) => (o instanceof z.ZodObject ? Object.keys(o.shape) : [])))];
}

function unknownKey(path: Path, input: unknown): string {
  const key = String(path[path.length - 1]);
  const valid = keysAt(path.slice(0, -1), input);
  const suggestion = nearest(key, valid);
  if (suggestion) return `${stackKey(path)}: unknown key; did you mean ${stackKey([...path.slice(0, -1), suggestion])}?`;
  return valid.length > 0 ? `${stackKey(path)}: unknown key; expected one of ${valid.join(", ")}` : `${stackKey(path)}: unknown key`;
}

/**
 * Pulumi hands config to the program as strings: plain strings for scalars
 * (`alloy-logs:tenantId: ops` arrives as `ops`, `true` as `true`), JSON for
 * objects and lists (config/engine-form.ts). Keys whose schema is a string
 * keep the raw text, so a tenant `123` stays a string; the others are
 * decoded from JSON.
 */
function decode(key: string, raw: string): unknown {
  const schema = stackConfigSchema.shape[key as keyof typeof stackConfigSchema.shape] as z.ZodType | undefined;
  if (schema && innerSchema(schema) instanceof z.ZodString) return raw;
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

const DECIMAL = /^[-+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]+)?$/;

/**
 * Reads each value as the engine delivers it for its schema: a number where
 * text is expected (`cpu: 1`, `grafana_dashboard: 1`) is that text, and
 * `pulumi config set --path ... 0.5` stores a fraction as the string "0.5"
 * where a number is expected (only integers and booleans are stored typed).
 */
function coerce(value: unknown, schema: z.ZodType | undefined): unknown {
  if (!schema) return value;
  const inner = innerSchema(schema);
  if (inner instanceof z.ZodString && typeof value === "number" && Number.isFinite(value)) return String(value);
  if (inner instanceof z.ZodNumber && typeof value === "string" && DECIMAL.test(value) && Number.isFinite(Number(value)))
    return Number(value);
  if (inner instanceof z.ZodBoolean && (value === "true" || value === "false")) return value === "true";
  if (typeof value !== "object" || value === null) return value;
  if (inner instanceof z.ZodArray && Array.isArray(value)) return value.map((item) => coerce(item, inner.element as z.ZodType));
  if (Array.isArray(value)) return value;
  const record = value as Record<string, unknown>;
  if (inner instanceof z.ZodRecord) {
    return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, coerce(v, inner.valueType as z.ZodType)]));
  }
  const object = unionOption(inner, value) ?? inner;
  if (object instanceof z.ZodObject) {
    return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, coerce(v, object.shape[k] as z.ZodType | undefined)]));
  }
  return value;
}

export interface ParseOptions {
  /** Keys whose value Pulumi holds as secret (set with `pulumi config set --secret`), as the engine lists them. */
  secretKeys?: readonly string[];
  /** Tenant of each other stack of the project, by stack name (kept for callers of the first interface). */
  otherStackTenants?: Readonly<Record<string, string>>;
  /** What each other stack's file says about its tenant and cluster (config/stack-file.ts otherStacks). */
  otherStacks?: Readonly<Record<string, OtherStack>>;
  /** Told about what the plan could not see (a secret encrypted as a whole); never given a value. */
  warn?: (message: string) => void;
}

/** The only key that may be a secret: its values go to a Kubernetes Secret, never into the ConfigMap, values or plan. */
const SECRET_KEY = "lokiAuth";

/** Whether a value at this path may be shown: nothing under lokiAuth but its type, nothing under a secret key. */
function hidden(path: Path, secretTops: ReadonlySet<string>): boolean {
  const top = String(path[0]);
  if (secretTops.has(top)) return true;
  return top === SECRET_KEY && !(path.length === 2 && path[1] === "type");
}

/** A namespace that is almost ours (`alloy_logs`, `alloylogs`, `Alloy-Logs`, `alloy-log`): a typo whose keys nobody reads. */
function looksLikeProject(namespace: string): boolean {
  const squash = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, "");
  return namespace !== PROJECT && (squash(namespace) === squash(PROJECT) || editDistance(namespace.toLowerCase(), PROJECT) <= 2);
}

/**
 * Validates the project's keys of a stack config (as `pulumi.runtime.allConfig()`
 * returns it: `alloy-logs:<key>` -> string) and applies the defaults.
 * Keys of other namespaces (`kubernetes:`, `aws:`) are left to their providers.
 * @throws StackConfigError listing every problem.
 */
export function parseStackConfig(stack: string, allConfig: Readonly<Record<string, string>>, options: ParseOptions = {}): StackConfig {
  const problems: string[] = [];
  const secretTops = new Set((options.secretKeys ?? []).filter((k) => k.startsWith(`${PROJECT}:`)).map((k) => k.slice(PROJECT.length + 1)));
  const input: Record<string, unknown> = {};
  for (const [fullKey, raw] of Object.entries(allConfig)) {
    const colon = fullKey.indexOf(":");
    const namespace = fullKey.slice(0, colon);
    const key = fullKey.slice(colon + 1);
    if (namespace === PROJECT) input[key] = decode(key, raw);
    else if (looksLikeProject(namespace)) {
      problems.push(`${fullKey}: unknown namespace "${namespace}", so no program reads this key; did you mean ${PROJECT}:${key}?`);
    }
  }

  for (const key of [...secretTops].sort()) {
    if (key === SECRET_KEY) continue;
    if (!(key in input)) continue;
    problems.push(
      `${stackKey([key])}: got a secret; expected plain text: this value is written into the Alloy ConfigMap, the chart values and the plan, ` +
        `where a secret would be exposed. Only ${PROJECT}:${SECRET_KEY} holds secrets: pulumi config set ${PROJECT}:${key} <value>`,
    );
  }
  if (secretTops.has(SECRET_KEY) && input[SECRET_KEY] === SECRET_TEXT) {
    // Encrypted as a whole (`pulumi config set --secret alloy-logs:lokiAuth '<json>'`): the engine decrypts
    // it for `pulumi preview`/`up`; offline nothing can, so the plan is made without credentials and says so.
    delete input[SECRET_KEY];
    options.warn?.(
      `${stackKey([SECRET_KEY])} is a secret encrypted as a whole, which only the Pulumi engine can decrypt: this plan is made without Loki credentials. ` +
        `Set the type in plain text and each credential as a secret to see it planned: pulumi config set --path ${PROJECT}:${SECRET_KEY}.type basic; ` +
        `pulumi config set --secret --path ${PROJECT}:${SECRET_KEY}.password <value>`,
    );
  }

  const refusedSecret = (path: Path) => String(path[0]) !== SECRET_KEY && secretTops.has(String(path[0]));
  const coerced = coerce(input, stackConfigSchema) as Record<string, unknown>;
  const parsed = stackConfigSchema.safeParse(coerced);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      // A secret outside lokiAuth is already refused as a whole; its contents are not discussed.
      if (issue.path.length > 0 && refusedSecret(issue.path)) continue;
      if (issue.code === "unrecognized_keys") {
        for (const key of issue.keys) problems.push(unknownKey([...issue.path, key], input));
        continue;
      }
      if (issue.code === "invalid_key") {
        // A map key that breaks the key rule: show the key, with the key rule's own message.
        const keyIssue = issue.issues[0];
        problems.push(
          `${stackKey(issue.path)}: got ${show(String(issue.path[issue.path.length - 1]))}; ${keyIssue?.message ?? issue.message}`,
        );
        continue;
      }
      let path: Path = issue.path;
      // zod's own messages read "Invalid input: expected object, received string".
      let text = issue.message.replace(/^Invalid input: /, "");
      const blame = issue.code === "custom" ? (issue.params?.unsetBlame as { path: string[]; message: string } | undefined) : undefined;
      if (blame && valueAt(input, path) === undefined && valueAt(input, blame.path) !== undefined) {
        // A relation between two keys is blamed on the one the user set, not on a default.
        [path, text] = [blame.path, blame.message];
      }
      const value = valueAt(input, path);
      const message = text.startsWith("expected") ? text : `expected ${text}`;
      const description = issue.code === "invalid_type" ? schemaAt(path, input)?.meta()?.description : undefined;
      problems.push(
        value === undefined
          ? `${stackKey(path)}: missing; ${message}${description ? ` (${description})` : ""}`
          : `${stackKey(path)}: got ${hidden(path, secretTops) ? JSON.stringify(SECRET_TEXT) : show(value)}; ${message}`,
      );
    }
  }
  const overrides = coerced.chartOverrides;
  if (typeof overrides === "object" && overrides !== null && !Array.isArray(overrides) && !refusedSecret(["chartOverrides"])) {
    for (const problem of checkChartOverrides(overrides as Record<string, unknown>, PROGRAM_OWNED_PATHS)) {
      const path = ["chartOverrides", ...problem.path];
      const shown = hidden(path, secretTops) ? JSON.stringify(SECRET_TEXT) : (problem.shown ?? show(valueAt(input, path)));
      problems.push(`${stackKey(path)}: got ${shown}; ${problem.message}`);
    }
  }
  if (parsed.success) problems.push(...crossChecks(stack, parsed.data, options, secretTops));
  if (problems.length > 0) throw new StackConfigError(stack, problems);
  return parsed.data!;
}

/** Checks that need more than the value itself: secrecy, and the other stacks. */
function crossChecks(stack: string, config: StackConfig, options: ParseOptions, secretTops: ReadonlySet<string>): string[] {
  const problems: string[] = [];
  const auth = config.lokiAuth;
  if (auth.type !== "none" && !secretTops.has(SECRET_KEY)) {
    const field = auth.type === "basic" ? "password" : "token";
    problems.push(
      `${stackKey([SECRET_KEY, field])}: got a plain-text value; expected a Pulumi secret, so it is encrypted in Pulumi.${stack}.yaml and in state: ` +
        `pulumi config set --secret --path '${PROJECT}:${SECRET_KEY}.${field}' <value>`,
    );
  }
  const others: Record<string, OtherStack> = {};
  for (const [other, tenantId] of Object.entries(options.otherStackTenants ?? {})) others[other] = { tenantId };
  for (const [other, identity] of Object.entries(options.otherStacks ?? {})) others[other] = { ...others[other], ...identity };
  for (const [other, identity] of Object.entries(others).sort(([a], [b]) => a.localeCompare(b))) {
    if (identity.error !== undefined) {
      problems.push(`${identity.error} (every stack file is read, to check that no two stacks share a tenant or a cluster)`);
      continue;
    }
    const clash = (key: string, value: string, what: string) =>
      `${stackKey(key.split("."))}: got ${show(value)}; expected ${what}, but Pulumi.${other}.yaml uses it too`;
    const plain = (key: string) => !secretTops.has(key);
    if (plain("tenantId") && identity.tenantId === config.tenantId) {
      problems.push(clash("tenantId", config.tenantId, "a tenant no other stack uses") + " (each cluster's logs belong in its own tenant)");
    }
    if (plain("clusterName") && identity.clusterName === config.clusterName) {
      problems.push(
        clash("clusterName", config.clusterName, "a cluster name no other stack uses") +
          " (the cluster label must tell the clusters' logs apart)",
      );
    }
    const mine = plain("eks") && plain("kubeconfigContext") ? clusterOf(config.eks, config.kubeconfigContext) : undefined;
    const theirs = clusterOf(identity.eks, identity.kubeconfigContext);
    const how = mine && theirs && sameCluster(mine, theirs);
    if (mine && theirs && how !== undefined) {
      const what = mine.key === "eks.name" ? "an EKS cluster no other stack deploys to" : "a cluster no other stack deploys to";
      problems.push(
        `${stackKey(mine.key.split("."))}: got ${show(mine.value)}; expected ${what}, but it is the cluster Pulumi.${other}.yaml deploys to ` +
          `(${theirs.shown}${how ? `; ${how}` : ""}). Two stacks would own one release: the second fails with AlreadyExists or takes it over. ` +
          `Point this stack at its own cluster`,
      );
    }
  }
  return problems;
}

/** How a stack reaches its cluster, as far as its file says: by EKS name and region, or by kubeconfig context. */
interface ClusterRef {
  /** The stack key that names the cluster. */
  key: "eks.name" | "kubeconfigContext";
  value: string;
  /** The EKS cluster, from `eks` or from a context that is an EKS ARN (the account only from an ARN). */
  eks?: { name: string; region?: string; account?: string };
  context?: string;
  /** The route as a message shows it. */
  shown: string;
}

/** The context name `aws eks update-kubeconfig` gives a cluster without --alias. */
const EKS_CONTEXT_ARN = /^arn:aws[a-z-]*:eks:([a-z0-9-]+):(\d{12}):cluster\/([^/]+)$/;

function clusterOf(eks: { name?: string; region?: string } | undefined, context: string | undefined): ClusterRef | undefined {
  if (context !== undefined) {
    const arn = EKS_CONTEXT_ARN.exec(context);
    return {
      key: "kubeconfigContext",
      value: context,
      context,
      ...(arn && { eks: { name: arn[3], region: arn[1], account: arn[2] } }),
      shown: `${PROJECT}:kubeconfigContext ${show(context)}`,
    };
  }
  if (eks?.name === undefined) return undefined;
  return {
    key: "eks.name",
    value: eks.name,
    eks: { name: eks.name, region: eks.region },
    shown: `${PROJECT}:eks ${eks.name} in ${eks.region}`,
  };
}

/**
 * Whether two stacks reach one cluster: the same context; the same EKS name and region (by `eks` or by the
 * context ARN of `aws eks update-kubeconfig`; two ARNs also by account); or a context that is the alias
 * `aws eks update-kubeconfig --alias <name>` gives an EKS cluster (the command verify prints uses the name).
 * Returns undefined for two clusters, else why they are one ("" when the stacks name it alike).
 */
function sameCluster(a: ClusterRef, b: ClusterRef): string | undefined {
  if (a.context !== undefined && a.context === b.context) return "";
  if (a.eks && b.eks && a.eks.name === b.eks.name && a.eks.region === b.eks.region) {
    if (a.eks.account !== undefined && b.eks.account !== undefined && a.eks.account !== b.eks.account) return undefined;
    const arn = [a, b].find((ref) => ref.context !== undefined && ref.eks);
    return arn ? `aws eks update-kubeconfig names its context ${arn.context}` : "";
  }
  for (const [alias, named] of [
    [a, b],
    [b, a],
  ]) {
    if (alias.context !== undefined && !alias.eks && named.eks && alias.context === named.eks.name) {
      return `aws eks update-kubeconfig --alias ${named.eks.name} names its context ${alias.context}`;
    }
  }
  return undefined;
}
