/**
 * The rules of the Go code that reads each value, for the values whose Go
 * reading differs from JavaScript's: durations, byte sizes, URLs and regular
 * expressions. Each function answers what Go would make of the text as
 * written, so the text that is validated is the text that is deployed.
 */
/** Why a number-and-unit sequence did not parse: no digits where one was due, no unit, or an unknown one. */
type SequenceError = { kind: "invalid" } | { kind: "missing" } | { kind: "unknown"; unit: string } | { kind: "overflow" };

/**
 * The parser Go's time.ParseDuration and alecthomas/units ParseUnit share
 * (units copied it from time/format.go): `[-+]?([0-9]*(\.[0-9]*)?[a-z]+)+`,
 * or "0", each number times its unit's value.
 */
function parseSequence(text: string, units: Record<string, number>): { value: number } | SequenceError {
  let s = text;
  let negative = false;
  if (s[0] === "-" || s[0] === "+") {
    negative = s[0] === "-";
    s = s.slice(1);
  }
  if (s === "0") return { value: 0 };
  if (s === "") return { kind: "invalid" };
  let total = 0;
  while (s !== "") {
    const [whole, integer, , fraction] = /^([0-9]*)(\.([0-9]*))?/.exec(s)!;
    if (integer === "" && (fraction === undefined || fraction === "")) return { kind: "invalid" };
    s = s.slice(whole.length);
    const unit = /^[^0-9.]*/.exec(s)![0];
    if (unit === "") return { kind: "missing" };
    if (!Object.hasOwn(units, unit)) return { kind: "unknown", unit };
    s = s.slice(unit.length);
    total += Number(`${integer || "0"}.${fraction ?? ""}0`) * units[unit];
  }
  if (total > 2 ** 63 - 1) return { kind: "overflow" };
  return { value: negative ? -total : total };
}

const NS_PER_UNIT: Record<string, number> = { ns: 1, us: 1e3, µs: 1e3, μs: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

/**
 * Go's time.ParseDuration, which Alloy uses for every duration attribute.
 * Returns nanoseconds, or the error as Go words it (without its "time: "
 * prefix and quoted input). https://pkg.go.dev/time#ParseDuration
 */
export function parseGoDuration(text: string): { ns: number } | { error: string } {
  const result = parseSequence(text, NS_PER_UNIT);
  if ("value" in result) return { ns: result.value };
  if (result.kind === "missing") return { error: "missing unit in duration" };
  if (result.kind === "unknown") return { error: `unknown unit ${JSON.stringify(result.unit)} in duration` };
  return { error: "invalid duration" };
}

const PREFIXES = ["K", "M", "G", "T", "P", "E"];
/** MakeUnitMap("iB", "B", 1024) and MakeUnitMap("B", "B", 1024): tried one after the other, never mixed. */
const BYTE_UNIT_MAPS: Record<string, number>[] = ["iB", "B"].map((suffix) => ({
  B: 1,
  ...Object.fromEntries(PREFIXES.map((p, i) => [`${p}${suffix}`, 1024 ** (i + 1)])),
}));

/** units.ParseUnit, worded like the library (which says "unknown unit  in 1024" for a missing one). */
function parseUnit(text: string, units: Record<string, number>): { value: number } | { error: string } {
  const result = parseSequence(text, units);
  if ("value" in result) return { value: Math.trunc(result.value) };
  if (result.kind === "missing") return { error: `missing unit in ${text}` };
  if (result.kind === "unknown") return { error: `unknown unit ${result.unit} in ${text}` };
  return { error: result.kind === "overflow" ? "overflow parsing unit" : `invalid ${text}` };
}

/**
 * alecthomas/units ParseBase2Bytes, which Alloy uses for loki.write's
 * batch_size (units.Base2Bytes, via UnmarshalText): B, KiB ... EiB, or else
 * B, KB ... EB as the same powers of 1024 (kB is not a unit). A bare number
 * is not a size, except 0. Error text as the library words it.
 * https://github.com/alecthomas/units/blob/master/bytes.go
 */
export function parseBase2Bytes(text: string): { bytes: number } | { error: string } {
  const [iec, old] = BYTE_UNIT_MAPS.map((units) => parseUnit(text, units));
  const result = "value" in iec ? iec : old;
  return "value" in result ? { bytes: result.value } : result;
}

/**
 * A regular expression as Alloy compiles it (Go's regexp.Compile, RE2 syntax
 * with Go's limits, e.g. repeat counts up to 1000 and no \Z or \u). re2js is a
 * port of Go's regexp/syntax parser and returns Go's own error text.
 * Returns undefined when Go accepts it, else Go's reason.
 */
export function re2Error(pattern: string): string | undefined {
  // Loaded on first use: most stacks keep the default expressions, which are not re-checked.
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a lazy load must be synchronous (zod refinements are)
  const { RE2JS } = require("re2js") as typeof import("re2js");
  try {
    RE2JS.compile(pattern);
    return undefined;
  } catch (error) {
    return (error as Error).message.replace(/^error parsing regexp: /, "");
  }
}

/** Characters Go's net/url takes in a path as written (RFC 3986 pchar and '/'), besides %XX escapes. */
const PATH = /^(\/([A-Za-z0-9\-._~!$&'()*+,;=:@]|%[0-9A-Fa-f]{2})*)*$/;
const HOST_NAME = /^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/;
const IPV6 = /^\[[0-9A-Fa-f:.]+\]$/;

export interface HttpUrl {
  scheme: "http" | "https";
  host: string;
  port?: string;
  path: string;
}

/**
 * Reads an http(s) URL the way Go's net/url.Parse and Alloy's loki.write use
 * it, refusing what Go would read differently from a person: `http:host/...`
 * and `http:/host/...` have no host for Go (WHATWG URL would repair them),
 * user:password@ is a credential in plain text, a query or fragment is not
 * part of a push path. Returns the parts, or what is wrong in words that
 * complete "expected ...".
 */
export function parseHttpUrl(text: string): HttpUrl | { error: string } {
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(text)?.[1];
  if (scheme === undefined) return { error: "an absolute URL starting with http:// or https://" };
  if (scheme !== "http" && scheme !== "https") return { error: "an http:// or https:// URL (lowercase scheme)" };
  if (!text.startsWith(`${scheme}://`)) {
    return { error: `${scheme}:// followed by a host: Go's net/url finds no host in "${scheme}:" without "//", so every push would fail` };
  }
  const rest = text.slice(scheme.length + 3);
  const authorityEnd = rest.search(/[/?#]/);
  const authority = authorityEnd === -1 ? rest : rest.slice(0, authorityEnd);
  const tail = authorityEnd === -1 ? "" : rest.slice(authorityEnd);
  if (authority.includes("@"))
    return { error: "a URL without credentials: user:password@ in a URL ends up in plain text in the ConfigMap" };
  const portMatch = /^(.*?)(?::([^:\]]*))?$/.exec(authority)!;
  const [, host, port] = IPV6.test(authority) ? [authority, authority, undefined] : portMatch;
  if (host === "") return { error: "a URL with a host, such as http://loki:3100/loki/api/v1/push" };
  if (!HOST_NAME.test(host) && !IPV6.test(host)) return { error: "a host name of letters, digits, '-' and '.' (or an [IPv6] address)" };
  if (port !== undefined && !(/^[0-9]{1,5}$/.test(port) && Number(port) >= 1 && Number(port) <= 65535)) {
    return { error: "a port from 1 to 65535 after the host's ':'" };
  }
  if (tail.includes("?") || tail.includes("#")) return { error: "a URL without a query string or fragment" };
  if (!PATH.test(tail))
    return { error: "a path of URL characters only: no spaces, quotes, backslashes or non-ASCII (percent-encode them)" };
  return { scheme, host, ...(port !== undefined && { port }), path: tail };
}
