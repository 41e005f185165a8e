/**
 * Reads a `Pulumi.<stack>.yaml` the way the Pulumi CLI hands it to a program
 * (config/engine-form.ts): keys without a namespace get the project's, each
 * value arrives as the text the engine delivers, and the keys holding a
 * secret anywhere are listed. Secure (encrypted) values cannot be decrypted
 * offline: they read as SECRET_TEXT.
 */
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { isMap, isScalar, LineCounter, parseDocument, type Node } from "yaml";
import { deliveredText, EngineFormError, holdsSecret, SECRET_TEXT, toGo } from "./engine-form";
import { PROJECT } from "./schema";

export { SECRET_TEXT };

/** A stack file that is missing, unreadable or not a Pulumi stack file: a message for people, not a bug. */
export class StackFileError extends Error {
  override name = "StackFileError";
}

export interface StackFileConfig {
  /** `project:key` -> value, as `pulumi.runtime.allConfig()` returns it. */
  config: Record<string, string>;
  /** Keys holding at least one `secure:` value, as the engine lists them (PULUMI_CONFIG_SECRET_KEYS). */
  secretKeys: string[];
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

/** What another stack's file says about where it deploys, for the cross-stack checks. */
export interface OtherStack {
  tenantId?: string;
  clusterName?: string;
  kubeconfigContext?: string;
  eks?: { name?: string; region?: string };
  /** Why the file could not be read; the checks against it are then impossible. */
  error?: string;
}

function plainText(config: Record<string, string>, secretKeys: string[], key: string): string | undefined {
  const full = `${PROJECT}:${key}`;
  return secretKeys.includes(full) ? undefined : config[full];
}

/**
 * Each other stack's tenant and cluster identity (values held as secrets are
 * left out: they cannot be compared offline, and must never be shown).
 * A file that cannot be read is reported in `error`, not thrown.
 */
export function otherStacks(rootDir: string, stack: string): Record<string, OtherStack> {
  const result: Record<string, OtherStack> = {};
  for (const other of stackNamesIn(rootDir)) {
    if (other === stack) continue;
    let file: StackFileConfig;
    try {
      file = readStackFile(rootDir, other);
    } catch (error) {
      if (!(error instanceof StackFileError)) throw error;
      result[other] = { error: error.message };
      continue;
    }
    const get = (key: string) => plainText(file.config, file.secretKeys, key);
    let eks: OtherStack["eks"];
    try {
      const parsed = get("eks") === undefined ? undefined : (JSON.parse(get("eks")!) as unknown);
      if (typeof parsed === "object" && parsed !== null) {
        const { name, region } = parsed as Record<string, unknown>;
        eks = { ...(typeof name === "string" && { name }), ...(typeof region === "string" && { region }) };
      }
    } catch {
      eks = undefined;
    }
    result[other] = {
      ...(get("tenantId") !== undefined && { tenantId: get("tenantId") }),
      ...(get("clusterName") !== undefined && { clusterName: get("clusterName") }),
      ...(get("kubeconfigContext") !== undefined && { kubeconfigContext: get("kubeconfigContext") }),
      ...(eks && { eks }),
    };
  }
  return result;
}

/**
 * The tenant of every other stack, from their stack files, so that a stack can
 * be refused a tenant another cluster already writes to.
 */
export function otherStackTenants(rootDir: string, stack: string): Record<string, string> {
  const tenants: Record<string, string> = {};
  for (const [other, { tenantId }] of Object.entries(otherStacks(rootDir, stack))) if (tenantId !== undefined) tenants[other] = tenantId;
  return tenants;
}

function kindOf(node: Node | null | undefined): string {
  if (node === null || node === undefined) return "nothing";
  if (isMap(node)) return "a map";
  if (isScalar(node)) return typeof node.value !== "string" || node.value === "" ? "nothing" : `the text ${JSON.stringify(node.value)}`;
  return "a list";
}

/** The file's config as the engine delivers it. @throws StackFileError naming the file and line. */
export function parseStackFileText(fileName: string, text: string): StackFileConfig {
  const lines = new LineCounter();
  const doc = parseDocument(text, { schema: "failsafe", lineCounter: lines, prettyErrors: false });
  const at = (offset: number | undefined) => {
    if (offset === undefined) return fileName;
    const { line, col } = lines.linePos(offset);
    return `${fileName}:${line}:${col}`;
  };
  const [first] = doc.errors;
  if (first) {
    throw new StackFileError(
      `${at(first.pos[0])}: not valid YAML: ${first.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "")}`,
    );
  }
  const root = doc.contents as Node | null;
  if (root === null || (isScalar(root) && (root.value === null || root.value === ""))) return { config: {}, secretKeys: [] };
  if (!isMap(root)) {
    throw new StackFileError(`${at(root.range?.[0])}: expected a stack file: a map with a config: key, but the file holds ${kindOf(root)}`);
  }
  const configPair = root.items.find((pair) => isScalar(pair.key) && pair.key.value === "config");
  const configNode = configPair?.value as Node | null | undefined;
  const config: Record<string, string> = {};
  const secretKeys: string[] = [];
  if (configNode === null || configNode === undefined || (isScalar(configNode) && (configNode.value === null || configNode.value === ""))) {
    return { config, secretKeys };
  }
  if (!isMap(configNode)) {
    throw new StackFileError(
      `${at(configNode.range?.[0])}: config: expected a map of ${PROJECT}:<key>: <value>, but it holds ${kindOf(configNode)}`,
    );
  }
  for (const pair of configNode.items) {
    const keyNode = pair.key as Node;
    const key = isScalar(keyNode) && typeof keyNode.value === "string" ? keyNode.value : "";
    const fullKey = key.includes(":") ? key : `${PROJECT}:${key}`;
    const valueNode = pair.value as Node | null;
    try {
      const value = toGo(valueNode, doc);
      config[fullKey] = deliveredText(value);
      if (holdsSecret(value)) secretKeys.push(fullKey);
    } catch (error) {
      if (!(error instanceof EngineFormError)) throw error;
      throw new StackFileError(`${at(error.offset ?? valueNode?.range?.[0] ?? keyNode.range?.[0])}: ${fullKey}: ${error.message}`);
    }
  }
  return { config, secretKeys };
}

export function readStackFile(rootDir: string, stack: string): StackFileConfig {
  const file = stackFilePath(rootDir, stack);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    throw new StackFileError(`No stack file ${path.relative(process.cwd(), file) || file}: is "${stack}" a stack of this project?`);
  }
  return parseStackFileText(path.basename(file), text.replace(/^\uFEFF/, ""));
}
