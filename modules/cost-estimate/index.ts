export * from "./props.js";
export * from "./price-table.js";
export * from "./cost-estimate.js";
