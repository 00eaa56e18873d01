export * from "./props.js";
export * from "./validate-props.js";
export * from "./task-role.js";
export * from "./fargate-service.js";
