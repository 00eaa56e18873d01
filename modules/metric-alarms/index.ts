export * from "./props.js";
export * from "./validate-props.js";
export * from "./metric-alarms.js";
