export * from "./spot-request-cleanup.js";
