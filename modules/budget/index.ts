export * from "./props.js";
export * from "./validate-props.js";
export * from "./budget.js";
