/** Public API of the offline Terraform machinery (see docs/offline-terraform.md). */
export { initWorkspace, planStack, validateStack, TerraformNotFoundError } from "./stack-runner.js";
export type { PlanStackResult, StackRunOptions, StackRunResult, Workspace, WorkspaceRunOptions } from "./stack-runner.js";
export { normalizePlan } from "./normalize-plan.js";
export type { NormalizedPlan, NormalizedResourceChange } from "./normalize-plan.js";
export { installStandInProviders } from "./mirror-installer.js";
export { ensureSchemaCache } from "./schema-cache.js";
export { configuredTypes, pruneSchema, writePrunedSchemas } from "./schema-prune.js";
export { terraformVersion } from "./terraform-runner.js";
