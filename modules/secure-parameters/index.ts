export * from "./props.js";
export * from "./secure-parameters.js";
