/**
 * PromQL parsing with Prometheus's own lezer grammar (@prometheus-io/lezer-promql,
 * the parser of the Prometheus UI's editor): syntax errors and the metric names
 * an expression selects. promtool checks the rules with the server's Go parser;
 * this one also runs without promtool, and gives the syntax tree.
 */
import { parser } from "@prometheus-io/lezer-promql";

export interface ParsedPromQL {
  /** Positions and text of the parser's error nodes; empty when the expression parses. */
  errors: string[];
  /** Metric names of the vector selectors, in order of appearance. */
  metricNames: string[];
  /** `__name__` and quoted-name matchers, whose metric names cannot be checked against a list: the tests require none. */
  nameMatchers: string[];
}

export function parsePromQL(expr: string): ParsedPromQL {
  const tree = parser.parse(expr);
  const errors: string[] = [];
  const metricNames: string[] = [];
  const nameMatchers: string[] = [];
  const cursor = tree.cursor();
  do {
    const node = cursor.node;
    if (node.type.isError) {
      errors.push(`at ${node.from}: ${JSON.stringify(expr.slice(Math.max(0, node.from - 20), node.from + 20))}`);
    } else if (node.name === "Identifier" && node.parent?.name === "VectorSelector") {
      metricNames.push(expr.slice(node.from, node.to));
    } else if (node.name === "UnquotedLabelMatcher") {
      const name = node.getChild("LabelName");
      if (name && expr.slice(name.from, name.to) === "__name__") nameMatchers.push(expr.slice(node.from, node.to));
    } else if (node.name === "QuotedLabelMatcher" || node.name === "QuotedLabelName") {
      // Prometheus 3's quoted (UTF-8) names: `{"metric.name"}` or `{"__name__"="..."}`.
      nameMatchers.push(expr.slice(node.from, node.to));
    }
  } while (cursor.next());
  return { errors, metricNames, nameMatchers };
}
