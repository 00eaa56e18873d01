// One measured synth of every stack, in a fresh process; prints a JSON line for scripts/bench.ts.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const outdir = mkdtempSync(join(tmpdir(), "bench-synth-"));
const start = performance.now();
const { buildApp, synthAll } = await import("../../stacks/app.js");
const loaded = performance.now();
synthAll(buildApp({ outdir }));
const done = performance.now();
rmSync(outdir, { recursive: true, force: true });
console.log(JSON.stringify({ loadMs: loaded - start, synthMs: done - loaded, maxRssMiB: process.resourceUsage().maxRSS / 1024 }));
