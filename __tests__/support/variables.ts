import { resolve } from "node:path";
import { applyOffline, TerraformRun } from "./terraform.js";
import { TfJson } from "./synth.js";

export const REPO = resolve(import.meta.dirname, "..", "..");
export const SAMPLE_SECRETS = resolve(REPO, "__tests__/fixtures/secrets-sample.tfvars");
/** Only the ClickHouse password: for environments without demo accounts. */
export const SAMPLE_SECRETS_NO_DEMO = resolve(REPO, "__tests__/fixtures/secrets-sample-no-demo.tfvars");

/** The sample secrets that fit an environment's tfvars (demo passwords only where there are demo e-mails). */
export function sampleSecretsFor(environment: string): string {
  return environment === "demo" ? SAMPLE_SECRETS : SAMPLE_SECRETS_NO_DEMO;
}

/**
 * Runs the stack's variables (with their validations) plus chosen outputs through the real Terraform engine,
 * with an environment's tfvars, the sample secrets and overrides, the way `terraform plan` reads them.
 */
export function evaluateVariables(
  json: TfJson,
  opts: { tfvars: string[]; vars?: Record<string, string>; outputs?: Record<string, string>; locals?: Record<string, string> },
): Promise<TerraformRun> {
  // Terraform JSON refuses empty `locals`/`output` objects, so they are only present when used.
  const config = {
    variable: json.variable,
    ...(opts.locals && Object.keys(opts.locals).length ? { locals: opts.locals } : {}),
    ...(opts.outputs && Object.keys(opts.outputs).length ? { output: Object.fromEntries(Object.entries(opts.outputs).map(([name, value]) => [name, { value }])) } : {}),
  };
  const args = [
    ...opts.tfvars.map((f) => `-var-file=${resolve(REPO, f)}`),
    ...Object.entries(opts.vars ?? {}).map(([k, v]) => `-var=${k}=${v}`),
  ];
  return applyOffline(config, args);
}
