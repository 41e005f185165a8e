/**
 * @grafana/grafana-foundation-sdk publishes each module only through package.json
 * `exports` (e.g. `@grafana/grafana-foundation-sdk/dashboard` -> dist/dashboard/),
 * which this project's `moduleResolution: "node"` does not read. Node itself does, so
 * the imports work at run time; these declarations point the type checker at the
 * same files. Add a line when another module of the SDK is imported.
 */
declare module "@grafana/grafana-foundation-sdk/common" {
  export * from "@grafana/grafana-foundation-sdk/dist/common/index";
}
declare module "@grafana/grafana-foundation-sdk/dashboard" {
  export * from "@grafana/grafana-foundation-sdk/dist/dashboard/index";
}
declare module "@grafana/grafana-foundation-sdk/prometheus" {
  export * from "@grafana/grafana-foundation-sdk/dist/prometheus/index";
}
declare module "@grafana/grafana-foundation-sdk/stat" {
  export * from "@grafana/grafana-foundation-sdk/dist/stat/index";
}
declare module "@grafana/grafana-foundation-sdk/timeseries" {
  export * from "@grafana/grafana-foundation-sdk/dist/timeseries/index";
}
