import * as assert from "node:assert/strict";
import { AlloySyntaxError, Attribute, Block, Statement, Value, formatValue, literalValue, parseAlloy } from "./support/alloy-syntax";

// Expected error positions and messages below were checked against Alloy
// v1.11.3's own Go parser (syntax/parser), built from the tagged source.

/** Parses `a = <expr>` and returns the expression. */
function expr(source: string): Value {
  const stmts = parseAlloy(`a = ${source}\n`);
  assert.equal(stmts.length, 1);
  const [stmt] = stmts;
  assert.equal(stmt.kind, "attribute");
  return stmt.value;
}

/** Renders binary/unary operators fully parenthesised, to make grouping visible. */
function grouped(v: Value): string {
  switch (v.kind) {
    case "binary":
      return `(${grouped(v.left)} ${v.op} ${grouped(v.right)})`;
    case "unary":
      return `(${v.op}${grouped(v.operand)})`;
    case "paren":
      return `[${grouped(v.inner)}]`;
    default:
      return formatValue(v);
  }
}

function rejects(source: string, line: number, column: number, reason: string): void {
  assert.throws(
    () => parseAlloy(source),
    (err: unknown) => {
      assert.ok(err instanceof AlloySyntaxError, `expected AlloySyntaxError, got ${String(err)}`);
      assert.equal(err.message, `${line}:${column}: ${reason}`);
      assert.equal(err.line, line);
      assert.equal(err.column, column);
      return true;
    },
  );
}

function block(stmts: Statement[], name: string, label?: string): Block {
  const found = stmts.find((s): s is Block => s.kind === "block" && s.name === name && s.label === label);
  assert.ok(found, `no block ${name} ${label ?? ""}`);
  return found;
}

function attribute(stmts: Statement[], name: string): Attribute {
  const found = stmts.find((s): s is Attribute => s.kind === "attribute" && s.name === name);
  assert.ok(found, `no attribute ${name}`);
  return found;
}

const str = (value: string): Value => ({ kind: "string", value });
const num = (value: number): Value => ({ kind: "number", value });
const ident = (name: string): Value => ({ kind: "ident", name });

describe("alloy-syntax parser", () => {
  describe("a realistic log pipeline", () => {
    const pipeline = `// Discover the pods running on this node only.
discovery.kubernetes "pods" {
  role = "pod"

  selectors {
    role  = "pod"
    field = "spec.nodeName=" + sys.env("HOSTNAME")
  }
}

discovery.relabel "pod_logs" {
  targets = discovery.kubernetes.pods.targets

  rule {
    source_labels = ["__meta_kubernetes_namespace"]
    target_label  = "namespace"
  }

  rule {
    source_labels = ["__meta_kubernetes_pod_name"]
    target_label  = "pod"
  }

  rule {
    source_labels = ["__meta_kubernetes_pod_uid", "__meta_kubernetes_pod_container_name"]
    separator     = "/"
    target_label  = "__path__"
    replacement   = "/var/log/pods/*$1/*.log"
  }
}

loki.process "pods" {
  stage.cri {}
  forward_to = [loki.write.default.receiver]
}

loki.write "default" {
  endpoint {
    url = "http://loki-gateway.loki.svc.cluster.local/loki/api/v1/push"
  }
  external_labels = { cluster = "ops" }
}
`;

    it("lists the top-level blocks with dotted names, labels and lines", () => {
      const stmts = parseAlloy(pipeline);
      assert.deepStrictEqual(
        stmts.map((s) => [s.kind, s.name, s.kind === "block" ? s.label : undefined, s.line]),
        [
          ["block", "discovery.kubernetes", "pods", 2],
          ["block", "discovery.relabel", "pod_logs", 11],
          ["block", "loki.process", "pods", 32],
          ["block", "loki.write", "default", 37],
        ],
      );
    });

    it("parses discovery.kubernetes with its nested selectors block", () => {
      assert.deepStrictEqual(block(parseAlloy(pipeline), "discovery.kubernetes", "pods"), {
        kind: "block",
        name: "discovery.kubernetes",
        label: "pods",
        line: 2,
        body: [
          { kind: "attribute", name: "role", value: str("pod"), line: 3 },
          {
            kind: "block",
            name: "selectors",
            line: 5,
            body: [
              { kind: "attribute", name: "role", value: str("pod"), line: 6 },
              {
                kind: "attribute",
                name: "field",
                line: 7,
                value: {
                  kind: "binary",
                  op: "+",
                  left: str("spec.nodeName="),
                  right: {
                    kind: "call",
                    callee: { kind: "access", object: ident("sys"), member: "env" },
                    args: [str("HOSTNAME")],
                  },
                },
              },
            ],
          },
        ],
      });
    });

    it("renders the selector field expression canonically", () => {
      const selectors = block(block(parseAlloy(pipeline), "discovery.kubernetes", "pods").body, "selectors");
      assert.equal(formatValue(attribute(selectors.body, "field").value), '"spec.nodeName=" + sys.env("HOSTNAME")');
    });

    it("keeps every rule block of discovery.relabel in order", () => {
      const relabel = block(parseAlloy(pipeline), "discovery.relabel", "pod_logs");
      assert.equal(formatValue(attribute(relabel.body, "targets").value), "discovery.kubernetes.pods.targets");
      const rules = relabel.body.filter((s): s is Block => s.kind === "block");
      assert.deepStrictEqual(
        rules.map((r) => [r.name, r.line, literalValue(attribute(r.body, "source_labels").value)]),
        [
          ["rule", 14, ["__meta_kubernetes_namespace"]],
          ["rule", 19, ["__meta_kubernetes_pod_name"]],
          ["rule", 24, ["__meta_kubernetes_pod_uid", "__meta_kubernetes_pod_container_name"]],
        ],
      );
      assert.equal(literalValue(attribute(rules[2].body, "replacement").value), "/var/log/pods/*$1/*.log");
    });

    it("parses an empty dotted block (stage.cri {}) and a list of references", () => {
      const process = block(parseAlloy(pipeline), "loki.process", "pods");
      assert.deepStrictEqual(process.body[0], { kind: "block", name: "stage.cri", body: [], line: 33 });
      assert.equal(formatValue(attribute(process.body, "forward_to").value), "[loki.write.default.receiver]");
    });

    it("parses loki.write with its endpoint block and external_labels object", () => {
      const write = block(parseAlloy(pipeline), "loki.write", "default");
      assert.equal(
        literalValue(attribute(block(write.body, "endpoint").body, "url").value),
        "http://loki-gateway.loki.svc.cluster.local/loki/api/v1/push",
      );
      const labels = attribute(write.body, "external_labels");
      assert.deepStrictEqual(labels, {
        kind: "attribute",
        name: "external_labels",
        line: 41,
        value: { kind: "object", fields: [{ key: "cluster", value: str("ops") }] },
      });
      assert.deepStrictEqual(literalValue(labels.value), { cluster: "ops" });
    });
  });

  describe("statements", () => {
    it("parses an attribute", () => {
      assert.deepStrictEqual(parseAlloy('log_level = "debug"'), [{ kind: "attribute", name: "log_level", value: str("debug"), line: 1 }]);
    });

    it("parses a labelled block with a dotted name", () => {
      assert.deepStrictEqual(parseAlloy('local.file "token" {\n  is_secret = true\n}\n'), [
        {
          kind: "block",
          name: "local.file",
          label: "token",
          line: 1,
          body: [{ kind: "attribute", name: "is_secret", value: { kind: "bool", value: true }, line: 2 }],
        },
      ]);
    });

    it("parses a one-line block whose body is a single attribute", () => {
      assert.deepStrictEqual(parseAlloy("logging { level = 1 }"), [
        { kind: "block", name: "logging", line: 1, body: [{ kind: "attribute", name: "level", value: num(1), line: 1 }] },
      ]);
    });

    it("treats an empty label like no label, as Go's BlockStmt does", () => {
      assert.deepStrictEqual(parseAlloy('a "" {}'), [{ kind: "block", name: "a", body: [], line: 1 }]);
    });

    it("accepts an empty file and a file of only comments", () => {
      assert.deepStrictEqual(parseAlloy(""), []);
      assert.deepStrictEqual(parseAlloy("// nothing\n/* here */\n"), []);
    });

    it("accepts CRLF line endings and a leading byte order mark", () => {
      assert.deepStrictEqual(parseAlloy('\ufeffa = 1\r\nb {\r\n  c = "x"\r\n}\r\n'), [
        { kind: "attribute", name: "a", value: num(1), line: 1 },
        { kind: "block", name: "b", line: 2, body: [{ kind: "attribute", name: "c", value: str("x"), line: 3 }] },
      ]);
    });

    it("accepts Unicode letters and digits in identifiers", () => {
      assert.deepStrictEqual(parseAlloy("café_٣ = ñ\n"), [{ kind: "attribute", name: "café_٣", value: ident("ñ"), line: 1 }]);
    });
  });

  describe("string escapes", () => {
    const cases: [string, string][] = [
      [String.raw`\"`, '"'],
      [String.raw`\\`, "\\"],
      [String.raw`\n`, "\n"],
      [String.raw`\t`, "\t"],
      [String.raw`\r`, "\r"],
      [String.raw`\a`, "\x07"],
      [String.raw`\b`, "\b"],
      [String.raw`\f`, "\f"],
      [String.raw`\v`, "\v"],
      [String.raw`\x41`, "A"],
      [String.raw`\101`, "A"],
      [String.raw`\000`, "\0"],
      [String.raw`\u00e9`, "é"],
      [String.raw`\u20AC`, "€"],
      [String.raw`\U0001F600`, "😀"],
    ];
    for (const [escape, want] of cases) {
      it(`unescapes ${escape}`, () => {
        assert.deepStrictEqual(expr(`"<${escape}>"`), str(`<${want}>`));
      });
    }

    it("joins \\x and octal escapes as bytes into UTF-8 characters", () => {
      assert.deepStrictEqual(expr(String.raw`"\xc3\xa9 \303\251"`), str("é é"));
    });

    it("keeps non-escaped text, including literal tabs and Unicode, as written", () => {
      assert.deepStrictEqual(expr('"tab\there ünï ${x} {{ y }}"'), str("tab\there ünï ${x} {{ y }}"));
    });

    it("round-trips quotes, backslashes, newlines, ${ and {{ written with escapes", () => {
      const original = 'say "hi" \\ C:\\path\nnext ${VAR} {{ .Values.x }}';
      // (String.raw would interpolate ${VAR}, so the tail is a plain string.)
      const literal = String.raw`"say \"hi\" \\ C:\\path\nnext ` + '${VAR} {{ .Values.x }}"';
      assert.equal(formatValue(str(original)), literal);
      assert.deepStrictEqual(expr(literal), str(original));
    });
  });

  describe("raw strings", () => {
    it("takes backslashes and double quotes literally", () => {
      assert.deepStrictEqual(expr('`C:\\dir\\n "quoted"`'), str('C:\\dir\\n "quoted"'));
    });

    it("may span lines", () => {
      assert.deepStrictEqual(parseAlloy("a = `line 1\nline 2`\nb = 2\n"), [
        { kind: "attribute", name: "a", value: str("line 1\nline 2"), line: 1 },
        { kind: "attribute", name: "b", value: num(2), line: 3 },
      ]);
    });

    it("drops carriage returns, as Go's strconv.Unquote does", () => {
      assert.deepStrictEqual(expr("`a\r\nb`"), str("a\nb"));
    });
  });

  describe("comments", () => {
    it("are ignored before, inside and after statements, blocks and lists", () => {
      const source = [
        "// head",
        "a /* x */ = /* y */ [ /* z */ 1, // after one",
        " 2, /* two */",
        "] // tail",
        "b { // open",
        "  c = 1 /* c */ // c",
        "  /* before */ d = 2",
        "} /* end */",
        "/* multi",
        "line */ e = 3",
      ].join("\n");
      assert.deepStrictEqual(parseAlloy(source), [
        { kind: "attribute", name: "a", value: { kind: "array", items: [num(1), num(2)] }, line: 2 },
        {
          kind: "block",
          name: "b",
          line: 5,
          body: [
            { kind: "attribute", name: "c", value: num(1), line: 6 },
            { kind: "attribute", name: "d", value: num(2), line: 7 },
          ],
        },
        { kind: "attribute", name: "e", value: num(3), line: 10 },
      ]);
    });

    it("ends a statement when a block comment contains a newline", () => {
      assert.deepStrictEqual(parseAlloy("a = 1 /* multi\nline */ b = 2\n"), [
        { kind: "attribute", name: "a", value: num(1), line: 1 },
        { kind: "attribute", name: "b", value: num(2), line: 2 },
      ]);
    });

    it("does not end a statement with a one-line block comment", () => {
      rejects("a = 1 /* one */ b = 2\n", 1, 17, "expected TERMINATOR, got IDENT");
    });

    it("rejects # comments, which Alloy does not have", () => {
      rejects("# comment\na = 1\n", 1, 1, "illegal character U+0023 '#'");
      rejects("a = 1 # comment\n", 1, 7, "illegal character U+0023 '#'");
    });

    it("rejects an unterminated block comment", () => {
      rejects("a = 1\n/* open\n", 2, 1, "block comment not terminated");
    });
  });

  describe("arrays, objects and calls", () => {
    it("accepts a trailing comma in arrays, objects and call arguments", () => {
      assert.deepStrictEqual(expr("[1, 2,]"), { kind: "array", items: [num(1), num(2)] });
      assert.deepStrictEqual(expr("{ a = 1, }"), { kind: "object", fields: [{ key: "a", value: num(1) }] });
      assert.deepStrictEqual(expr("f(1,)"), { kind: "call", callee: ident("f"), args: [num(1)] });
    });

    it("accepts multi-line lists and objects that end with a comma", () => {
      assert.deepStrictEqual(literalValue(expr('[\n  "a",\n  "b",\n]')), ["a", "b"]);
      assert.deepStrictEqual(literalValue(expr('{\n  a = 1,\n  "b.c" = [],\n}')), { a: 1, "b.c": [] });
      assert.equal(formatValue(expr("f(\n  1,\n  2,\n)")), "f(1, 2)");
    });

    it("parses empty arrays, objects and calls", () => {
      assert.deepStrictEqual(expr("[]"), { kind: "array", items: [] });
      assert.deepStrictEqual(expr("{}"), { kind: "object", fields: [] });
      assert.deepStrictEqual(expr("f()"), { kind: "call", callee: ident("f"), args: [] });
    });

    it("accepts identifier and string object keys", () => {
      assert.deepStrictEqual(expr('{ plain = 1, "app.kubernetes.io/name" = 2, `raw` = 3 }'), {
        kind: "object",
        fields: [
          { key: "plain", value: num(1) },
          { key: "app.kubernetes.io/name", value: num(2) },
          { key: "raw", value: num(3) },
        ],
      });
    });

    it("takes quoted object keys verbatim, without unescaping, as Alloy does", () => {
      assert.deepStrictEqual(expr(String.raw`{ "a\nb" = 1 }`), {
        kind: "object",
        fields: [{ key: String.raw`a\nb`, value: num(1) }],
      });
    });

    it("parses member access, indexing and calls as one postfix chain", () => {
      assert.deepStrictEqual(expr("a.b[0](1).c"), {
        kind: "access",
        member: "c",
        object: {
          kind: "call",
          args: [num(1)],
          callee: { kind: "index", index: num(0), object: { kind: "access", object: ident("a"), member: "b" } },
        },
      });
    });

    it("allows a newline right after an opening bracket", () => {
      assert.equal(formatValue(expr("b[\n0]")), "b[0]");
    });

    it("rejects a multi-line list without a trailing comma", () => {
      rejects("a = [\n  1,\n  2\n]\n", 3, 4, "missing ',' in expression list");
      rejects("a = f(\n  1\n)\n", 2, 4, "missing ',' in expression list");
    });

    it("rejects a multi-line object without a trailing comma", () => {
      rejects("a = {\n  b = 1\n}\n", 2, 8, "missing ',' in field list");
    });

    it("rejects an object key that is neither identifier nor string", () => {
      rejects("a = { 1 = 2 }\n", 1, 7, "expected field name (string or identifier), got NUMBER");
    });

    it("rejects an object field without =", () => {
      rejects("a = { b 1 }\n", 1, 9, "expected =, got NUMBER");
    });

    it("rejects a keyword after a dot", () => {
      rejects("a = b.true\n", 1, 7, "expected IDENT, got BOOL");
    });
  });

  describe("literals", () => {
    it("parses true, false and null", () => {
      assert.deepStrictEqual(expr("[true, false, null]"), {
        kind: "array",
        items: [{ kind: "bool", value: true }, { kind: "bool", value: false }, { kind: "null" }],
      });
    });

    it("parses integer and float forms", () => {
      assert.deepStrictEqual(literalValue(expr("[0, 42, 3.14, 1., .5, 1e3, 2E-3, 1.5e+2]")), [0, 42, 3.14, 1, 0.5, 1000, 0.002, 150]);
    });

    it("reads a leading-zero integer as octal, like Go's strconv.ParseInt(lit, 0, 64)", () => {
      assert.deepStrictEqual(literalValue(expr("[010, 0755, 08]")), [8, 493, 8]);
    });

    it("rejects an exponent without digits", () => {
      rejects("a = 1e\n", 1, 5, "exponent has no digits");
    });
  });

  describe("operators", () => {
    it("binds * tighter than +", () => {
      assert.deepStrictEqual(expr("1 + 2 * 3"), {
        kind: "binary",
        op: "+",
        left: num(1),
        right: { kind: "binary", op: "*", left: num(2), right: num(3) },
      });
    });

    it("orders ||, &&, comparisons, additive and multiplicative operators", () => {
      assert.equal(grouped(expr("a || b && c == d + e * f")), "(a || (b && (c == (d + (e * f)))))");
      assert.equal(grouped(expr("a * b + c < d && e || f")), "(((((a * b) + c) < d) && e) || f)");
      assert.equal(grouped(expr("a % b / c - d != e >= f")), "(((((a % b) / c) - d) != e) >= f)");
    });

    it("is left-associative for - and /", () => {
      assert.equal(grouped(expr("1 - 2 - 3")), "((1 - 2) - 3)");
      assert.equal(grouped(expr("8 / 4 / 2")), "((8 / 4) / 2)");
    });

    it("is right-associative for ^, which binds tighter than *", () => {
      assert.equal(grouped(expr("2 ^ 3 ^ 2")), "(2 ^ (3 ^ 2))");
      assert.equal(grouped(expr("2 * 3 ^ 2")), "(2 * (3 ^ 2))");
    });

    it("applies unary operators before ^, so -2 ^ 2 is (-2) ^ 2", () => {
      assert.equal(grouped(expr("-2 ^ 2")), "((-2) ^ 2)");
      assert.equal(grouped(expr("!a == b")), "((!a) == b)");
      assert.equal(grouped(expr("--a")), "(-(-a))");
    });

    it("keeps parentheses as paren nodes", () => {
      assert.deepStrictEqual(expr("(1 + 2) * 3"), {
        kind: "binary",
        op: "*",
        left: { kind: "paren", inner: { kind: "binary", op: "+", left: num(1), right: num(2) } },
        right: num(3),
      });
    });

    it("continues an expression on the next line after a binary operator", () => {
      assert.deepStrictEqual(parseAlloy("a = 1 +\n  2\n"), [
        { kind: "attribute", name: "a", value: { kind: "binary", op: "+", left: num(1), right: num(2) }, line: 1 },
      ]);
    });

    it("does not continue an expression whose operator starts the next line", () => {
      rejects("a = 1\n  + 2\n", 2, 3, "expected identifier, got +");
    });

    it("rejects single | and &", () => {
      rejects("a = b | c\n", 1, 8, "missing second | in ||");
      rejects("a = b & c\n", 1, 8, "missing second & in &&");
    });
  });

  describe("rejected input", () => {
    it("throws AlloySyntaxError, an Error whose message starts with line:column", () => {
      assert.throws(
        () => parseAlloy("a = 1\nb = 2 3\n"),
        (err: unknown) =>
          err instanceof AlloySyntaxError &&
          err instanceof Error &&
          err.name === "AlloySyntaxError" &&
          err.line === 2 &&
          err.column === 7 &&
          err.message === "2:7: expected TERMINATOR, got NUMBER",
      );
    });

    it("rejects a string left open at the end of the file", () => {
      rejects('a = "abc', 1, 5, "string literal not terminated");
    });

    it("rejects a raw newline inside a double-quoted string", () => {
      rejects('a = "abc\ndef"\n', 1, 5, "string literal not terminated");
    });

    it("rejects an unknown escape sequence", () => {
      rejects(String.raw`a = "x\qy"` + "\n", 1, 8, "unknown escape sequence");
    });

    it("rejects \\' even though Alloy's docs list it (scanner.go does not accept it)", () => {
      rejects(String.raw`a = "it\'s"` + "\n", 1, 9, "unknown escape sequence");
    });

    it("rejects a \\x escape with too few hex digits", () => {
      rejects(String.raw`a = "\x4"` + "\n", 1, 7, `illegal character U+0022 '"' in escape sequence`);
    });

    it("rejects escapes outside the Unicode range or in the surrogate range", () => {
      rejects(String.raw`a = "\uD800"` + "\n", 1, 7, "escape sequence is invalid Unicode code point");
      rejects(String.raw`a = "\U00110000"` + "\n", 1, 7, "escape sequence is invalid Unicode code point");
      rejects(String.raw`a = "\400"` + "\n", 1, 7, "escape sequence is invalid Unicode code point");
    });

    it("rejects single-quoted strings", () => {
      rejects("a = 'x'\n", 1, 5, "illegal single-quoted string; use double quotes");
    });

    it("rejects a block that is never closed", () => {
      rejects("a {\n  b = 1\n", 3, 1, "expected }, got EOF");
      rejects("a {\n  b {\n    c = 1\n}\n", 5, 1, "expected }, got EOF");
    });

    it("rejects a closing brace with no block open", () => {
      rejects("a {\n  b = 1\n}\n}\n", 4, 1, "expected identifier, got }");
    });

    it("rejects trailing content after a complete statement", () => {
      rejects("a = 1 2\n", 1, 7, "expected TERMINATOR, got NUMBER");
      rejects("a {} }\n", 1, 6, "expected TERMINATOR, got }");
    });

    it("rejects a string following a value (parsed as a block used as an expression)", () => {
      rejects('a = "x" "y"\n', 1, 12, "expected {, got TERMINATOR");
      rejects('a = b.c "x" {\n}\n', 1, 5, "cannot use a block as an expression");
    });

    it("rejects an attribute without =", () => {
      rejects("a 1\n", 1, 3, "expected block label, got NUMBER");
      rejects("log_level\n", 1, 10, "expected block label, got TERMINATOR");
      rejects('log_level "debug"\n', 1, 18, "expected block body, got TERMINATOR");
    });

    it("rejects an attribute without a value", () => {
      rejects("a =", 1, 4, "expected expression, got EOF");
      rejects("a = ,\n", 1, 5, "expected expression, got ,");
      // The value may start on the next line, so `b` becomes the value and the
      // second `=` is the error.
      rejects("a =\nb = 1\n", 2, 3, "expected TERMINATOR, got =");
    });

    it("rejects two statements on one line", () => {
      rejects("a = 1 b = 2\n", 1, 7, "expected TERMINATOR, got IDENT");
      rejects("a {} b {}\n", 1, 6, "expected TERMINATOR, got IDENT");
    });

    it("rejects dotted or labelled attribute names", () => {
      rejects("a.b = 1\n", 1, 1, 'attribute names may only consist of a single identifier with no "."');
      rejects('a "x" = 1\n', 1, 3, "attribute names may not have labels");
    });

    it("rejects block labels that are raw strings or not identifiers", () => {
      rejects("a `x` {}\n", 1, 3, 'expected block label to be a double quoted string, but got "`x`"');
      rejects('a "x y" {}\n', 1, 3, 'expected block label to be a valid identifier, but got "x y"');
      rejects('a "x" "y" {}\n', 1, 7, "expected block body, got STRING");
    });

    it("rejects a block name ending in a dot", () => {
      rejects("a. {}\n", 1, 4, "expected identifier, got {");
    });

    it("rejects unclosed brackets and parentheses", () => {
      rejects("a = [1, 2\n", 1, 10, "missing ',' in expression list");
      rejects("a = (1\n", 1, 7, "expected ), got TERMINATOR");
    });
  });

  describe("formatValue", () => {
    it("renders calls, concatenation, arrays and objects compactly", () => {
      assert.equal(formatValue(expr('sys.env("HOSTNAME")')), 'sys.env("HOSTNAME")');
      assert.equal(formatValue(expr('"spec.nodeName=" + sys.env("HOSTNAME")')), '"spec.nodeName=" + sys.env("HOSTNAME")');
      assert.equal(formatValue(expr('[ "a" ,"b", ]')), '["a", "b"]');
      assert.equal(formatValue(expr('{ k = "v" }')), '{ "k" = "v" }');
      assert.equal(formatValue(expr("{}")), "{}");
    });

    it("renders operators, parentheses, indexing and literals", () => {
      assert.equal(formatValue(expr("-(a[0]+1.5)*!b||null")), "-(a[0] + 1.5) * !b || null");
    });

    it("escapes control characters so the output parses back to the same value", () => {
      const value = str('\x07\b\f\n\r\t\v\x01\x7f\u00a0é😀"\\');
      const text = formatValue(value);
      assert.equal(text, String.raw`"\a\b\f\n\r\t\v\x01\x7f\u00a0é😀\"\\"`);
      assert.deepStrictEqual(expr(text), value);
    });
  });

  describe("literalValue", () => {
    it("converts nested constant arrays and objects to plain JS values", () => {
      assert.deepStrictEqual(literalValue(expr('{ a = [1, "x", true, null], "b" = { c = 2.5 } }')), {
        a: [1, "x", true, null],
        b: { c: 2.5 },
      });
    });

    it("keeps the last value for a repeated object key", () => {
      assert.deepStrictEqual(literalValue(expr("{ a = 1, a = 2 }")), { a: 2 });
    });

    it("throws on identifiers, calls and operators", () => {
      assert.throws(() => literalValue(expr("[1, x]")), /not a constant expression: x/);
      assert.throws(() => literalValue(expr('sys.env("X")')), /not a constant expression/);
      assert.throws(() => literalValue(expr("1 + 2")), /not a constant expression: 1 \+ 2/);
      assert.throws(() => literalValue(expr("-1")), /not a constant expression: -1/);
    });
  });
});
