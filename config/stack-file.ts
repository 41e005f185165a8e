/**
 * Reads a `Pulumi.<stack>.yaml` the way the Pulumi CLI hands it to a program:
 * keys without a namespace get the project's, scalars become strings and
 * objects become JSON. Secure (encrypted) values cannot be decrypted offline;
 * they are replaced by a placeholder and their keys reported as secret.
 */
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { PROJECT } from "./schema";

/** What a secret reads as in plan output, and what an encrypted value reads as offline. */
export const SECRET_TEXT = "[secret]";

/** A stack file that is missing or unreadable: a message for people, not a bug. */
export class StackFileError extends Error {
  override name = "StackFileError";
}

export interface StackFileConfig {
  /** `project:key` -> value, as `pulumi.runtime.allConfig()` returns it. */
  config: Record<string, string>;
  /** Keys holding at least one `secure:` value. */
  secretKeys: string[];
}

function isSecure(value: unknown): value is { secure: string } {
  return typeof value === "object" && value !== null && Object.keys(value).length === 1 && "secure" in value;
}

/** Replaces secure values, reporting whether there was one. */
function unwrapSecure(value: unknown): { value: unknown; secret: boolean } {
  if (isSecure(value)) return { value: SECRET_TEXT, secret: true };
  if (Array.isArray(value)) {
    const items = value.map(unwrapSecure);
    return { value: items.map((i) => i.value), secret: items.some((i) => i.secret) };
  }
  if (typeof value === "object" && value !== null) {
    const entries = Object.entries(value).map(([k, v]) => [k, unwrapSecure(v)] as const);
    return { value: Object.fromEntries(entries.map(([k, v]) => [k, v.value])), secret: entries.some(([, v]) => v.secret) };
  }
  return { value, secret: false };
}

export function stackFilePath(rootDir: string, stack: string): string {
  return path.join(rootDir, `Pulumi.${stack}.yaml`);
}

/** Every stack of the project: the <name> of each Pulumi.<name>.yaml in rootDir. */
export function stackNamesIn(rootDir: string): string[] {
  return readdirSync(rootDir)
    .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
    .filter((s): s is string => s !== undefined)
    .sort();
}

/**
 * The tenant of every other stack, from their stack files, so that a stack can
 * be refused a tenant another cluster already writes to.
 */
export function otherStackTenants(rootDir: string, stack: string): Record<string, string> {
  const tenants: Record<string, string> = {};
  for (const other of stackNamesIn(rootDir)) {
    const tenant = other === stack ? undefined : readStackFile(rootDir, other).config[`${PROJECT}:tenantId`];
    if (tenant !== undefined) tenants[other] = tenant;
  }
  return tenants;
}

export function readStackFile(rootDir: string, stack: string): StackFileConfig {
  const file = stackFilePath(rootDir, stack);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    throw new StackFileError(`No stack file ${path.relative(process.cwd(), file) || file}: is "${stack}" a stack of this project?`);
  }
  let document: { config?: Record<string, unknown> };
  try {
    document = (parse(text) ?? {}) as typeof document;
  } catch (error) {
    throw new StackFileError(`${path.basename(file)} is not valid YAML: ${(error as Error).message}`);
  }
  const config: Record<string, string> = {};
  const secretKeys: string[] = [];
  for (const [key, raw] of Object.entries(document.config ?? {})) {
    const fullKey = key.includes(":") ? key : `${PROJECT}:${key}`;
    const { value, secret } = unwrapSecure(raw);
    config[fullKey] = typeof value === "string" ? value : JSON.stringify(value);
    if (secret) secretKeys.push(fullKey);
  }
  return { config, secretKeys };
}
