/**
 * Parses and validates a stack's configuration once, into a typed StackConfig.
 * Every problem is collected and reported together, each naming the stack
 * key, the value found and what is expected, before any resource exists.
 */
import { z } from "zod";
import { checkChartOverrides } from "../chart/overrides";
import { PROGRAM_OWNED_PATHS } from "../chart/values";
import { nearest } from "../lib/nearest";
import { PROJECT, stackConfigSchema, type StackConfig } from "./schema";

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

function valueAt(root: unknown, path: Path): unknown {
  let value = root;
  for (const part of path) {
    if (typeof value !== "object" || value === null) return undefined;
    value = (value as Record<PropertyKey, unknown>)[part];
  }
  return value;
}

function show(value: unknown): string {
  if (value === undefined) return "nothing";
  const text = JSON.stringify(value);
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

/** Unwraps default/optional/pipe wrappers to reach the schema that describes the value itself. */
function innerSchema(schema: z.ZodType): z.ZodType {
  let current = schema;
  for (;;) {
    if (current instanceof z.ZodDefault || current instanceof z.ZodPrefault || current instanceof z.ZodOptional) {
      current = current.unwrap() as z.ZodType;
    }
    else return current;
  }
}

/** The schema of the value at a path, as declared (with its default and description). */
function schemaAt(path: Path): z.ZodType | undefined {
  let schema: z.ZodType | undefined = stackConfigSchema;
  for (const part of path) {
    const inner: z.ZodType | undefined = schema && innerSchema(schema);
    if (inner instanceof z.ZodObject) schema = inner.shape[String(part)] as z.ZodType | undefined;
    else if (inner instanceof z.ZodArray && typeof part === "number") schema = inner.element as z.ZodType;
    else schema = undefined;
  }
  return schema;
}

/** The keys allowed at a path of the schema, for "did you mean" suggestions. */
function keysAt(path: Path): string[] {
  const schema = schemaAt(path);
  const inner = schema && innerSchema(schema);
  return inner instanceof z.ZodObject ? Object.keys(inner.shape) : [];
}

function unknownKey(path: Path): string {
  const key = String(path[path.length - 1]);
  const valid = keysAt(path.slice(0, -1));
  const suggestion = nearest(key, valid);
  return suggestion
    ? `${stackKey(path)}: unknown key; did you mean ${stackKey([...path.slice(0, -1), suggestion])}?`
    : `${stackKey(path)}: unknown key; expected one of ${valid.join(", ")}`;
}

/**
 * Pulumi hands config to the program as strings: plain strings for scalars
 * (`alloy-logs:tenantId: ops` arrives as `ops`, `true` as `true`), JSON for
 * objects and lists. Keys whose schema is a string keep the raw text, so a
 * tenant `123` stays a string; the others are decoded from JSON.
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

/**
 * Validates the project's keys of a stack config (as `pulumi.runtime.allConfig()`
 * returns it: `alloy-logs:<key>` -> string) and applies the defaults.
 * Keys of other namespaces (`kubernetes:`, `aws:`) are left to their providers.
 * @throws StackConfigError listing every problem.
 */
export interface ParseOptions {
  /** Keys whose value Pulumi holds as secret (set with `pulumi config set --secret`). */
  secretKeys?: readonly string[];
  /** Tenant of each other stack of the project, by stack name. */
  otherStackTenants?: Readonly<Record<string, string>>;
}

/** Credential fields: their values are never shown in a message. */
const CREDENTIAL_PATHS = ["lokiAuth.username", "lokiAuth.password", "lokiAuth.token"];

export function parseStackConfig(stack: string, allConfig: Readonly<Record<string, string>>, options: ParseOptions = {}): StackConfig {
  const input: Record<string, unknown> = {};
  for (const [fullKey, raw] of Object.entries(allConfig)) {
    if (fullKey.startsWith(`${PROJECT}:`)) {
      const key = fullKey.slice(PROJECT.length + 1);
      input[key] = decode(key, raw);
    }
  }

  const problems: string[] = [];
  const parsed = stackConfigSchema.safeParse(input);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      if (issue.code === "unrecognized_keys") {
        for (const key of issue.keys) problems.push(unknownKey([...issue.path, key]));
        continue;
      }
      const value = CREDENTIAL_PATHS.includes(issue.path.join(".")) && valueAt(input, issue.path) !== undefined ? "[secret]" : valueAt(input, issue.path);
      // zod's own messages read "Invalid input: expected object, received string".
      const text = issue.message.replace(/^Invalid input: /, "");
      const message = text.startsWith("expected") ? text : `expected ${text}`;
      const description = issue.code === "invalid_type" ? schemaAt(issue.path)?.meta()?.description : undefined;
      problems.push(
        value === undefined
          ? `${stackKey(issue.path)}: missing; ${message}${description ? ` (${description})` : ""}`
          : `${stackKey(issue.path)}: got ${show(value)}; ${message}`,
      );
    }
  }
  const overrides = input.chartOverrides;
  if (typeof overrides === "object" && overrides !== null && !Array.isArray(overrides)) {
    for (const problem of checkChartOverrides(overrides as Record<string, unknown>, PROGRAM_OWNED_PATHS)) {
      const path = ["chartOverrides", ...problem.path];
      problems.push(`${stackKey(path)}: got ${problem.shown ?? show(valueAt(input, path))}; ${problem.message}`);
    }
  }
  if (parsed.success) problems.push(...crossChecks(stack, parsed.data, options));
  if (problems.length > 0) throw new StackConfigError(stack, problems);
  return parsed.data!;
}

/** Checks that need more than the value itself: secrecy, and the other stacks. */
function crossChecks(stack: string, config: StackConfig, options: ParseOptions): string[] {
  const problems: string[] = [];
  const auth = config.lokiAuth;
  if (auth.type !== "none" && !(options.secretKeys ?? []).includes(`${PROJECT}:lokiAuth`)) {
    const field = auth.type === "basic" ? "password" : "token";
    problems.push(
      `${stackKey(["lokiAuth", field])}: got a plain-text value; expected a Pulumi secret, so it is encrypted in Pulumi.${stack}.yaml and in state: ` +
        `pulumi config set --secret --path '${PROJECT}:lokiAuth.${field}' <value>`,
    );
  }
  for (const [other, tenant] of Object.entries(options.otherStackTenants ?? {}).sort()) {
    if (tenant === config.tenantId) {
      problems.push(
        `${stackKey(["tenantId"])}: got ${JSON.stringify(tenant)}; expected a tenant no other stack uses, but Pulumi.${other}.yaml uses it too (each cluster's logs belong in its own tenant)`,
      );
    }
  }
  return problems;
}
