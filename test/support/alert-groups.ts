/**
 * The alerts the program deploys, by rule group, written out: the builder's tests
 * (test/alerts.test.ts) and the component's (test/component.test.ts) both expect
 * exactly these, so a renamed, added or dropped alert is one reviewed edit here.
 */
export const EXPECTED_ALERT_GROUPS: readonly (readonly [string, readonly string[]])[] = [
  [
    "alloy-logs.collectors",
    [
      "AlloyNodeWithoutCollector",
      "AlloyCollectorPodNotReady",
      "AlloyCollectorCrashLooping",
      "AlloyCollectorRestarting",
      "AlloyCollectorMemoryNearLimit",
    ],
  ],
  [
    "alloy-logs.pipeline",
    [
      "AlloyLogEntriesDropped",
      "AlloyLogEntriesDroppedRateLimited",
      "AlloyLokiRequestsFailing",
      "AlloyNoEntriesSent",
      "AlloyJournalNotRead",
      "AlloyComponentUnhealthy",
      "AlloyMetricsNotScraped",
    ],
  ],
];

/** The events collector's group (monitoring/events-alerts.ts), deployed after those when events.enabled. */
export const EXPECTED_EVENTS_ALERT_GROUP: readonly [string, readonly string[]] = [
  "alloy-logs.events",
  ["AlloyEventsCollectorUnavailable", "AlloyEventsPushFailing"],
];
