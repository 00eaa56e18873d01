export * from "./validation.js";
export * from "./render-template.js";
export * from "./expressions.js";
export * from "./kms.js";
export * from "./switches.js";
export * from "./windows.js";
