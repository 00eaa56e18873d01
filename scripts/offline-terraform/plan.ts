/**
 * `npm run plan -- <stack> [--var-file F ...] [--json] [--keep]`: offline
 * `terraform init` + `plan -out` of one synthesized stack; prints Terraform's
 * plan, or with --json the normalized `terraform show -json` (see
 * normalize-plan.ts). <stack> is a name under cdktf.out/stacks/ or a path to a
 * directory containing cdk.tf.json.
 */
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { normalizePlan } from "./normalize-plan.js";
import { REPO_ROOT } from "./paths.js";
import { planStack } from "./stack-runner.js";

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

  const r = await planStack({ stackDir, varFiles, keepScratch: keep });
  if (json && r.showJson) {
    process.stdout.write(JSON.stringify(normalizePlan(r.showJson), null, 2) + "\n");
  } else {
    process.stdout.write(r.stdout);
  }
  if (r.stderr.trim()) process.stderr.write(r.stderr);
  const timings = r.runs.map((x) => `${x.args[0]} ${(x.durationMs / 1000).toFixed(1)}s`).join(", ");
  process.stderr.write(
    `\n[offline plan] ${r.exitCode === 0 ? "ok" : "FAILED"} (${timings})${r.scratchDir ? ` scratch kept at ${r.scratchDir}` : ""}\n` +
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
