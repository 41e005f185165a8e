/**
 * The labels loki.source.journal gives a journal entry before its relabel rules
 * run, ported from Alloy v1.11.3
 * internal/component/loki/source/journal/internal/target/journaltarget.go:
 * makeJournalFields (every field FIELD as `__journal_<field lowercased>`, and
 * PRIORITY also as `__journal_priority_keyword` from makeJournalPriority), then the
 * component's `labels` argument on top (formatter: "Add constant labels").
 */
import type { Labels } from "./relabel";

const PRIORITY_KEYWORDS: Record<string, string> = {
  "0": "emerg",
  "1": "alert",
  "2": "crit",
  "3": "error",
  "4": "warning",
  "5": "notice",
  "6": "info",
  "7": "debug",
};

export function journalEntryLabels(fields: Record<string, string>, constantLabels: Labels): Labels {
  const labels: Labels = {};
  for (const [key, value] of Object.entries(fields)) {
    if (key === "PRIORITY") labels[`__journal_${key.toLowerCase()}_keyword`] = PRIORITY_KEYWORDS[value] ?? value;
    labels[`__journal_${key.toLowerCase()}`] = value;
  }
  return { ...labels, ...constantLabels };
}
