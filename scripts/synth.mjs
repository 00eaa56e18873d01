#!/usr/bin/env node
// `npm run synth [-- <stack> ...]` (and `cdktf synth`, see cdktf.json): bundles main.ts with esbuild (~0.1 s)
// and runs the bundle with plain Node. Running the TypeScript through tsx's ESM loader costs ~0.8 s more per
// synth and twice the memory, for the same output (npm run bench measures both).
//
// The app writes into a fresh staging directory inside the output directory; only when it succeeds are the
// previous generated files removed and the new ones moved into place. So every synth starts clean (no cdk.tf
// from an earlier `cdktf synth --hcl` left beside a new cdk.tf.json), a failed synth leaves the previous
// output as it was, and what ops keep in a stack directory (.terraform/, .terraform.lock.hcl, tfplan, ...) is
// never touched: only the file names below are ever removed.
import { build } from "esbuild";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const USAGE = `usage: npm run synth [-- <stack> ...]
       node scripts/synth.mjs [--help] [<stack> ...]

Synthesizes the stacks of main.ts to cdktf.out/stacks/<stack>/ (cdk.tf.json and versions.tf.json; cdk.tf with
\`npx cdktf synth --hcl\`), or only the stacks named. A stack's previous generated files are removed first;
.terraform/, .terraform.lock.hcl and tfplan files beside them are kept. A full synth also removes the generated
files of stacks the app no longer has; a synth of some stacks leaves the other stacks' directories as they are.

environment:
  CDKTF_OUTDIR   output directory (default: cdktf.out at the repository root)
  SYNTH_STACKS   comma-separated stack names, as the arguments (set by this script for main.ts)`;

/** What cdktf and stacks/app.ts write into a stack directory; nothing else there is ever removed. */
const GENERATED = new Set(["cdk.tf", "cdk.tf.json", "metadata.json", "versions.tf.json", "assets"]);

const started = performance.now();
let staging; // set once the output directory is known; removed on every way out
const root = join(dirname(fileURLToPath(import.meta.url)), "..");

const args = process.argv.slice(2);
if (args.includes("--help") || args.includes("-h")) {
  console.log(USAGE);
  process.exit(0);
}
const badOption = args.find((a) => a.startsWith("-"));
if (badOption) fail(`unknown option ${badOption} (usage: npm run synth -- --help)`);
const requested = [...new Set(args.length > 0 ? args : (process.env.SYNTH_STACKS ?? "").split(",").map((s) => s.trim()).filter(Boolean))];
if (requested.length > 0) process.env.SYNTH_STACKS = requested.join(",");
else delete process.env.SYNTH_STACKS;

const outdir = process.env.CDKTF_OUTDIR ? resolve(process.env.CDKTF_OUTDIR) : join(root, "cdktf.out");
staging = join(outdir, `.synth-${process.pid}`);
removeAbandonedStaging();

const bundle = await bundleApp();
rmSync(staging, { recursive: true, force: true });
mkdirSync(staging, { recursive: true });
try {
  process.env.CDKTF_OUTDIR = staging;
  try {
    createRequire(import.meta.url)(bundle);
  } catch (err) {
    // main.ts's answer to an unknown name in SYNTH_STACKS: the message says it all, no stack trace needed.
    if (/^unknown stack/.test(err?.message ?? "")) fail(err.message);
    throw err;
  }
  const report = install();
  const secs = ((performance.now() - started) / 1000).toFixed(2);
  const lines = report.written.map(({ name, file }) => `  ${name.padEnd(Math.max(...report.written.map((w) => w.name.length)))}  ${display(file)}`);
  console.log(`synthesized ${report.written.length} stack${report.written.length === 1 ? "" : "s"} in ${secs} s:\n${lines.join("\n")}`);
  if (report.removed.length > 0) console.log(`removed stale output: ${report.removed.join(", ")}`);
} finally {
  rmSync(staging, { recursive: true, force: true });
}

// For scripts/bench.ts: peak memory of this process, on stderr so stdout stays clean.
if (process.env.SYNTH_METRICS === "1") {
  process.stderr.write(`${JSON.stringify({ maxRssMiB: process.resourceUsage().maxRSS / 1024 })}\n`);
}

function fail(message) {
  console.error(message);
  if (staging) rmSync(staging, { recursive: true, force: true });
  process.exit(2);
}

function display(path) {
  const rel = relative(process.cwd(), path);
  return rel.startsWith("..") ? path : rel;
}

/** The app, bundled to .cache/synth/main.cjs. */
async function bundleApp() {
  const outfile = join(root, ".cache", "synth", "main.cjs");
  mkdirSync(dirname(outfile), { recursive: true });
  const { outputFiles } = await build({
    entryPoints: [join(root, "main.ts")],
    outfile,
    write: false,
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node20",
    // Dependencies load from node_modules as usual; only the project's own TypeScript is bundled.
    packages: "external",
    // The one use of import.meta in the app (modules/core/render-template.ts locates templates/ with it);
    // esbuild warns about any other, which would then need the same treatment.
    define: { "import.meta.dirname": JSON.stringify(join(root, "modules", "core")) },
    logLevel: "warning",
  });
  // Written aside and renamed, so a synth running at the same moment never loads a half-written bundle.
  const partial = `${outfile}.${process.pid}`;
  writeFileSync(partial, outputFiles[0].contents);
  renameSync(partial, outfile);
  return outfile;
}

function readManifest(dir) {
  const file = join(dir, "manifest.json");
  return existsSync(file) ? JSON.parse(readFileSync(file, "utf8")) : undefined;
}

/** Removes the generated files of one stack directory (and the directory if nothing else is left); returns their names. */
function cleanStackDir(dir) {
  const removed = [];
  if (!existsSync(dir)) return removed;
  for (const name of readdirSync(dir)) {
    if (!GENERATED.has(name)) continue;
    rmSync(join(dir, name), { recursive: true, force: true });
    removed.push(name);
  }
  if (readdirSync(dir).length === 0) rmSync(dir, { recursive: true });
  return removed;
}

/**
 * Moves the staged output into `outdir`: cleans the stack directories concerned, moves each new stack's files
 * in, then writes the manifest (the previous entries of stacks not synthesized this time are kept when only
 * some stacks were asked for). Returns what was written and which earlier files are gone for good.
 */
function install() {
  const manifest = readManifest(staging);
  if (!manifest) fail(`the app wrote no manifest.json to ${staging}: main.ts must leave the output directory to CDKTF_OUTDIR`);
  const produced = Object.keys(manifest.stacks);
  const unknown = requested.filter((s) => !produced.includes(s));
  // main.ts rejects unknown names itself once it honours SYNTH_STACKS; until then it builds every stack.
  if (unknown.length > 0) fail(`unknown stack "${unknown[0]}": available stacks are ${produced.join(", ")}`);
  const names = requested.length > 0 ? requested : produced;

  const stacksDir = join(outdir, "stacks");
  const previous = readManifest(outdir);
  const existing = existsSync(stacksDir) ? readdirSync(stacksDir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name) : [];
  const toClean = requested.length > 0 ? names : existing;
  const removed = [];
  for (const name of toClean) {
    const dir = join(stacksDir, name);
    if (names.includes(name)) {
      const newFiles = readdirSync(join(staging, "stacks", name));
      const gone = cleanStackDir(dir).filter((f) => !newFiles.includes(f));
      if (gone.length > 0) removed.push(`${display(dir)}/${gone.length === 1 ? gone[0] : `{${gone.join(",")}}`}`);
    } else if (cleanStackDir(dir).length > 0 || !existsSync(dir)) {
      // a stack the app no longer has
      removed.push(existsSync(dir) ? `${display(dir)}/ (kept ${readdirSync(dir).join(", ")})` : `${display(dir)}/`);
    }
  }
  const written = [];
  for (const name of names) {
    const from = join(staging, "stacks", name);
    const to = join(stacksDir, name);
    mkdirSync(to, { recursive: true });
    for (const file of readdirSync(from)) renameSync(join(from, file), join(to, file));
    written.push({ name, file: join(outdir, manifest.stacks[name].synthesizedStackPath) });
  }
  if (requested.length === 0) {
    renameSync(join(staging, "manifest.json"), join(outdir, "manifest.json"));
  } else {
    // the earlier entries, in their order, with this synth's stacks replaced or added
    const stacks = {};
    for (const [name, entry] of Object.entries(previous?.stacks ?? {})) {
      if (names.includes(name)) stacks[name] = manifest.stacks[name];
      else if (existsSync(join(outdir, entry.synthesizedStackPath))) stacks[name] = entry;
    }
    for (const name of names) stacks[name] = manifest.stacks[name];
    writeFileSync(join(outdir, "manifest.json"), `${JSON.stringify({ ...manifest, stacks }, null, 2)}\n`);
  }
  return { written, removed };
}

/** A staging directory left by a synth that was killed (its process is gone). */
function removeAbandonedStaging() {
  if (!existsSync(outdir)) return;
  for (const name of readdirSync(outdir)) {
    const pid = /^\.synth-(\d+)$/.exec(name)?.[1];
    if (!pid || Number(pid) === process.pid) continue;
    try {
      process.kill(Number(pid), 0);
    } catch (err) {
      if (err.code === "ESRCH") rmSync(join(outdir, name), { recursive: true, force: true });
    }
  }
}
