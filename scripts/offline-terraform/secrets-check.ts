/**
 * Secrets for `npm run plan`: the stacks' secret variables (sensitive and/or
 * ephemeral, e.g. clickhouse_password, demo_passwords) are never in the
 * repo's tfvars; they come from TF_VAR_<name> or a git-ignored secrets var
 * file. This finds the ones a run does not provide and says exactly how to
 * provide them, instead of Terraform's generic "No value for required
 * variable" after a full init.
 */
import { existsSync, readFileSync } from "node:fs";
import { basename, dirname, join, relative } from "node:path";
import { REPO_ROOT } from "./paths.js";

export interface SecretVariable {
  name: string;
  /** No default: Terraform stops without a value. */
  required: boolean;
  description?: string;
}

interface VariableDecl {
  sensitive?: boolean;
  ephemeral?: boolean;
  default?: unknown;
  description?: string;
}

/** Sensitive or ephemeral variables declared in the stack's cdk.tf.json. */
export function secretVariables(stackDir: string): SecretVariable[] {
  const config = JSON.parse(readFileSync(join(stackDir, "cdk.tf.json"), "utf8")) as { variable?: Record<string, VariableDecl> };
  return Object.entries(config.variable ?? {})
    .filter(([, v]) => v.sensitive || v.ephemeral)
    .map(([name, v]) => ({ name, required: !("default" in v), description: v.description }))
    .sort((a, b) => Number(b.required) - Number(a.required) || (a.name < b.name ? -1 : 1));
}

/** Variable names a set of var files and the environment (TF_VAR_<name>) give values to. */
export function providedVariables(varFiles: string[], env: NodeJS.ProcessEnv): Set<string> {
  const names = new Set<string>();
  for (const [k, v] of Object.entries(env)) if (k.startsWith("TF_VAR_") && v !== undefined) names.add(k.slice("TF_VAR_".length));
  for (const f of varFiles) {
    const text = readFileSync(f, "utf8");
    if (f.endsWith(".json")) for (const k of Object.keys(JSON.parse(text) as object)) names.add(k);
    else for (const m of text.matchAll(/^\s*([A-Za-z_][\w-]*)\s*=/gm)) names.add(m[1]!);
  }
  return names;
}

/** The stack's secret variables that neither the var files nor the environment provide. */
export function missingSecrets(stackDir: string, varFiles: string[], env: NodeJS.ProcessEnv): SecretVariable[] {
  const provided = providedVariables(varFiles, env);
  return secretVariables(stackDir).filter((s) => !provided.has(s.name));
}

const shellQuote = (s: string) => (/^[\w./=-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

/**
 * What to set, as commands: the exports, or the secrets var file that belongs
 * beside the environment's tfvars (`environments/<env>.tfvars` ->
 * `environments/<env>.secrets.tfvars`, from secrets.tfvars.example).
 * `rejected`: Terraform already failed on these (after the run) rather than
 * the run being refused up front.
 */
export function secretsHint(stack: string, missing: SecretVariable[], varFiles: string[], rejected = false): string {
  const envFile = varFiles.find((f) => /\.tfvars$/.test(f) && !/\.secrets\.tfvars$/.test(f) && basename(dirname(f)) === "environments");
  const secretsFile = envFile ? envFile.replace(/\.tfvars$/, ".secrets.tfvars") : "environments/<env>.secrets.tfvars";
  const example = envFile ? join(dirname(envFile), "secrets.tfvars.example") : join(REPO_ROOT, "environments", "secrets.tfvars.example");
  const command = `npm run plan -- ${[stack, ...varFiles.flatMap((f) => ["--var-file", f]), "--var-file", secretsFile].map(shellQuote).join(" ")}`;
  const names = (list: SecretVariable[]) => list.map((m) => m.name).join(", ");
  const required = missing.filter((m) => m.required);
  const optional = missing.filter((m) => !m.required);
  const lines = rejected
    ? [`Terraform rejected secret variables that this run does not set: ${names(missing)}.`]
    : [
        `${stack} needs secret variables that this run does not set: ${names(required)}.`,
        ...(optional.length ? [`Also not set (they have a default, but this environment may need them): ${names(optional)}.`] : []),
      ];
  lines.push(
    "Secrets are never in the repo's tfvars. Either export them:",
    `  export ${missing.map((m) => `TF_VAR_${m.name}='…'`).join(" ")}`,
    `or put them in ${secretsFile} (git-ignored) and pass it too:`,
  );
  if (existsSync(secretsFile)) lines.push(`  (${secretsFile} exists: it only needs to be passed)`);
  else if (existsSync(example)) lines.push(`  cp ${relative(process.cwd(), example) || example} ${secretsFile}   # then replace every CHANGE_ME`);
  lines.push(`  ${command}`);
  for (const m of missing) if (m.description) lines.push(`  ${m.name}: ${m.description}`);
  return lines.join("\n");
}
