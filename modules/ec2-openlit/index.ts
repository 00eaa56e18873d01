export * from "./props.js";
export * from "./ec2-openlit.js";
export { GRAVITON_INSTANCE_TYPE } from "./architecture.js";
export { HOURLY_PRICE_USD, monthlyCostExpression } from "./cost-estimate.js";
export { LOG_RETENTION_DAYS } from "./validate-props.js";
