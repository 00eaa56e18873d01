export * from "./props.js";
export * from "./compose-host.js";
export * from "./host-role.js";
export { GRAVITON_INSTANCE_TYPE, cpuArchitecture, dockerPlatform } from "./architecture.js";
