export * from "./instance-alarms.js";
