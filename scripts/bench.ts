// npm run bench: wall time and peak memory of synthesizing every stack, in fresh processes as a user runs
// them (`npm run synth` = node scripts/synth.mjs), compared with running the TypeScript through tsx; plus
// the type-check and one run of the whole test suite (`npm test`). A benchmark, not a test: it prints, it
// does not judge.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

const HELP = `usage: npm run bench [-- [--quick] [--no-tests]]

Prints, for this machine: synth of all stacks (median wall time and peak memory of BENCH_RUNS fresh processes,
default 5), the same app through tsx for comparison, the type-check (tsc --noEmit), and the wall time of one
\`npm test\` (type-check + the whole suite, about 35 s on 2 cores). Measures only: it never fails on a number.

  --quick      one synth process of each kind (same as BENCH_RUNS=1)
  --no-tests   leave out the \`npm test\` run`;

const args = process.argv.slice(2);
if (args.includes("--help") || args.includes("-h")) {
  console.log(HELP);
  process.exit(0);
}
const unknown = args.find((a) => a !== "--quick" && a !== "--no-tests");
if (unknown) {
  console.error(`unknown argument ${unknown} (usage: npm run bench -- --help)`);
  process.exit(2);
}
const root = join(dirname(new URL(import.meta.url).pathname), "..");
const runs = args.includes("--quick") ? 1 : Number(process.env.BENCH_RUNS ?? 5);
if (!Number.isInteger(runs) || runs < 1) {
  console.error(`BENCH_RUNS must be a whole number >= 1, not "${process.env.BENCH_RUNS}"`);
  process.exit(2);
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Runs a synth command `runs` times into a scratch outdir; returns median wall ms and max RSS MiB. */
function measureSynth(args: string[]): { wallMs: number; maxRssMiB: number } {
  const samples = Array.from({ length: runs }, () => {
    const outdir = mkdtempSync(join(tmpdir(), "bench-synth-"));
    const start = performance.now();
    const result = spawnSync(process.execPath, args, { cwd: root, encoding: "utf8", env: { ...process.env, CDKTF_OUTDIR: outdir, SYNTH_METRICS: "1" } });
    const wallMs = performance.now() - start;
    rmSync(outdir, { recursive: true, force: true });
    if (result.status !== 0) throw new Error(`synth failed:\n${result.stderr}`);
    const metrics = result.stderr.trim().split("\n").filter((l) => l.startsWith("{")).pop();
    return { wallMs, maxRssMiB: metrics ? JSON.parse(metrics).maxRssMiB : NaN };
  });
  return { wallMs: median(samples.map((s) => s.wallMs)), maxRssMiB: Math.max(...samples.map((s) => s.maxRssMiB)) };
}

/** Wall time of one run of a command; its output is not shown (run it by hand to see errors). */
function timed(command: string, args: string[], seconds = false): string {
  const start = performance.now();
  const result = spawnSync(command, args, { cwd: root, stdio: "ignore" });
  const ms = performance.now() - start;
  const time = seconds ? `${(ms / 1000).toFixed(1)} s` : `${ms.toFixed(0)} ms`;
  return result.status === 0 ? time : `${time} (exited ${result.status ?? result.signal}: run it to see the errors)`;
}

const row = (label: string, value: string) => console.log(`${label.padEnd(46)} ${value}`);
const bundled = measureSynth(["scripts/synth.mjs"]);
const viaTsx = measureSynth(["--import", "tsx", "scripts/bench/synth-tsx.ts"]);
console.log(`synth of all stacks, ${runs === 1 ? "one fresh process" : `median of ${runs} fresh processes`}`);
row("  npm run synth (esbuild bundle + node)", `${bundled.wallMs.toFixed(0)} ms, peak ${bundled.maxRssMiB.toFixed(0)} MiB`);
row("  same app through tsx (for comparison)", `${viaTsx.wallMs.toFixed(0)} ms, peak ${viaTsx.maxRssMiB.toFixed(0)} MiB`);
row("type-check (tsc --noEmit)", timed(process.execPath, [join(root, "node_modules/typescript/bin/tsc"), "--noEmit"]));
if (!args.includes("--no-tests")) {
  // npm_execpath: the npm running this script, when started by `npm run bench`
  const npm = process.env.npm_execpath ? [process.execPath, [process.env.npm_execpath]] as const : ["npm", []] as const;
  row("whole test suite (npm test, one run)", timed(npm[0], [...npm[1], "test", "--silent"], true));
}
