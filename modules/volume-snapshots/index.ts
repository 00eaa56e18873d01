export * from "./volume-snapshots.js";
