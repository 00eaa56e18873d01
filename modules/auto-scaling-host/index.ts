export * from "./props.js";
export * from "./auto-scaling-hosts.js";
