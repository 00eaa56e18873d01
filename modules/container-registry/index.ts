export * from "./props.js";
export * from "./validate-props.js";
export * from "./container-registry.js";
