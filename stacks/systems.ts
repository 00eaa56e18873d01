import { Construct } from "constructs";
import { TerraformStack } from "cdktf";
import { SystemStackProps } from "./base-stack.js";
import { OpenlitStack } from "./openlit/stack.js";
import { LighthouseStack } from "./lighthouse/stack.js";
import { VectordbApiStack } from "./vectordb-api/stack.js";
import { AgentPlatformStack } from "./agent-platform/stack.js";
import { H3PipelineStack } from "./h3-pipeline/stack.js";

/** A system the product deploys: its stack class and the environments it has. */
export interface SystemDefinition {
  /** System name: stacks `<name>-<env>`, tfvars `environments/<name>/<env>.tfvars`, docs `docs/<name>.md`. */
  readonly name: string;
  /** Environments, each a stack with its own state. */
  readonly environments: readonly string[];
  readonly stack: new (scope: Construct, props: SystemStackProps) => TerraformStack;
}

/** Every system `npm run synth` produces. Add a system here, with `environments/<name>/<env>.tfvars` and `docs/<name>.md`. */
export const SYSTEMS: readonly SystemDefinition[] = [
  { name: "openlit", environments: ["demo", "staging"], stack: OpenlitStack },
  { name: "lighthouse", environments: ["dev", "prod"], stack: LighthouseStack },
  { name: "vectordb-api", environments: ["dev", "prod"], stack: VectordbApiStack },
  { name: "agent-platform", environments: ["dev", "prod"], stack: AgentPlatformStack },
  { name: "h3-pipeline", environments: ["dev", "prod"], stack: H3PipelineStack },
];

/** Every stack of the product: system × environment. */
export function allStacks(): { system: SystemDefinition; environment: string; name: string }[] {
  return SYSTEMS.flatMap((system) => system.environments.map((environment) => ({ system, environment, name: `${system.name}-${environment}` })));
}
