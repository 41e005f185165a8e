/**
 * The events collector (issue 21): the second release, alloy-events, a single
 * replica that writes the cluster's Kubernetes Events to Loki, with its own
 * ServiceAccount and a ClusterRole that can only get, list and watch events.
 * Registered by AlloyLogCollector as its own children, named `<component>-events-<role>`.
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { buildEventsAlloyConfig } from "../alloy-config/events";
import type { LokiAuthType, LokiWriteOptions } from "../alloy-config/pipeline";
import { ALLOY_CHART_VERSION } from "../config/chart/alloy-values.generated";
import type { ResourceRequirements } from "../config/chart/k8s-types";
import { buildEventsChartValues, EVENTS_RELEASE_NAME } from "../chart/events-values";
import { chartSource } from "../chart/source";

/**
 * Everything loki.source.kubernetes_events reads: a controller-runtime informer
 * on core/v1 Events (event_controller.go, runError/configureInformers), which
 * lists and watches them in every namespace. Nothing else: no Secrets, no writes.
 */
export const EVENTS_RBAC_RULES = [{ apiGroups: [""], resources: ["events"], verbs: ["get", "list", "watch"] }];

export interface EventsOptions {
  /** Run the alloy-events release; false removes it. */
  enabled: boolean;
  /** Requests and limits of its alloy container. */
  resources: ResourceRequirements;
  /** Label each line with the involved object's kind. */
  kindLabel: boolean;
}

export interface EventsCollectorInput {
  clusterName: string;
  tenantId: string;
  lokiEndpoint: string;
  lokiWrite: LokiWriteOptions;
  namespace: string;
  authType: LokiAuthType;
  /** The DaemonSet's Secret of Loki credentials, when there is one, with its variable names. */
  secretEnv: { secretName: string; variables: readonly string[] } | undefined;
  serviceMonitor: { enabled: boolean; labels: Record<string, string>; interval?: string };
  chartRepository: string;
  events: EventsOptions;
}

/** The Alloy configuration the events collector runs. */
export function eventsAlloyConfig(input: EventsCollectorInput): string {
  return buildEventsAlloyConfig({
    clusterName: input.clusterName,
    tenantId: input.tenantId,
    lokiEndpoint: input.lokiEndpoint,
    write: input.lokiWrite,
    auth: input.authType,
    kindLabel: input.events.kindLabel,
  });
}

/** Registers the events collector's RBAC and chart as children of `parent`. */
export function registerEventsCollector(
  name: string,
  input: EventsCollectorInput,
  opts: { parent: pulumi.Resource; provider: k8s.Provider; dependsOn: pulumi.Resource[] },
): void {
  const values = buildEventsChartValues({
    alloyConfig: eventsAlloyConfig(input),
    resources: input.events.resources,
    serviceMonitor: input.serviceMonitor,
    secretEnv: input.secretEnv,
  });
  const childOpts = { parent: opts.parent, provider: opts.provider };
  // Named like the DaemonSet's <namespace>-alloy-logs, so the two never collide.
  const rbacName = `${input.namespace}-${EVENTS_RELEASE_NAME}`;
  const role = new k8s.rbac.v1.ClusterRole(`${name}-events-reader`, { metadata: { name: rbacName }, rules: EVENTS_RBAC_RULES }, childOpts);
  const binding = new k8s.rbac.v1.ClusterRoleBinding(
    `${name}-events-reader`,
    {
      metadata: { name: rbacName },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: role.metadata.name },
      // The chart names the ServiceAccount after the release (templates/serviceaccount.yaml, alloy.fullname).
      subjects: [{ kind: "ServiceAccount", name: EVENTS_RELEASE_NAME, namespace: input.namespace }],
    },
    childOpts,
  );
  // Release name and resource prefix fixed, as for the DaemonSet's chart: the
  // provider names the objects alloy-events:<namespace>/<name>, never alloy:….
  new k8s.helm.v4.Chart(
    `${name}-events-chart`,
    {
      name: EVENTS_RELEASE_NAME,
      resourcePrefix: EVENTS_RELEASE_NAME,
      ...chartSource(input.chartRepository),
      version: ALLOY_CHART_VERSION,
      namespace: input.namespace,
      values,
    },
    { ...childOpts, dependsOn: [...opts.dependsOn, binding] },
  );
}
