#!/usr/bin/env node
// `npm run synth` (and `cdktf synth`, see cdktf.json): bundles main.ts with esbuild (~0.1 s) and runs the
// bundle with plain Node. Running the TypeScript through tsx's ESM loader costs ~0.8 s more per synth and
// twice the memory, for the same output (npm run bench measures both).
import { build } from "esbuild";
import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
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

createRequire(import.meta.url)(outfile);

// For scripts/bench.ts: peak memory of this process, on stderr so stdout stays clean.
if (process.env.SYNTH_METRICS === "1") {
  process.stderr.write(`${JSON.stringify({ maxRssMiB: process.resourceUsage().maxRSS / 1024 })}\n`);
}
