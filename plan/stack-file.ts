/**
 * Reads a `Pulumi.<stack>.yaml` the way the Pulumi CLI hands it to a program:
 * keys without a namespace get the project's, scalars become strings and
 * objects become JSON. Secure (encrypted) values cannot be decrypted offline;
 * they are replaced by a placeholder and their keys reported as secret.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { PROJECT } from "../config/schema";
import { SECRET_TEXT } from "./run";

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
