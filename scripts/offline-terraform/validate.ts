/**
 * `npm run validate`: for every synthesized stack under cdktf.out/stacks/,
 * run a real `terraform init` + `terraform validate` offline (stand-in
 * providers, scratch copy, local backend) and print Terraform's own
 * diagnostics. Exits non-zero if any stack fails.
 *
 * Usage: tsx scripts/offline-terraform/validate.ts [--out cdktf.out] [stack ...]
 */
import { existsSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { REPO_ROOT } from "./paths.js";
import { type StackRunResult, validateStack } from "./stack-runner.js";

function parseArgs(argv: string[]): { outDir: string; stacks: string[] } {
  let outDir = join(REPO_ROOT, "cdktf.out");
  const stacks: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--out") outDir = resolve(argv[++i] ?? "");
    else stacks.push(argv[i]!);
  }
  return { outDir, stacks };
}

async function main(): Promise<number> {
  const { outDir, stacks: wanted } = parseArgs(process.argv.slice(2));
  const stacksDir = join(outDir, "stacks");
  const all = existsSync(stacksDir)
    ? readdirSync(stacksDir).filter((s) => existsSync(join(stacksDir, s, "cdk.tf.json"))).sort()
    : [];
  const stacks = wanted.length > 0 ? wanted : all;
  if (stacks.length === 0) {
    console.error(`No synthesized stacks found under ${stacksDir}. Run \`npm run synth\` first.`);
    return 1;
  }
  const started = Date.now();
  // two at a time: each terraform run plus its plugin processes keeps ~1 core busy
  const results = new Map<string, StackRunResult | Error>();
  const queue = [...stacks];
  await Promise.all(
    [0, 1].map(async () => {
      for (let s = queue.shift(); s !== undefined; s = queue.shift()) {
        const stackDir = join(stacksDir, s);
        results.set(s, existsSync(join(stackDir, "cdk.tf.json")) ? await validateStack({ stackDir }).catch((e: Error) => e) : new Error(`no ${stackDir}/cdk.tf.json`));
      }
    }),
  );
  let failed = 0;
  for (const s of stacks) {
    const r = results.get(s)!;
    if (r instanceof Error) {
      failed++;
      console.error(`✗ ${s}: ${r.message}`);
      continue;
    }
    const ms = r.runs.map((x) => `${x.args[0]} ${(x.durationMs / 1000).toFixed(1)}s`).join(", ");
    const ok = r.exitCode === 0;
    if (!ok) failed++;
    console.log(`${ok ? "✓" : "✗"} ${s} (${ms}${r.originalBackend && r.originalBackend !== "local" ? `; ${r.originalBackend} backend replaced by local` : ""})`);
    const out = (r.stdout + r.stderr).trim();
    if (out && (!ok || /Warning/.test(out))) console.log(out.replace(/^/gm, "    "));
  }
  console.log(`${stacks.length - failed}/${stacks.length} stacks valid in ${((Date.now() - started) / 1000).toFixed(1)}s (offline stand-in providers; provider-side checks not covered, see docs/offline-terraform.md)`);
  return failed > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error((err as Error).message ?? err);
    process.exit(2);
  },
);
