/**
 * `npm run plan -- <stack> [--var-file F ...] [--json] [--keep]`: offline
 * `terraform init` + `plan -out` of one synthesized stack; prints Terraform's
 * plan, or with --json the normalized `terraform show -json` (see
 * normalize-plan.ts). <stack> is a name under cdktf.out/stacks/ or a path to a
 * directory containing cdk.tf.json. `npm run plan` passes --synth, so a stack
 * named is synthesized first (`npm run synth -- <stack>`), after the arguments
 * are checked: `--help` answers at once.
 *
 * Secret variables (sensitive/ephemeral, e.g. clickhouse_password) come from
 * TF_VAR_<name> or a secrets var file. When a required one is set by neither,
 * the CLI stops before running Terraform and prints what to set; when
 * Terraform rejects a secret this run did not set (e.g. demo_passwords that
 * must match demo_emails), the same hint follows Terraform's error.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { normalizePlan } from "./normalize-plan.js";
import { CACHE_DIR, REPO_ROOT } from "./paths.js";
import { missingSecrets, secretsHint } from "./secrets-check.js";
import { PRUNED_SCHEMA_SUBDIR, planStack } from "./stack-runner.js";

const USAGE = "usage: npm run plan -- <stack> [--var-file F ...] [--json] [--keep]";
const HELP = `${USAGE}

Offline \`terraform init\` + \`terraform plan\` of one stack with stand-in providers (no AWS calls; see
docs/offline-terraform.md). Prints Terraform's plan; the summary and hints go to stderr.

  <stack>          a stack name (synthesized first by \`npm run plan\`), or a directory with cdk.tf.json
  --var-file F     a tfvars file, e.g. environments/openlit/demo.tfvars (repeatable)
  --json           print the normalized \`terraform show -json\` instead
  --keep           keep the scratch workspace and print how to rerun Terraform there
  --synth          synthesize <stack> first (\`npm run plan\` passes it)

Secret variables come from TF_VAR_<name> or a secrets var file; the run stops before Terraform with what to
set when a required one is missing. CDKTF_OUTDIR: where stacks are synthesized (default cdktf.out).`;

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  if (argv.includes("--help") || argv.includes("-h")) {
    console.log(HELP);
    return 0;
  }
  const varFiles: string[] = [];
  let json = false;
  let keep = false;
  let synth = false;
  let stack: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--var-file") varFiles.push(argv[++i] ?? "");
    else if (a.startsWith("--var-file=")) varFiles.push(a.slice("--var-file=".length));
    else if (a === "--json") json = true;
    else if (a === "--keep") keep = true;
    else if (a === "--synth") synth = true;
    else if (a.startsWith("-")) throw new Error(`unknown option ${a}\n${USAGE}`);
    else if (!stack) stack = a;
    else throw new Error(`unexpected argument ${a}\n${USAGE}`);
  }
  if (!stack) throw new Error(USAGE);
  for (const f of varFiles) if (!existsSync(f)) throw new Error(`var file not found: ${f}`);
  const outDir = process.env.CDKTF_OUTDIR ? resolve(process.env.CDKTF_OUTDIR) : join(REPO_ROOT, "cdktf.out");
  const isDir = existsSync(join(resolve(stack), "cdk.tf.json"));
  if (synth && !isDir) {
    // synth.mjs's report goes to stderr: stdout is the plan (or its JSON)
    const r = spawnSync(process.execPath, [join(REPO_ROOT, "scripts", "synth.mjs"), stack], { stdio: ["ignore", 2, 2], env: { ...process.env, CDKTF_OUTDIR: outDir } });
    if (r.status !== 0) return r.status ?? 1;
  }
  const stackDir = isDir ? resolve(stack) : join(outDir, "stacks", stack);
  if (!existsSync(join(stackDir, "cdk.tf.json"))) throw new Error(`no synthesized stack at ${stackDir} (run \`npm run synth\` first)`);

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
