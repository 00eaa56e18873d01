import { resolve } from "node:path";
import { applyOffline, TerraformRun } from "./terraform.js";
import { TfJson } from "./synth.js";
import { readTfvars, TfValue } from "./terraform-test.js";

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

/**
 * What `-var-file=a -var-file=b -var=k=v` gives Terraform: the files' assignments in order, later ones
 * winning, then the overrides. Paths are relative to the repository.
 */
export function tfvarsOf(files: readonly string[], overrides: Readonly<Record<string, TfValue>> = {}): Record<string, TfValue> {
  return Object.assign({}, ...files.map((f) => readTfvars(resolve(REPO, f))), overrides);
}

/** One `validation` block of a synthesized variable. */
export interface VariableValidation {
  readonly variable: string;
  readonly index: number;
  readonly condition: string;
  readonly errorMessage: string;
}

export function validationsOf(json: TfJson): VariableValidation[] {
  return Object.entries(json.variable).flatMap(([variable, block]) =>
    ((block.validation ?? []) as { condition: string; error_message: string }[]).map((v, index) => ({
      variable,
      index,
      condition: v.condition,
      errorMessage: v.error_message,
    })),
  );
}

/** Matches a reference to something only a provider knows (a data source, a module, a resource of the stack). */
export function onlineReference(json: TfJson): RegExp {
  const kinds = ["data", "module", ...Object.keys(json.resource ?? {})];
  return new RegExp(`\\b(?:${kinds.join("|")})\\.`);
}

/**
 * The stack's `variable` blocks with every local and output Terraform can evaluate without a provider
 * (those that reference no resource, data source or module, directly or through another local): the
 * part of the stack `terraform plan` checks before it asks AWS anything.
 */
export function offlineModule(json: TfJson, only?: { readonly outputs: readonly string[] }): object {
  const online = onlineReference(json);
  const localRefs = (expression: string) => [...expression.matchAll(/\blocal\.([A-Za-z0-9_-]+)/g)].map((m) => m[1]);
  const locals = new Map(Object.entries(json.locals ?? {}).filter(([, e]) => !online.test(JSON.stringify(e))));
  for (let changed = true; changed; ) {
    changed = false;
    for (const [name, expression] of locals) {
      if (localRefs(JSON.stringify(expression)).some((ref) => !locals.has(ref))) {
        locals.delete(name);
        changed = true;
      }
    }
  }
  const outputs = Object.entries(json.output ?? {}).filter(([name, o]) => {
    const text = JSON.stringify(o);
    return (!only || only.outputs.includes(name)) && !online.test(text) && localRefs(text).every((ref) => locals.has(ref));
  });
  let variables = json.variable;
  if (only) {
    // Just what the chosen outputs need: the locals they reach, the variables those read (with the variables
    // their validations read). A plan of a few variables costs Terraform a fraction of the whole stack's.
    if (outputs.length !== only.outputs.length) throw new Error(`not all of ${only.outputs.join(", ")} are provider-free outputs of the stack`);
    const reached = new Set<string>();
    const visit = (text: string) =>
      localRefs(text).forEach((ref) => {
        if (!reached.has(ref)) reached.add(ref), visit(JSON.stringify(locals.get(ref)));
      });
    outputs.forEach(([, o]) => visit(JSON.stringify(o)));
    [...locals.keys()].filter((name) => !reached.has(name)).forEach((name) => locals.delete(name));
    const read = new Set<string>();
    const readVars = (text: string) =>
      [...text.matchAll(/\bvar\.([A-Za-z0-9_-]+)/g)].forEach(([, name]) => {
        if (!read.has(name)) read.add(name), readVars(JSON.stringify(json.variable[name] ?? {}));
      });
    readVars(JSON.stringify([Object.fromEntries(outputs), Object.fromEntries(locals)]));
    variables = Object.fromEntries(Object.entries(json.variable).filter(([name]) => read.has(name)));
  }
  // Terraform JSON refuses empty `locals`/`output` objects, so they are only present when used.
  return {
    variable: variables,
    ...(locals.size ? { locals: Object.fromEntries(locals) } : {}),
    ...(outputs.length ? { output: Object.fromEntries(outputs) } : {}),
  };
}
