/**
 * The alert runbook (docs/monitoring.md), written from the alert definitions so that every
 * alert has an entry and each entry shows the rule as deployed. Each alert's
 * description ends with "Runbook: docs/monitoring.md, section <AlertName>"; the heading
 * here is that name, so GitHub's anchor is `#<alertname>` in lower case.
 */
import { alertDefinitions, type AlertInput, type AlertRule, type Runbook } from "../monitoring/alerts";
import { eventsAlertDefinitions, type EventsAlertInput } from "../monitoring/events-alerts";

/** Markdown: one `###` section per alert, in PrometheusRule order. */
export function renderRunbookMarkdown(input: AlertInput): string {
  return runbookSections(alertDefinitions(input));
}

/** The events collector's alerts (monitoring/events-alerts.ts), in the same form. */
export function renderEventsRunbookMarkdown(input: EventsAlertInput): string {
  return runbookSections(eventsAlertDefinitions(input));
}

function runbookSections(definitions: readonly { rule: AlertRule; runbook: Runbook }[]): string {
  const sections = definitions.map(({ rule, runbook }) =>
    [
      `### ${rule.alert}`,
      "",
      `**${rule.labels.severity}**, after \`${rule.for}\`. ${runbook.meaning}`,
      "",
      "```promql",
      rule.expr,
      "```",
      "",
      ...runbook.steps.map((step, i) => `${i + 1}. ${step}`),
    ].join("\n"),
  );
  return `${sections.join("\n\n")}\n`;
}
