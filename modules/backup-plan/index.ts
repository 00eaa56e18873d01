export * from "./props.js";
export * from "./backup-plan.js";
