export * from "./alert-topic.js";
