/**
 * A self-contained parser for the Grafana Alloy configuration syntax
 * (formerly "River"), for use by tests that need to check generated Alloy
 * config structurally instead of by string comparison.
 *
 * It is a close port of Alloy v1.11.3's Go implementation:
 *   - syntax/scanner/scanner.go  (tokens, terminator insertion, escapes)
 *   - syntax/parser/internal.go  (grammar, error messages)
 *   - syntax/token/token.go      (token names, operator precedence)
 *   - syntax/internal/transform/value.go (how literals become values)
 * The real parser collects every diagnostic and returns them all; this one
 * throws the first one. Because the scanner is pulled one token at a time,
 * exactly as the Go parser pulls it, the error thrown is the one that Go lists
 * first, with the same message.
 *
 * Positions differ from Go in one respect: Go's columns count bytes, ours
 * count UTF-16 code units. They agree for ASCII text.
 *
 * Only Node's standard library is used (Buffer, to decode the bytes that
 * \x and octal escapes produce).
 */

// ---------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------

export type Value =
  | { kind: "string"; value: string } // value is the UNESCAPED string content
  | { kind: "number"; value: number }
  | { kind: "bool"; value: boolean }
  | { kind: "null" }
  | { kind: "array"; items: Value[] }
  | { kind: "object"; fields: { key: string; value: Value }[] }
  | { kind: "ident"; name: string }
  | { kind: "access"; object: Value; member: string }
  | { kind: "index"; object: Value; index: Value }
  | { kind: "call"; callee: Value; args: Value[] }
  | { kind: "unary"; op: string; operand: Value }
  | { kind: "binary"; op: string; left: Value; right: Value }
  | { kind: "paren"; inner: Value };

export interface Attribute {
  kind: "attribute";
  name: string;
  value: Value;
  line: number;
}

export interface Block {
  kind: "block";
  /** Dotted, e.g. "discovery.kubernetes", "stage.cri" or "rule". */
  name: string;
  /** Absent for unlabeled blocks (and for `""`, which Go also stores as ""). */
  label?: string;
  body: Statement[];
  line: number;
}

export type Statement = Attribute | Block;

/** The first syntax error in the input. `line` and `column` are 1-based. */
export class AlloySyntaxError extends Error {
  line: number;
  column: number;

  constructor(line: number, column: number, reason: string) {
    // Same "line:column: message" shape as Go's diag.Diagnostic.Error().
    super(`${line}:${column}: ${reason}`);
    this.name = "AlloySyntaxError";
    this.line = line;
    this.column = column;
  }
}

/** Parses a whole Alloy file (Go: parser.ParseFile). */
export function parseAlloy(source: string): Statement[] {
  return new Parser(source).parseFile();
}

/**
 * Renders a Value back to a compact canonical string, e.g. for assertions:
 * `sys.env("HOSTNAME")`, `"spec.nodeName=" + sys.env("HOSTNAME")`,
 * `["a", "b"]`, `{ "k" = "v" }`.
 */
export function formatValue(v: Value): string {
  switch (v.kind) {
    case "string":
      return goQuote(v.value);
    case "number":
      return String(v.value);
    case "bool":
      return String(v.value);
    case "null":
      return "null";
    case "array":
      return `[${v.items.map(formatValue).join(", ")}]`;
    case "object":
      // Keys are always quoted: that form is valid for every key, whereas the
      // bare form only works for identifiers.
      return v.fields.length === 0 ? "{}" : `{ ${v.fields.map((f) => `${goQuote(f.key)} = ${formatValue(f.value)}`).join(", ")} }`;
    case "ident":
      return v.name;
    case "access":
      return `${formatValue(v.object)}.${v.member}`;
    case "index":
      return `${formatValue(v.object)}[${formatValue(v.index)}]`;
    case "call":
      return `${formatValue(v.callee)}(${v.args.map(formatValue).join(", ")})`;
    case "unary":
      return `${v.op}${formatValue(v.operand)}`;
    case "binary":
      // The AST keeps explicit parentheses as "paren" nodes, so printing the
      // tree as written reproduces the source's grouping.
      return `${formatValue(v.left)} ${v.op} ${formatValue(v.right)}`;
    case "paren":
      return `(${formatValue(v.inner)})`;
  }
}

/**
 * Convenience: returns the literal JS value of a constant expression
 * (string/number/bool/null/array/object of those), or throws if the value
 * contains identifiers, calls or operators. Parentheses around a constant are
 * looked through. Objects with a repeated key keep the last value, as Alloy's
 * evaluator (syntax/vm/vm.go) builds a map.
 */
export function literalValue(v: Value): unknown {
  switch (v.kind) {
    case "string":
    case "number":
    case "bool":
      return v.value;
    case "null":
      return null;
    case "array":
      return v.items.map(literalValue);
    case "object":
      // Object.fromEntries defines own properties, so even a "__proto__" key
      // becomes an ordinary field.
      return Object.fromEntries(v.fields.map((f) => [f.key, literalValue(f.value)]));
    case "paren":
      return literalValue(v.inner);
    default:
      throw new Error(`not a constant expression: ${formatValue(v)}`);
  }
}

// ---------------------------------------------------------------------------
// Tokens (syntax/token/token.go)
// ---------------------------------------------------------------------------

// Token names are the strings Go's Token.String() returns, so error messages
// such as "expected TERMINATOR, got IDENT" read exactly like Alloy's.
type Tok =
  | "ILLEGAL"
  | "EOF"
  | "IDENT"
  | "NUMBER"
  | "FLOAT"
  | "STRING"
  | "BOOL"
  | "NULL"
  | "||"
  | "&&"
  | "!"
  | "="
  | "=="
  | "!="
  | "<"
  | "<="
  | ">"
  | ">="
  | "+"
  | "-"
  | "*"
  | "/"
  | "%"
  | "^"
  | "{"
  | "}"
  | "("
  | ")"
  | "["
  | "]"
  | ","
  | "."
  | "TERMINATOR";

/** Token.BinaryPrecedence: 0 for anything that is not a binary operator. */
function binaryPrecedence(t: Tok): number {
  switch (t) {
    case "||":
      return 1;
    case "&&":
      return 2;
    case "==":
    case "!=":
    case "<":
    case "<=":
    case ">":
    case ">=":
      return 3;
    case "+":
    case "-":
      return 4;
    case "*":
    case "/":
    case "%":
      return 5;
    case "^":
      return 6;
    default:
      return 0;
  }
}

// ---------------------------------------------------------------------------
// Scanner (syntax/scanner/scanner.go)
// ---------------------------------------------------------------------------

const EOF_CH = -1;
const BOM = 0xfeff;

interface Token {
  pos: number; // offset into the source (UTF-16 code units)
  tok: Tok;
  lit: string;
}

function isLetter(ch: number): boolean {
  return (
    (ch >= 0x61 && ch <= 0x7a) || // a-z
    (ch >= 0x41 && ch <= 0x5a) || // A-Z
    ch === 0x5f || // _
    (ch >= 0x80 && /\p{L}/u.test(String.fromCodePoint(ch))) // Go: unicode.IsLetter
  );
}

function isDecimal(ch: number): boolean {
  return ch >= 0x30 && ch <= 0x39;
}

function isDigit(ch: number): boolean {
  // Go: unicode.IsDigit, i.e. category Nd.
  return isDecimal(ch) || (ch >= 0x80 && /\p{Nd}/u.test(String.fromCodePoint(ch)));
}

function digitVal(ch: number): number {
  if (isDecimal(ch)) return ch - 0x30;
  const l = ch | 0x20;
  if (l >= 0x61 && l <= 0x66) return l - 0x61 + 10;
  return 16; // larger than any legal digit
}

/** Go's scanner.IsValidIdentifier: one IDENT token spanning the whole text. */
function isValidIdentifier(s: string): boolean {
  if (s === "" || s === "true" || s === "false" || s === "null") return false;
  const cps = Array.from(s, (c) => c.codePointAt(0)!);
  return isLetter(cps[0]) && cps.every((c) => isLetter(c) || isDigit(c));
}

class Scanner {
  private ch = EOF_CH; // current character (code point), EOF_CH at the end
  private offset = 0; // offset of ch
  private readOffset = 0; // offset of the character after ch
  // Like Go's scanner: set after a token that may end a statement (an
  // identifier, literal, `)`, `]` or `}`), so the next newline becomes a
  // TERMINATOR token instead of being skipped as whitespace.
  private insertTerm = false;

  constructor(
    private readonly src: string,
    private readonly fail: (offset: number, msg: string) => never,
  ) {
    this.next();
    if (this.ch === BOM) this.next(); // a BOM is permitted as the very first character
  }

  private peek(): number {
    return this.readOffset < this.src.length ? this.src.charCodeAt(this.readOffset) : 0;
  }

  private next(): void {
    if (this.readOffset >= this.src.length) {
      this.offset = this.src.length;
      this.ch = EOF_CH;
      return;
    }
    this.offset = this.readOffset;
    const r = this.src.codePointAt(this.readOffset)!;
    // Checked on every character read, even inside strings and comments, as
    // Go's next() does.
    if (r === 0) this.fail(this.offset, "illegal character NUL");
    // codePointAt only returns a surrogate when it is unpaired: the UTF-16
    // counterpart of Go's "illegal UTF-8 encoding".
    if (r >= 0xd800 && r <= 0xdfff) this.fail(this.offset, "illegal UTF-8 encoding");
    if (r === BOM && this.offset > 0) this.fail(this.offset, "illegal byte order mark");
    this.readOffset += r > 0xffff ? 2 : 1;
    this.ch = r;
  }

  scan(): Token {
    for (;;) {
      this.skipWhitespace();
      const pos = this.offset;
      let insertTerm = false;
      let tok: Tok;
      let lit = "";
      const ch = this.ch;

      if (isLetter(ch)) {
        lit = this.scanIdentifier();
        tok = lit === "true" || lit === "false" ? "BOOL" : lit === "null" ? "NULL" : "IDENT";
        insertTerm = true;
      } else if (isDecimal(ch) || (ch === 0x2e && isDecimal(this.peek()))) {
        insertTerm = true;
        [tok, lit] = this.scanNumber();
      } else {
        this.next(); // make progress; ch is the first character, this.ch the second
        const c = ch === EOF_CH ? "EOF" : String.fromCodePoint(ch);
        switch (c) {
          case "EOF":
            if (this.insertTerm) {
              this.insertTerm = false; // consumed EOF
              return { pos, tok: "TERMINATOR", lit: "\n" };
            }
            tok = "EOF";
            break;
          case "\n":
            // Only reachable when insertTerm is set; skipWhitespace eats
            // every other newline.
            this.insertTerm = false;
            return { pos, tok: "TERMINATOR", lit: "\n" };
          case "'":
            return this.fail(pos, "illegal single-quoted string; use double quotes");
          case '"':
            insertTerm = true;
            tok = "STRING";
            lit = this.scanString(0x22, true, false);
            break;
          case "`":
            // Raw strings: no escapes, may span lines.
            insertTerm = true;
            tok = "STRING";
            lit = this.scanString(0x60, false, true);
            break;
          case "|":
            if (this.ch !== 0x7c) this.fail(this.offset, "missing second | in ||");
            this.next();
            tok = "||";
            break;
          case "&":
            if (this.ch !== 0x26) this.fail(this.offset, "missing second & in &&");
            this.next();
            tok = "&&";
            break;
          case "!":
          case "=":
          case "<":
          case ">":
            if (this.ch === 0x3d) {
              this.next();
              tok = c === "=" ? "==" : `${c}=`;
            } else {
              tok = c;
            }
            break;
          case "/":
            if (this.ch === 0x2f || this.ch === 0x2a) {
              // A comment. If a terminator is pending and the comment runs to
              // the end of the line, the terminator is emitted first, at the
              // comment's position, and the comment is rescanned afterwards.
              if (this.insertTerm && this.findLineEnd()) {
                this.ch = 0x2f;
                this.offset = pos;
                this.readOffset = pos + 1;
                this.insertTerm = false;
                return { pos, tok: "TERMINATOR", lit: "\n" };
              }
              this.scanComment();
              this.insertTerm = false; // the comment consumed any pending newline
              continue; // comments are not tokens for our purposes
            }
            tok = "/";
            break;
          case "}":
          case ")":
          case "]":
            insertTerm = true;
            tok = c;
            break;
          case "+":
          case "-":
          case "*":
          case "%":
          case "^":
          case "{":
          case "(":
          case "[":
          case ",":
          case ".": // fractions starting with "." were handled above
            tok = c;
            break;
          default:
            // `#` lands here too: Alloy has no `#` comments.
            if (ch !== BOM) this.fail(pos, `illegal character ${goRuneU(ch)}`);
            insertTerm = this.insertTerm;
            tok = "ILLEGAL";
            lit = c;
        }
      }
      this.insertTerm = insertTerm;
      return { pos, tok, lit };
    }
  }

  private skipWhitespace(): void {
    while (this.ch === 0x20 || this.ch === 0x09 || this.ch === 0x0d || (this.ch === 0x0a && !this.insertTerm)) {
      this.next();
    }
  }

  private scanIdentifier(): string {
    const off = this.offset;
    while (isLetter(this.ch) || isDigit(this.ch)) this.next();
    return this.src.slice(off, this.offset);
  }

  /** NUMBER = digits; FLOAT = ( digits | "." digits ) [ "e" [ "+" | "-" ] digits ] */
  private scanNumber(): [Tok, string] {
    let tok: Tok = "NUMBER";
    const off = this.offset;
    if (this.ch !== 0x2e) this.digits();
    if (this.ch === 0x2e) {
      tok = "FLOAT";
      this.next();
      this.digits();
    }
    if ((this.ch | 0x20) === 0x65) {
      tok = "FLOAT";
      this.next();
      if (this.ch === 0x2b || this.ch === 0x2d) this.next();
      if (this.digits() === 0) this.fail(off, "exponent has no digits");
    }
    return [tok, this.src.slice(off, this.offset)];
  }

  private digits(): number {
    let count = 0;
    while (isDecimal(this.ch)) {
      this.next();
      count++;
    }
    return count;
  }

  private scanString(until: number, escape: boolean, multiline: boolean): string {
    const off = this.offset - 1; // the opening quote was already consumed
    for (;;) {
      const ch = this.ch;
      if ((!multiline && ch === 0x0a) || ch === EOF_CH) {
        this.fail(off, "string literal not terminated");
      }
      this.next();
      if (ch === until) break;
      if (escape && ch === 0x5c) this.scanEscape();
    }
    return this.src.slice(off, this.offset);
  }

  /**
   * Validates one escape sequence; errors point at the character after the
   * backslash, as in Go. Note `\'` is NOT accepted, although Alloy's docs and
   * a comment in scanner.go say it is: the switch in scanEscape omits it, and
   * strconv.Unquote would reject it in a double-quoted string anyway.
   */
  private scanEscape(): void {
    const off = this.offset;
    let n: number;
    let base: number;
    let max: number;
    const first = this.ch; // a copy, so TS doesn't keep this.ch narrowed after next()
    switch (first) {
      case 0x61: // a
      case 0x62: // b
      case 0x66: // f
      case 0x6e: // n
      case 0x72: // r
      case 0x74: // t
      case 0x76: // v
      case 0x5c: // backslash
      case 0x22: // "
        this.next();
        return;
      case 0x30:
      case 0x31:
      case 0x32:
      case 0x33:
      case 0x34:
      case 0x35:
      case 0x36:
      case 0x37: // \NNN: exactly three octal digits, one byte
        [n, base, max] = [3, 8, 255];
        break;
      case 0x78: // \xHH: exactly two hex digits, one byte
        this.next();
        [n, base, max] = [2, 16, 255];
        break;
      case 0x75: // \uHHHH
        this.next();
        [n, base, max] = [4, 16, 0x10ffff];
        break;
      case 0x55: // \UHHHHHHHH
        this.next();
        [n, base, max] = [8, 16, 0x10ffff];
        break;
      default:
        this.fail(off, this.ch === EOF_CH ? "escape sequence not terminated" : "unknown escape sequence");
    }
    let x = 0;
    for (; n > 0; n--) {
      const d = digitVal(this.ch);
      if (d >= base) {
        this.fail(off, this.ch === EOF_CH ? "escape sequence not terminated" : `illegal character ${goRuneU(this.ch)} in escape sequence`);
      }
      x = x * base + d;
      this.next();
    }
    if (x > max || (x >= 0xd800 && x < 0xe000)) {
      this.fail(off, "escape sequence is invalid Unicode code point");
    }
  }

  private scanComment(): void {
    const off = this.offset - 1; // the first "/" was already consumed
    const second = this.ch;
    if (second === 0x2f) {
      // `//` comment: up to, not including, the newline.
      while (this.ch !== 0x0a && this.ch !== EOF_CH) this.next();
      return;
    }
    this.next(); // consume "*"
    while (this.ch !== EOF_CH) {
      const ch = this.ch;
      this.next();
      if (ch === 0x2a && this.ch === 0x2f) {
        this.next();
        return;
      }
    }
    this.fail(off, "block comment not terminated");
  }

  /**
   * Reports whether the comment starting at the consumed "/" (plus any
   * comments directly after it) runs to the end of the line. Ported with
   * Go's save-and-restore of the scanner state, so the character checks in
   * next() fire in the same order as in Go.
   */
  private findLineEnd(): boolean {
    const start = this.offset - 1;
    try {
      for (;;) {
        const c = this.ch;
        if (c !== 0x2f && c !== 0x2a) return false;
        if (c === 0x2f) return true; // `//` always ends the line
        this.next();
        while (this.ch !== EOF_CH) {
          const ch = this.ch;
          if (ch === 0x0a) return true;
          this.next();
          if (ch === 0x2a && this.ch === 0x2f) {
            this.next();
            break;
          }
        }
        this.skipWhitespace(); // insertTerm is set, so this stops at "\n"
        const after: number = this.ch; // typed: next() changed what TS narrowed
        if (after === EOF_CH || after === 0x0a) return true;
        if (after !== 0x2f) return false; // a real token follows on this line
        this.next();
      }
    } finally {
      this.ch = 0x2f;
      this.offset = start;
      this.readOffset = start + 1;
      this.next();
    }
  }
}

// ---------------------------------------------------------------------------
// Literal values (syntax/internal/transform/value.go)
// ---------------------------------------------------------------------------

/** strconv.Unquote for a literal the scanner has already validated. */
function unquote(lit: string): string {
  const body = lit.slice(1, -1);
  // Go's Unquote drops carriage returns from raw strings.
  if (lit[0] === "`") return body.replace(/\r/g, "");
  if (!body.includes("\\")) return body;

  // Go strings are bytes: \x and octal escapes add single bytes, which may
  // combine into a UTF-8 sequence (or not: invalid bytes decode to U+FFFD).
  const bytes: number[] = [];
  const pushRune = (cp: number) => bytes.push(...Buffer.from(String.fromCodePoint(cp), "utf8"));
  const simple: Record<string, number> = { a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11, "\\": 92, '"': 34 };
  for (let i = 0; i < body.length;) {
    const cp = body.codePointAt(i)!;
    if (cp !== 0x5c) {
      pushRune(cp);
      i += cp > 0xffff ? 2 : 1;
      continue;
    }
    const c = body[i + 1];
    i += 2;
    if (c in simple) {
      bytes.push(simple[c]);
    } else if (c === "x") {
      bytes.push(parseInt(body.slice(i, i + 2), 16));
      i += 2;
    } else if (c === "u" || c === "U") {
      const len = c === "u" ? 4 : 8;
      pushRune(parseInt(body.slice(i, i + len), 16));
      i += len;
    } else {
      bytes.push(parseInt(body.slice(i - 1, i + 2), 8)); // three octal digits
      i += 2;
    }
  }
  return Buffer.from(bytes).toString("utf8");
}

/**
 * NUMBER tokens go through strconv.ParseInt(lit, 0, 64), then ParseUint, then
 * ParseFloat. Base 0 means a leading zero makes the digits octal: `010` is 8,
 * while `08`, not valid octal, falls through to ParseFloat and is 8.
 */
function numberValue(tok: Tok, lit: string): number {
  if (tok === "NUMBER" && lit.length > 1 && lit[0] === "0" && /^[0-7]+$/.test(lit)) {
    const octal = parseInt(lit, 8);
    if (octal <= 2 ** 64 - 1) return octal;
  }
  return Number(lit);
}

// ---------------------------------------------------------------------------
// Parser (syntax/parser/internal.go)
// ---------------------------------------------------------------------------

class Parser {
  private readonly scanner: Scanner;
  private readonly lineStarts: number[] = [0];
  private pos = 0;
  private tok: Tok = "EOF";
  private lit = "";

  constructor(src: string) {
    for (let i = 0; i < src.length; i++) if (src.charCodeAt(i) === 0x0a) this.lineStarts.push(i + 1);
    this.scanner = new Scanner(src, (off, msg) => this.failAt(off, msg));
    this.next();
  }

  private failAt(offset: number, reason: string): never {
    const [line, column] = this.lineCol(offset);
    throw new AlloySyntaxError(line, column, reason);
  }

  /** Go's addErrorf: reported at the current token. */
  private fail(reason: string): never {
    return this.failAt(this.pos, reason);
  }

  private lineCol(offset: number): [number, number] {
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return [lo + 1, offset - this.lineStarts[lo] + 1];
  }

  private next(): void {
    ({ pos: this.pos, tok: this.tok, lit: this.lit } = this.scanner.scan());
  }

  /** Tests the current token; a method so TS doesn't narrow this.tok across next(). */
  private at(t: Tok): boolean {
    return this.tok === t;
  }

  private expect(t: Tok): Token {
    const cur = { pos: this.pos, tok: this.tok, lit: this.lit };
    if (cur.tok !== t) this.fail(`expected ${t}, got ${cur.tok}`);
    this.next();
    return cur;
  }

  /** File = Body */
  parseFile(): Statement[] {
    return this.parseBody("EOF");
  }

  /**
   * Body = [ Statement { terminator Statement } ]
   * Statements must be separated by a TERMINATOR (an inserted newline), which
   * is what rejects two statements on one line.
   */
  private parseBody(until: Tok): Statement[] {
    const body: Statement[] = [];
    while (this.tok !== until && this.tok !== "EOF") {
      body.push(this.parseStatement());
      if (this.tok === until) break;
      if (this.tok !== "TERMINATOR") this.fail(`expected TERMINATOR, got ${this.tok}`);
      this.next();
    }
    return body;
  }

  /**
   * Statement = Attribute | Block
   * Attribute = identifier "=" Expression
   * Block     = BlockName "{" Body "}"
   * Both start with a BlockName; the token after it decides which one it is.
   */
  private parseStatement(): Statement {
    const bn = this.parseBlockName();
    const [line] = this.lineCol(bn.start);

    if (this.tok === "=") {
      this.next(); // consume "="; Go reports the name problems after this
      if (bn.fragments.length !== 1) {
        this.failAt(bn.start, 'attribute names may only consist of a single identifier with no "."');
      }
      if (bn.labelPos !== undefined) this.failAt(bn.labelPos, "attribute names may not have labels");
      return { kind: "attribute", name: bn.fragments[0], value: this.parseExpression(), line };
    }

    if (this.tok === "{") {
      this.next();
      const body = this.parseBody("}");
      this.expect("}");
      const block: Block = { kind: "block", name: bn.fragments.join("."), body, line };
      // Go keeps Label == "" both for no label and for `""`.
      if (bn.label) block.label = bn.label;
      return block;
    }

    if (bn.fragments.length === 1 && bn.label === "") {
      this.fail(`expected attribute assignment or block body, got ${this.tok}`);
    }
    this.fail(`expected block body, got ${this.tok}`);
  }

  /** BlockName = identifier { "." identifier } [ string ] */
  private parseBlockName(): { fragments: string[]; label: string; start: number; labelPos?: number } {
    if (this.tok !== "IDENT") this.fail(`expected identifier, got ${this.tok}`);
    const bn = { fragments: [this.lit], label: "", start: this.pos, labelPos: undefined as number | undefined };
    this.next();

    while (this.at(".")) {
      this.next();
      if (this.tok !== "IDENT") this.fail(`expected identifier, got ${String(this.tok)}`);
      bn.fragments.push(this.lit);
      this.next();
    }

    if (!this.at("=") && !this.at("{")) {
      if (!this.at("STRING")) this.fail(`expected block label, got ${this.tok}`);
      // Labels must be double-quoted and are taken verbatim (not unescaped);
      // a non-empty one must be a valid identifier.
      if (this.lit[0] !== '"') {
        this.fail(`expected block label to be a double quoted string, but got ${goQuote(this.lit)}`);
      }
      if (this.lit.length > 2) {
        bn.label = this.lit.slice(1, -1);
        if (!isValidIdentifier(bn.label)) {
          this.fail(`expected block label to be a valid identifier, but got ${goQuote(bn.label)}`);
        }
      }
      bn.labelPos = this.pos;
      this.next();
    }
    return bn;
  }

  /** Expression = BinOpExpr */
  private parseExpression(): Value {
    return this.parseBinOp(1);
  }

  /**
   * OrExpr  = AndExpr { "||" AndExpr }
   * AndExpr = CmpExpr { "&&" CmpExpr }
   * CmpExpr = AddExpr { cmp_op AddExpr }
   * AddExpr = MulExpr { add_op MulExpr }
   * MulExpr = PowExpr { mul_op PowExpr }
   * Precedence climbing, left-associative; `^` is handled by parsePowExpr.
   */
  private parseBinOp(inPrec: number): Value {
    let lhs = this.parsePowExpr();
    for (;;) {
      const op = this.tok;
      const prec = binaryPrecedence(op);
      if (prec < inPrec) return lhs;
      this.next();
      const rhs = this.parseBinOp(prec + 1);
      lhs = { kind: "binary", op, left: lhs, right: rhs };
    }
  }

  /**
   * PowExpr = UnaryExpr [ "^" PowExpr ]  (right-associative)
   * Its operands are unary expressions, so `-2 ^ 2` is `(-2) ^ 2`.
   */
  private parsePowExpr(): Value {
    const lhs = this.parseUnaryExpr();
    if (this.tok === "^") {
      this.next();
      return { kind: "binary", op: "^", left: lhs, right: this.parsePowExpr() };
    }
    return lhs;
  }

  /**
   * UnaryExpr  = OperExpr | unary_op UnaryExpr
   * OperExpr   = PrimaryExpr { AccessExpr | IndexExpr | CallExpr }
   */
  private parseUnaryExpr(): Value {
    if (this.tok === "!" || this.tok === "-") {
      const op = this.tok;
      this.next();
      return { kind: "unary", op, operand: this.parseUnaryExpr() };
    }

    const start = this.pos;
    let primary = this.parsePrimaryExpr();
    for (;;) {
      switch (this.tok) {
        case ".": {
          this.next();
          const name = this.expect("IDENT").lit;
          primary = { kind: "access", object: primary, member: name };
          break;
        }
        case "[": {
          this.next();
          const index = this.parseExpression();
          this.expect("]");
          primary = { kind: "index", object: primary, index };
          break;
        }
        case "(": {
          this.next();
          const args = this.at(")") ? [] : this.parseExpressionList(")");
          this.expect(")");
          primary = { kind: "call", callee: primary, args };
          break;
        }
        case "STRING":
        case "{":
          // `attr = some.component "label" { ... }`: Go parses the block so
          // errors inside it come first, then rejects it as an expression.
          if (this.tok === "STRING") this.next();
          this.expect("{");
          this.parseBody("}");
          this.expect("}");
          return this.failAt(start, "cannot use a block as an expression");
        default:
          return primary;
      }
    }
  }

  /**
   * PrimaryExpr  = LiteralValue | ArrayExpr | ObjectExpr
   * LiteralValue = identifier | string | number | float | bool | null | "(" Expression ")"
   */
  private parsePrimaryExpr(): Value {
    const { tok, lit } = this;
    switch (tok) {
      case "IDENT":
        this.next();
        return { kind: "ident", name: lit };
      case "STRING":
        this.next();
        return { kind: "string", value: unquote(lit) };
      case "NUMBER":
      case "FLOAT":
        this.next();
        return { kind: "number", value: numberValue(tok, lit) };
      case "BOOL":
        this.next();
        return { kind: "bool", value: lit === "true" };
      case "NULL":
        this.next();
        return { kind: "null" };
      case "(": {
        this.next();
        const inner = this.parseExpression();
        this.expect(")");
        return { kind: "paren", inner };
      }
      case "[": {
        this.next();
        const items = this.tok !== "]" ? this.parseExpressionList("]") : [];
        this.expect("]");
        return { kind: "array", items };
      }
      case "{": {
        this.next();
        // Go tests for "]" here rather than "}" (a slip in internal.go); it
        // only changes which message `{]` produces, so it is mirrored.
        const fields = this.tok !== "]" ? this.parseFieldList("}") : [];
        this.expect("}");
        return { kind: "object", fields };
      }
      default:
        this.fail(`expected expression, got ${tok}`);
    }
  }

  /**
   * ExpressionList = Expression { "," Expression } [ "," ]
   * A newline after an element inserts a TERMINATOR, which is not a ",":
   * that is why a multi-line list needs a trailing comma.
   */
  private parseExpressionList(until: Tok): Value[] {
    const exprs: Value[] = [];
    while (this.tok !== until && this.tok !== "EOF") {
      exprs.push(this.parseExpression());
      if (this.tok === until) break;
      if (this.tok !== ",") this.fail("missing ',' in expression list");
      this.next();
    }
    return exprs;
  }

  /** FieldList = Field { "," Field } [ "," ] */
  private parseFieldList(until: Tok): { key: string; value: Value }[] {
    const fields: { key: string; value: Value }[] = [];
    while (this.tok !== until && this.tok !== "EOF") {
      fields.push(this.parseField());
      if (this.tok === until) break;
      if (this.tok !== ",") this.fail("missing ',' in field list");
      this.next();
    }
    return fields;
  }

  /**
   * Field = ( string | identifier ) "=" Expression
   * A quoted key is the raw text between the quotes, NOT unescaped (Go:
   * `field.Name.Name = p.lit[1 : len(p.lit)-1]`, used as-is by the
   * evaluator). Go only strips quotes when the literal is longer than 2, so
   * the key `""` stays the two-character string `""`.
   */
  private parseField(): { key: string; value: Value } {
    if (this.tok !== "STRING" && this.tok !== "IDENT") {
      this.fail(`expected field name (string or identifier), got ${this.tok}`);
    }
    const key = this.tok === "STRING" && this.lit.length > 2 ? this.lit.slice(1, -1) : this.lit;
    this.next();
    this.expect("=");
    return { key, value: this.parseExpression() };
  }
}

// ---------------------------------------------------------------------------
// Go-compatible formatting helpers
// ---------------------------------------------------------------------------

/** Go's strconv.IsPrint: letters, marks, numbers, punctuation, symbols and ASCII space. */
function isPrint(cp: number): boolean {
  return cp === 0x20 || /[\p{L}\p{M}\p{N}\p{P}\p{S}]/u.test(String.fromCodePoint(cp));
}

/** fmt's %#U: `U+0023 '#'`, or just `U+0007` when not printable. */
function goRuneU(cp: number): string {
  const hex = `U+${cp.toString(16).toUpperCase().padStart(4, "0")}`;
  return isPrint(cp) ? `${hex} '${String.fromCodePoint(cp)}'` : hex;
}

/**
 * strconv.Quote: a double-quoted string that Alloy (and Go) unquote back to
 * `s`. Used for %q in error messages and for strings in formatValue.
 */
function goQuote(s: string): string {
  const named: Record<number, string> = {
    0x07: "\\a",
    0x08: "\\b",
    0x0c: "\\f",
    0x0a: "\\n",
    0x0d: "\\r",
    0x09: "\\t",
    0x0b: "\\v",
    0x22: '\\"',
    0x5c: "\\\\",
  };
  let out = '"';
  for (const c of s) {
    const cp = c.codePointAt(0)!;
    if (named[cp] !== undefined) out += named[cp];
    else if (isPrint(cp)) out += c;
    else if (cp < 0x80) out += `\\x${cp.toString(16).padStart(2, "0")}`;
    else if (cp >= 0xd800 && cp <= 0xdfff)
      out += "\\ufffd"; // lone surrogate: Go would see U+FFFD
    else if (cp <= 0xffff) out += `\\u${cp.toString(16).padStart(4, "0")}`;
    else out += `\\U${cp.toString(16).padStart(8, "0")}`;
  }
  return out + '"';
}
