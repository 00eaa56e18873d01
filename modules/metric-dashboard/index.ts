export * from "./props.js";
export * from "./metric-dashboard.js";
export * from "./dashboard-body.js";
export * from "./dashboard-resource.js";
export * from "./load-balancer-widgets.js";
