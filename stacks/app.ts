import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { App, TerraformStack } from "cdktf";
import { backendConfigFromEnv } from "./backend.js";
import { allStacks } from "./systems.js";

/** Write-only arguments (value_wo) need Terraform 1.11; ephemeral variables 1.10. */
export const REQUIRED_TERRAFORM_VERSION = ">= 1.11";

export interface BuildAppOptions {
  readonly outdir?: string;
  readonly env?: NodeJS.ProcessEnv;
  /**
   * Only these stacks (names as `<system>-<env>`).
   * @default - every stack of stacks/systems.ts
   */
  readonly only?: readonly string[];
}

/** Every stack of the product (or the chosen ones), from the registry in stacks/systems.ts. */
export function buildApp(options: BuildAppOptions = {}): App {
  const stacks = allStacks();
  const unknown = (options.only ?? []).filter((name) => !stacks.some((s) => s.name === name));
  if (unknown.length) {
    throw new Error(`unknown stack ${unknown.map((u) => `"${u}"`).join(", ")}: available stacks are ${stacks.map((s) => s.name).join(", ")}`);
  }
  const app = new App(options.outdir ? { outdir: options.outdir } : {});
  const backend = backendConfigFromEnv(options.env);
  for (const { system, environment, name } of stacks) {
    if (options.only?.length && !options.only.includes(name)) continue;
    new system.stack(app, { environment, backend });
  }
  return app;
}

/** Stack names from `SYNTH_STACKS` (comma-separated; scripts/synth.mjs sets it from its arguments). */
export function stacksFromEnv(env: NodeJS.ProcessEnv = process.env): string[] | undefined {
  const names = (env.SYNTH_STACKS ?? "").split(",").map((s) => s.trim()).filter(Boolean);
  return names.length ? names : undefined;
}

/**
 * Synthesizes every stack, then writes `versions.tf.json` beside each (Terraform merges terraform blocks
 * across files). Not an override on the stack: cdktf 0.21's HCL renderer (`cdktf synth --hcl`) turns any
 * extra attribute of the terraform block into invalid HCL (`0 = "required_version"`).
 */
export function synthAll(app: App): void {
  app.synth();
  for (const stack of app.node.children.filter((c): c is TerraformStack => c instanceof TerraformStack)) {
    const dir = join(app.outdir, "stacks", stack.node.id);
    writeFileSync(join(dir, "versions.tf.json"), `${JSON.stringify({ terraform: { required_version: REQUIRED_TERRAFORM_VERSION } }, null, 2)}\n`);
  }
}
