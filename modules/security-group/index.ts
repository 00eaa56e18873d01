export * from "./props.js";
export * from "./security-group.js";
