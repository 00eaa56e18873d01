/**
 * `npm run plan -- <stack> [--var-file F ...] [--json] [--keep]`: offline
 * `terraform init` + `plan -out` of one synthesized stack; prints Terraform's
 * plan, or with --json the normalized `terraform show -json` (see
 * normalize-plan.ts). <stack> is a name under cdktf.out/stacks/ or a path to a
 * directory containing cdk.tf.json.
 *
 * Secret variables (sensitive/ephemeral, e.g. clickhouse_password) come from
 * TF_VAR_<name> or a secrets var file. When a required one is set by neither,
 * the CLI stops before running Terraform and prints what to set; when
 * Terraform rejects a secret this run did not set (e.g. demo_passwords that
 * must match demo_emails), the same hint follows Terraform's error.
 */
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { normalizePlan } from "./normalize-plan.js";
import { CACHE_DIR, REPO_ROOT } from "./paths.js";
import { missingSecrets, secretsHint } from "./secrets-check.js";
import { PRUNED_SCHEMA_SUBDIR, planStack } from "./stack-runner.js";

const USAGE = "usage: npm run plan -- <stack> [--var-file F ...] [--json] [--keep]";

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  const varFiles: string[] = [];
  let json = false;
  let keep = false;
  let stack: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--var-file") varFiles.push(argv[++i] ?? "");
    else if (a.startsWith("--var-file=")) varFiles.push(a.slice("--var-file=".length));
    else if (a === "--json") json = true;
    else if (a === "--keep") keep = true;
    else if (a.startsWith("-")) throw new Error(`unknown option ${a}\n${USAGE}`);
    else if (!stack) stack = a;
    else throw new Error(`unexpected argument ${a}\n${USAGE}`);
  }
  if (!stack) throw new Error(USAGE);
  const stackDir = existsSync(join(resolve(stack), "cdk.tf.json")) ? resolve(stack) : join(REPO_ROOT, "cdktf.out", "stacks", stack);
  if (!existsSync(join(stackDir, "cdk.tf.json"))) throw new Error(`no synthesized stack at ${stackDir} (run \`npm run synth\` first)`);
  for (const f of varFiles) if (!existsSync(f)) throw new Error(`var file not found: ${f}`);

  const missing = missingSecrets(stackDir, varFiles, process.env);
  if (missing.some((m) => m.required)) {
    process.stderr.write(`${secretsHint(stack, missing, varFiles)}\n\n[offline plan] not run: set the secrets above first.\n`);
    return 1;
  }

  const r = await planStack({ stackDir, varFiles, keepScratch: keep });
  if (json && r.showJson) {
    process.stdout.write(JSON.stringify(normalizePlan(r.showJson), null, 2) + "\n");
  } else {
    process.stdout.write(r.stdout);
  }
  if (r.stderr.trim()) process.stderr.write(r.stderr);
  // a secret with a default that Terraform rejected, e.g. demo_passwords when the tfvars list demo_emails
  const rejected = r.exitCode === 0 ? [] : missing.filter((m) => r.stderr.includes(`"${m.name}"`) || r.stderr.includes(`var.${m.name}`));
  if (rejected.length > 0) process.stderr.write(`\n${secretsHint(stack, rejected, varFiles, true)}\n`);
  const timings = r.runs.map((x) => `${x.args[0]} ${(x.durationMs / 1000).toFixed(1)}s`).join(", ");
  process.stderr.write(
    `\n[offline plan] ${r.exitCode === 0 ? "ok" : "FAILED"} (${timings})${r.scratchDir ? ` scratch kept at ${r.scratchDir}` : ""}\n` +
      (r.scratchDir
        ? `[offline plan] to rerun Terraform there: cd ${r.scratchDir} && TF_CLI_CONFIG_FILE=${join(CACHE_DIR, "terraformrc")}` +
          `${r.schema.fullSchemaReason ? "" : ` OFFLINE_TF_SCHEMA_DIR=${join(r.scratchDir, PRUNED_SCHEMA_SUBDIR)}`} terraform plan …\n`
        : "") +
      "[offline plan] stand-in providers: data sources are placeholders and provider-side checks are skipped; run `terraform plan` against AWS before applying.\n",
  );
  return r.exitCode;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error((err as Error).message ?? err);
    process.exit(2);
  },
);
