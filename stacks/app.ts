import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { App, TerraformStack } from "cdktf";
import { backendConfigFromEnv } from "./backend.js";
import { ENVIRONMENTS } from "./environments.js";
import { OpenlitStack } from "./openlit-stack.js";

/** Write-only arguments (value_wo) need Terraform 1.11; ephemeral variables 1.10. */
export const REQUIRED_TERRAFORM_VERSION = ">= 1.11";

/** Every stack of the product: one OpenLIT stack per environment. */
export function buildApp(options: { outdir?: string; env?: NodeJS.ProcessEnv } = {}): App {
  const app = new App(options.outdir ? { outdir: options.outdir } : {});
  const backend = backendConfigFromEnv(options.env);
  for (const { name } of ENVIRONMENTS) {
    new OpenlitStack(app, { environment: name, backend });
  }
  return app;
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
