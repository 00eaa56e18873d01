/**
 * `npm run validate`: for every synthesized stack under cdktf.out/stacks/,
 * run a real `terraform init` + `terraform validate` offline (stand-in
 * providers, scratch copy, local backend) and print Terraform's own
 * diagnostics. Exits non-zero if any stack fails. `npm run validate` passes
 * --synth: the stacks are synthesized first, after the arguments are checked
 * (`--help` answers at once).
 *
 * Usage: tsx scripts/offline-terraform/validate.ts [--synth] [--out cdktf.out] [stack ...]
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { REPO_ROOT } from "./paths.js";
import { type StackRunResult, validateStack } from "./stack-runner.js";

const USAGE = "usage: npm run validate [-- [--out DIR] [<stack> ...]]";
const HELP = `${USAGE}

Offline \`terraform init\` + \`terraform validate\` of every synthesized stack, or of the stacks named, with
stand-in providers (no AWS calls; see docs/offline-terraform.md). Prints Terraform's diagnostics; exits 1 if
any stack is invalid.

  <stack>      a stack name under <DIR>/stacks/ (default: every stack there)
  --out DIR    the synth output directory (default: CDKTF_OUTDIR, else cdktf.out)
  --synth      synthesize the stacks first (\`npm run validate\` passes it)`;

function parseArgs(argv: string[]): { outDir: string; stacks: string[]; synth: boolean } {
  let outDir = process.env.CDKTF_OUTDIR ? resolve(process.env.CDKTF_OUTDIR) : join(REPO_ROOT, "cdktf.out");
  const stacks: string[] = [];
  let synth = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--out") outDir = resolve(argv[++i] ?? "");
    else if (a.startsWith("--out=")) outDir = resolve(a.slice("--out=".length));
    else if (a === "--synth") synth = true;
    else if (a.startsWith("-")) throw new Error(`unknown option ${a}\n${USAGE}`);
    else stacks.push(a);
  }
  return { outDir, stacks, synth };
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  if (argv.includes("--help") || argv.includes("-h")) {
    console.log(HELP);
    return 0;
  }
  const { outDir, stacks: wanted, synth } = parseArgs(argv);
  if (synth) {
    const r = spawnSync(process.execPath, [join(REPO_ROOT, "scripts", "synth.mjs"), ...wanted], { stdio: "inherit", env: { ...process.env, CDKTF_OUTDIR: outDir } });
    if (r.status !== 0) return r.status ?? 1;
  }
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
