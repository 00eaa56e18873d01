export * from "./props.js";
export * from "./host-group.js";
export { GP3_LIMITS } from "./validate-props.js";
