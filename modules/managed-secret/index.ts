export * from "./props.js";
export * from "./managed-secret.js";
