/**
 * Evaluates `discovery.relabel` rules the way Alloy does for the `replace`
 * action (Prometheus model/relabel: join source labels with the separator,
 * match the fully anchored regex, expand the replacement), so tests can check
 * the labels a pod really gets rather than the text of the rules.
 */
import { literalValue, type Attribute, type Block } from "./alloy-syntax";

export type Labels = Record<string, string>;

interface Rule {
  sourceLabels: string[];
  separator: string;
  regex: RegExp;
  replacement: string;
  targetLabel: string;
  action: string;
}

export function rulesOf(relabel: Block): Rule[] {
  return relabel.body
    .filter((s): s is Block => s.kind === "block" && s.name === "rule")
    .map((rule) => {
      const attrs = Object.fromEntries(
        rule.body.filter((s): s is Attribute => s.kind === "attribute").map((a) => [a.name, literalValue(a.value)]),
      ) as Record<string, unknown>;
      return {
        sourceLabels: (attrs.source_labels as string[]) ?? [],
        separator: (attrs.separator as string) ?? ";",
        // Alloy anchors the regex: ^(?:regex)$ (alloy/internal/component/common/relabel).
        regex: new RegExp(`^(?:${(attrs.regex as string) ?? "(.*)"})$`),
        replacement: (attrs.replacement as string) ?? "$1",
        targetLabel: attrs.target_label as string,
        action: (attrs.action as string) ?? "replace",
      };
    });
}

/** The labels after the rules, or undefined when a rule dropped the target. */
export function applyRules(rules: Rule[], input: Labels): Labels | undefined {
  const labels = { ...input };
  for (const rule of rules) {
    const value = rule.sourceLabels.map((l) => labels[l] ?? "").join(rule.separator);
    const match = rule.regex.exec(value);
    if (rule.action === "drop") {
      if (match) return undefined;
      continue;
    }
    if (rule.action === "keep") {
      if (!match) return undefined;
      continue;
    }
    if (rule.action !== "replace") throw new Error(`action ${rule.action} is not modelled`);
    if (!match) continue;
    const result = rule.replacement.replace(/\$(\d+)/g, (_, i: string) => match[Number(i)] ?? "");
    if (result === "") delete labels[rule.targetLabel];
    else labels[rule.targetLabel] = result;
  }
  return labels;
}

/** The labels a log line keeps: those not starting with "__". */
export function publicLabels(labels: Labels | undefined): Labels {
  if (!labels) throw new Error("the target was dropped");
  return Object.fromEntries(Object.entries(labels).filter(([k]) => !k.startsWith("__")));
}
