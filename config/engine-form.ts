/**
 * A `Pulumi.<stack>.yaml` config value in the form the Pulumi CLI (3.248)
 * hands it to the program, computed the way the CLI computes it:
 *
 * - The file is read with gopkg.in/yaml.v3 into Go values, so a plain scalar
 *   is resolved by yaml.v3's rules (resolve.go), not JavaScript's: `1e400`
 *   stays the text "1e400", `0777` is the integer 511, `yes` is a string,
 *   `.inf` is +Inf. https://github.com/go-yaml/yaml/blob/v3.0.1/resolve.go
 * - Each top-level value becomes a config.Value (sdk/go/common/resource/config
 *   object.go, MarshalString): a string stays its text, a number or boolean
 *   becomes its JSON text, a map or list becomes JSON (encoding/json: keys
 *   sorted, `<>&` escaped), and `{secure: <ciphertext>}` is a secret.
 * - An empty value (`tenantId:`) is a null node, which yaml.v3 never hands to
 *   config.Value's UnmarshalYAML, so the key arrives as "" (the CLI warns
 *   "No value for configuration key"); inside an object a null stays null.
 * - The program gets the decrypted text of each key (Map.Decrypt ->
 *   Plaintext.marshalText) and the list of keys holding a secret anywhere
 *   (Map.SecureKeys), as PULUMI_CONFIG and PULUMI_CONFIG_SECRET_KEYS.
 *
 * Offline there is no decrypter, so each ciphertext becomes SECRET_TEXT.
 * Scalar syntax (quotes, escapes, block scalars) is read by the `yaml`
 * package with its failsafe schema, which keeps every scalar as written; only
 * the resolution of plain scalars to types is Go's.
 */
import { isAlias, isMap, isScalar, isSeq, type Document, type Node, type Scalar } from "yaml";

/** What a secret reads as in plan output, and what an encrypted value reads as offline. */
export const SECRET_TEXT = "[secret]";

/** A Go value as yaml.v3 decodes it into `any`. */
export type GoValue =
  | { kind: "null" }
  | { kind: "bool"; value: boolean }
  | { kind: "int"; value: bigint }
  | { kind: "float"; value: number }
  | { kind: "string"; value: string }
  | { kind: "secure" }
  | { kind: "list"; items: GoValue[] }
  | { kind: "map"; entries: Map<string, GoValue> };

/** A value the CLI itself refuses; the message names no value (it may be a secret's neighbour). */
export class EngineFormError extends Error {
  constructor(
    message: string,
    /** Offset in the file, for the line number. */
    readonly offset: number | undefined,
  ) {
    super(message);
  }
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;

/** yaml.v3's yamlStyleFloat. */
const YAML_STYLE_FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;

const RESOLVE_MAP: Record<string, GoValue> = {
  ...Object.fromEntries(["true", "True", "TRUE"].map((s) => [s, { kind: "bool", value: true }])),
  ...Object.fromEntries(["false", "False", "FALSE"].map((s) => [s, { kind: "bool", value: false }])),
  ...Object.fromEntries(["", "~", "null", "Null", "NULL"].map((s) => [s, { kind: "null" }])),
  ...Object.fromEntries([".nan", ".NaN", ".NAN"].map((s) => [s, { kind: "float", value: NaN }])),
  ...Object.fromEntries([".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"].map((s) => [s, { kind: "float", value: Infinity }])),
  ...Object.fromEntries(["-.inf", "-.Inf", "-.INF"].map((s) => [s, { kind: "float", value: -Infinity }])),
};

/** Go's strconv.ParseInt(s, 0, 64) / ParseUint(s, 0, 64): an optional sign, then 0x, 0o, 0b, a leading-0 octal or decimal. */
function parseGoInt(text: string): bigint | undefined {
  const match = /^([+-]?)(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)$/.exec(text);
  if (!match) return undefined;
  const [, sign, digits] = match;
  const body = /^0[oO]/.test(digits) ? `0o${digits.slice(2)}` : /^0[0-7]+$/.test(digits) ? `0o${digits.slice(1)}` : digits.toLowerCase();
  const magnitude = BigInt(body);
  const value = sign === "-" ? -magnitude : magnitude;
  if (value >= INT64_MIN && value <= INT64_MAX) return value;
  // ParseUint takes no sign.
  if (sign === "" && value <= UINT64_MAX) return value;
  return undefined;
}

/** Go's strconv.ParseFloat(s, 64) for the decimal forms yaml.v3 passes it; undefined on overflow (ErrRange). */
function parseGoFloat(text: string): number | undefined {
  const value = Number(text);
  return Number.isFinite(value) ? value : undefined;
}

const pad = (n: number, width = 2) => String(n).padStart(width, "0");

/**
 * yaml.v3 parseTimestamp (its four time.Parse layouts) and then what Pulumi
 * makes of the time.Time (config/object.go unmarshalObject: v.String()):
 * `2024-01-01` is delivered as "2024-01-01 00:00:00 +0000 UTC". A numeric
 * offset gets Go's fabricated zone, printed as the offset twice (on a machine
 * whose local zone has another offset, as CI runners in UTC do for non-zero ones).
 */
export function goTimestampText(text: string): string | undefined {
  const match =
    /^([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})(?:(?:([Tt])([0-9]{1,2}):([0-9]{1,2}):([0-9]{1,2})(?:\.([0-9]+))?(Z|[+-][0-9]{2}:[0-9]{2}))|(?: ([0-9]{1,2}):([0-9]{1,2}):([0-9]{1,2})(?:\.([0-9]+))?))?$/.exec(
      text,
    );
  if (!match) return undefined;
  const [, y, mo, d, t, th, tmi, ts, tfrac, zone, sh, smi, ss, sfrac] = match;
  const [year, month, day] = [Number(y), Number(mo), Number(d)];
  const [hour, minute, second] = t ? [th, tmi, ts].map(Number) : sh ? [sh, smi, ss].map(Number) : [0, 0, 0];
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth || hour > 23 || minute > 59 || second > 59) return undefined;
  const fraction = (t ? tfrac : sfrac)?.slice(0, 9).replace(/0+$/, "") ?? "";
  let zoneText = "+0000 UTC";
  if (zone && zone !== "Z") {
    const offset = zone.replace(":", "");
    zoneText = offset === "+0000" ? "+0000 UTC" : `${offset} ${offset}`;
  }
  return `${pad(year, 4)}-${pad(month)}-${pad(day)} ${pad(hour)}:${pad(minute)}:${pad(second)}${fraction ? `.${fraction}` : ""} ${zoneText}`;
}

/** yaml.v3 resolve("", text) for a plain scalar, as decoded into `any` (a timestamp as the text Pulumi makes of it). */
export function resolvePlain(text: string): GoValue {
  const hint =
    text === ""
      ? "N"
      : /^[+-]/.test(text)
        ? "S"
        : /^[0-9]/.test(text)
          ? "D"
          : /^[yYnNtTfFoO~]/.test(text)
            ? "M"
            : text[0] === "."
              ? "."
              : "";
  if (hint === "") return { kind: "string", value: text };
  if (Object.hasOwn(RESOLVE_MAP, text)) return RESOLVE_MAP[text];
  if (hint === ".") {
    const value = /^\.[0-9]+([eE][-+]?[0-9]+)?$/.test(text) ? parseGoFloat(text) : undefined;
    return value === undefined ? { kind: "string", value: text } : { kind: "float", value };
  }
  if (hint === "D" || hint === "S") {
    const time = goTimestampText(text);
    if (time !== undefined) return { kind: "string", value: time };
    const plain = text.replace(/_/g, "");
    const int = parseGoInt(plain);
    if (int !== undefined) return { kind: "int", value: int };
    if (YAML_STYLE_FLOAT.test(plain)) {
      const value = parseGoFloat(plain);
      if (value !== undefined) return { kind: "float", value };
    }
  }
  return { kind: "string", value: text };
}

/** Go's fmt %v of a map key that is not a string (yaml.v3 then SimplifyMarshalledProject). */
function keyText(key: GoValue): string {
  switch (key.kind) {
    case "string":
      return key.value;
    case "int":
      return key.value.toString();
    case "bool":
      return String(key.value);
    case "null":
      return "<nil>";
    case "float":
      return goFloatG(key.value);
    default:
      return "";
  }
}

/** Go's %v (strconv 'g', shortest) of a float64. */
function goFloatG(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (!Number.isFinite(value)) return value > 0 ? "+Inf" : "-Inf";
  if (value === 0) return Object.is(value, -0) ? "-0" : "0";
  const exponent = Math.floor(Math.log10(Math.abs(value)));
  if (exponent < -4 || exponent >= 21) {
    const [mantissa, exp] = value.toExponential().split("e");
    const digits = exp.replace(/^([+-])(\d)$/, "$10$2");
    return `${mantissa}e${digits}`;
  }
  return String(value);
}

function isSecureMap(node: Node): node is Node & { items: { value: Scalar }[] } {
  if (!isMap(node) || node.items.length !== 1) return false;
  const [pair] = node.items;
  // yaml.v3's isSecureValue: the single key "secure" with a string value.
  return (
    isScalar(pair.key) && pair.key.value === "secure" && isScalar(pair.value) && toGo(pair.value, undefined as never).kind === "string"
  );
}

/** A YAML node as yaml.v3 decodes it into `any`. */
export function toGo(node: Node | null | undefined, doc: Document): GoValue {
  if (node === null || node === undefined) return { kind: "null" };
  if (isAlias(node)) return toGo(node.resolve(doc), doc);
  if (isScalar(node)) {
    // The failsafe schema keeps every scalar as its text.
    const text = typeof node.value === "string" ? node.value : "";
    const tag = node.tag?.replace(/^tag:yaml.org,2002:/, "!!");
    if (node.type !== "PLAIN" || tag === "!!str") return { kind: "string", value: text };
    return resolvePlain(text);
  }
  if (isSecureMap(node)) return { kind: "secure" };
  if (isSeq(node)) return { kind: "list", items: node.items.map((item) => toGo(item as Node, doc)) };
  if (isMap(node)) {
    const entries = new Map<string, GoValue>();
    for (const pair of node.items) {
      const key = pair.key as Node;
      if (isScalar(key) && key.type === "PLAIN" && key.value === "<<") {
        throw new EngineFormError("a YAML merge key (<<) is not supported in a stack file here; write the keys out", key.range?.[0]);
      }
      entries.set(keyText(toGo(key, doc)), toGo(pair.value as Node, doc));
    }
    return { kind: "map", entries };
  }
  throw new EngineFormError("an unsupported YAML node", (node as Node).range?.[0]);
}

/** Whether a value holds a ciphertext anywhere (config object.Secure). */
export function holdsSecret(value: GoValue): boolean {
  if (value.kind === "secure") return true;
  if (value.kind === "list") return value.items.some(holdsSecret);
  if (value.kind === "map") return [...value.entries.values()].some(holdsSecret);
  return false;
}

/** Go's encoding/json string: HTML-safe escapes of < > & and U+2028/U+2029. */
function goJsonString(text: string): string {
  return JSON.stringify(text).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** Go's encoding/json of a float64 (strconv 'f' between 1e-6 and 1e21, else 'e' with a short exponent). */
function goJsonFloat(value: number): string {
  if (!Number.isFinite(value)) throw new Error("unsupported");
  if (Object.is(value, -0)) return "-0";
  return String(value);
}

/** Go sorts map keys by their UTF-8 bytes. */
function byUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}

/** encoding/json of a decoded value, each ciphertext replaced by SECRET_TEXT. */
export function goJson(value: GoValue): string {
  switch (value.kind) {
    case "null":
      return "null";
    case "bool":
      return String(value.value);
    case "int":
      return value.value.toString();
    case "float":
      return goJsonFloat(value.value);
    case "string":
      return goJsonString(value.value);
    case "secure":
      return goJsonString(SECRET_TEXT);
    case "list":
      return `[${value.items.map(goJson).join(",")}]`;
    case "map":
      return `{${[...value.entries.keys()]
        .sort(byUtf8)
        .map((k) => `${goJsonString(k)}:${goJson(value.entries.get(k)!)}`)
        .join(",")}}`;
  }
}

/** Whether a value holds a float the CLI cannot encode (json: unsupported value: +Inf / NaN). */
function holdsNonFinite(value: GoValue): boolean {
  if (value.kind === "float") return !Number.isFinite(value.value);
  if (value.kind === "list") return value.items.some(holdsNonFinite);
  if (value.kind === "map") return [...value.entries.values()].some(holdsNonFinite);
  return false;
}

/** The text the program receives for one top-level key (config.Value, then Map.Decrypt). */
export function deliveredText(value: GoValue): string {
  if (holdsNonFinite(value)) {
    throw new EngineFormError(
      "holds .inf or .nan, which the Pulumi CLI cannot store (json: unsupported value); write a number or quote it",
      undefined,
    );
  }
  switch (value.kind) {
    case "null":
      return "";
    case "string":
      return value.value;
    case "secure":
      return SECRET_TEXT;
    default:
      return goJson(value);
  }
}
