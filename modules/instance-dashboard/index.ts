export * from "./props.js";
export * from "./instance-dashboard.js";
