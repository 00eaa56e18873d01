export * from "./health-gate.js";
