/**
 * A small writer for Alloy configuration syntax
 * (https://grafana.com/docs/alloy/v1.11/get-started/configuration-syntax/).
 *
 * Config values can only enter the output as escaped string literals:
 * `Expression` has no public constructor, and the helpers that build one
 * accept identifiers checked against Alloy's identifier rule. So no stack
 * config value can add an attribute, a block or a reference.
 */

/** A non-literal expression: a reference, a function call or a concatenation. */
export class Expression {
  private constructor(readonly text: string) {}

  /** @internal used by the helpers below only. */
  static unsafe(text: string): Expression {
    return new Expression(text);
  }
}

export type AlloyValue = string | number | boolean | null | Expression | readonly AlloyValue[] | { readonly [key: string]: AlloyValue };

export interface Attribute {
  kind: "attribute";
  name: string;
  value: AlloyValue;
}

export interface Block {
  kind: "block";
  /** Dotted block name, e.g. `loki.write` or `rule`. */
  name: string;
  /** The component label; required for components, absent for nested blocks. */
  label?: string;
  /** Lines of `//` comment written above the block: say why the block exists. */
  comment?: readonly string[];
  body: readonly Statement[];
}

export type Statement = Attribute | Block;

// syntax/scanner/identifier.go: a letter or '_', then letters, digits or '_'.
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

function assertIdentifier(name: string): void {
  if (!IDENTIFIER.test(name)) throw new Error(`not an Alloy identifier: ${JSON.stringify(name)}`);
}

/**
 * Quotes a string as an Alloy string literal. Alloy strings use Go's escapes
 * (syntax/scanner/scanner.go scanEscape): `\"`, `\\`, `\n`, `\r`, `\t`, and
 * `\uXXXX` for any other control character, so the literal stays on one line.
 */
export function quote(text: string): string {
  let out = '"';
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    if (ch === '"') out += '\\"';
    else if (ch === "\\") out += "\\\\";
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (code < 0x20 || code === 0x7f || code === 0x2028 || code === 0x2029) out += `\\u${code.toString(16).padStart(4, "0")}`;
    else out += ch;
  }
  return out + '"';
}

/** A reference to a component export or stdlib value, e.g. `ref("discovery.kubernetes", "pods", "targets")`. */
export function ref(...parts: string[]): Expression {
  for (const part of parts) part.split(".").forEach(assertIdentifier);
  return Expression.unsafe(parts.join("."));
}

/** A stdlib function call, e.g. `call("sys.env", "HOSTNAME")`. */
export function call(fn: string, ...args: AlloyValue[]): Expression {
  fn.split(".").forEach(assertIdentifier);
  return Expression.unsafe(`${fn}(${args.map((a) => renderValue(a, "")).join(", ")})`);
}

/** String concatenation: `a + b`. */
export function concat(...parts: AlloyValue[]): Expression {
  return Expression.unsafe(parts.map((p) => renderValue(p, "")).join(" + "));
}

export function attr(name: string, value: AlloyValue): Attribute {
  assertIdentifier(name);
  return { kind: "attribute", name, value };
}

export function block(name: string, body: readonly Statement[], options: { label?: string; comment?: readonly string[] } = {}): Block {
  name.split(".").forEach(assertIdentifier);
  if (options.comment?.some((line) => /[\r\n\u2028\u2029]/.test(line)))
    throw new Error(`a comment line cannot contain a line break: ${name}`);
  return { kind: "block", name, body, ...options };
}

const INLINE_LIMIT = 80;

function renderValue(value: AlloyValue, indent: string): string {
  if (value instanceof Expression) return value.text;
  if (value === null) return "null";
  if (typeof value === "string") return quote(value);
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new Error(`not a finite number: ${value}`);
    return String(value);
  }
  if (typeof value === "boolean") return String(value);
  const inner = indent + "  ";
  if (Array.isArray(value)) {
    const items = (value as readonly AlloyValue[]).map((v) => renderValue(v, inner));
    const inline = `[${items.join(", ")}]`;
    if (inline.length <= INLINE_LIMIT && !inline.includes("\n")) return inline;
    return `[\n${items.map((i) => `${inner}${i},`).join("\n")}\n${indent}]`;
  }
  const entries = Object.entries(value as { readonly [key: string]: AlloyValue });
  if (entries.length === 0) return "{}";
  const keys = entries.map(([k]) => (IDENTIFIER.test(k) ? k : quote(k)));
  const width = Math.max(...keys.map((k) => k.length));
  return `{\n${entries.map(([, v], i) => `${inner}${keys[i].padEnd(width)} = ${renderValue(v, inner)},`).join("\n")}\n${indent}}`;
}

/**
 * Renders statements the way `alloy fmt` lays them out: two-space indent,
 * `=` aligned across consecutive attributes, a blank line around blocks.
 */
export function render(statements: readonly Statement[], indent = ""): string {
  const chunks: string[] = [];
  let run: Attribute[] = [];
  const flush = () => {
    if (run.length === 0) return;
    const width = Math.max(...run.map((a) => a.name.length));
    chunks.push(run.map((a) => `${indent}${a.name.padEnd(width)} = ${renderValue(a.value, indent)}`).join("\n"));
    run = [];
  };
  for (const statement of statements) {
    if (statement.kind === "attribute") {
      run.push(statement);
      continue;
    }
    flush();
    const comment = (statement.comment ?? []).map((line) => `${indent}// ${line}`.trimEnd() + "\n").join("");
    const label = statement.label === undefined ? "" : ` ${quote(statement.label)}`;
    const body = statement.body.length === 0 ? "" : `\n${render(statement.body, indent + "  ")}\n${indent}`;
    chunks.push(`${comment}${indent}${statement.name}${label} {${body}}`);
  }
  flush();
  return chunks.join("\n\n");
}
