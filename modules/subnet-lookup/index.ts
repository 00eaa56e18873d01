export * from "./subnet-lookup.js";
