// npm run bench: wall time and peak memory of synthesizing every stack, in fresh processes as a user runs
// them (`npm run synth` = node scripts/synth.mjs), compared with running the TypeScript through tsx; plus
// the type-check. A benchmark, not a test: it prints, it does not judge.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

const root = join(dirname(new URL(import.meta.url).pathname), "..");
const runs = Number(process.env.BENCH_RUNS ?? 5);
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

function timed(args: string[]): string {
  const start = performance.now();
  const result = spawnSync(process.execPath, args, { cwd: root, stdio: "ignore" });
  const ms = `${(performance.now() - start).toFixed(0)} ms`;
  return result.status === 0 ? ms : `${ms} (exited ${result.status}: run it to see the errors)`;
}

const row = (label: string, value: string) => console.log(`${label.padEnd(46)} ${value}`);
const bundled = measureSynth(["scripts/synth.mjs"]);
const viaTsx = measureSynth(["--import", "tsx", "scripts/bench/synth-tsx.ts"]);
console.log(`synth of all stacks, median of ${runs} fresh processes`);
row("  npm run synth (esbuild bundle + node)", `${bundled.wallMs.toFixed(0)} ms, peak ${bundled.maxRssMiB.toFixed(0)} MiB`);
row("  same app through tsx (for comparison)", `${viaTsx.wallMs.toFixed(0)} ms, peak ${viaTsx.maxRssMiB.toFixed(0)} MiB`);
row("type-check (tsc --noEmit)", timed([join(root, "node_modules/typescript/bin/tsc"), "--noEmit"]));
