// npm run bench: wall time and peak memory of synthesizing every stack (and of the type-check),
// measured in fresh processes as a user runs them. A benchmark, not a test: it prints, it does not judge.
import { execFileSync, spawnSync } from "node:child_process";
import { dirname, join } from "node:path";

const root = join(dirname(new URL(import.meta.url).pathname), "..");
const runs = Number(process.env.BENCH_RUNS ?? 5);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function timed(command: string, args: string[]): string {
  const start = performance.now();
  const result = spawnSync(command, args, { cwd: root, stdio: "ignore" });
  const ms = `${(performance.now() - start).toFixed(0)} ms`;
  return result.status === 0 ? ms : `${ms} (exited ${result.status}: run it to see the errors)`;
}

const samples = Array.from({ length: runs }, () => {
  const start = performance.now();
  const out = execFileSync(process.execPath, ["--import", "tsx", "scripts/bench/synth-once.ts"], { cwd: root, encoding: "utf8" });
  return { wallMs: performance.now() - start, ...JSON.parse(out.trim().split("\n").pop()!) };
});

const row = (label: string, value: string) => console.log(`${label.padEnd(34)} ${value}`);
console.log(`synth of all stacks, ${runs} fresh processes (median):`);
row("  wall time, process start to exit", `${median(samples.map((s) => s.wallMs)).toFixed(0)} ms`);
row("  module load (cdktf + provider)", `${median(samples.map((s) => s.loadMs)).toFixed(0)} ms`);
row("  construct + synth", `${median(samples.map((s) => s.synthMs)).toFixed(0)} ms`);
row("  peak memory (max RSS)", `${Math.max(...samples.map((s) => s.maxRssMiB)).toFixed(0)} MiB`);
row("type-check (tsc --noEmit)", timed(process.execPath, [join(root, "node_modules/typescript/bin/tsc"), "--noEmit"]));
