#!/usr/bin/env node
// `npm test`: the type-check and the test suite side by side. tsc checks on one core; started first and then waited
// for, it left the second core idle for its whole run. Both always run to the end; the type-check's output follows
// the suite's, and the exit status fails when either failed. Arguments go to vitest (`npm test -- __tests__/x.test.ts`).
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { setPriority } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

if (process.argv.includes("--help") || process.argv.includes("-h")) {
  console.log(`usage: npm test [-- <vitest arguments>]

Runs \`tsc --noEmit\` (incremental, .cache/tsc/tsbuildinfo) and \`vitest run <arguments>\` at the same time; prints the
type errors after the suite; exits non-zero when either fails.`);
  process.exit(0);
}

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(import.meta.url);
const tscBin = require.resolve("typescript/bin/tsc");
const vitestBin = join(dirname(require.resolve("vitest/package.json")), "vitest.mjs");

/** Runs node on `args`; resolves with the exit status (1 for a signal). */
function run(args, options) {
  const child = spawn(process.execPath, args, { cwd: root, ...options });
  children.push(child);
  return {
    child,
    done: new Promise((resolve) => {
      child.on("error", (error) => {
        console.error(`test.mjs: could not start ${args[0]}: ${error.message}`);
        resolve(1);
      });
      child.on("close", (code) => resolve(code ?? 1));
    }),
  };
}

const children = [];
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    for (const child of children) child.kill(signal);
  });
}

const tsc = run([tscBin, "--noEmit", "--incremental", "--tsBuildInfoFile", ".cache/tsc/tsbuildinfo"], { stdio: ["ignore", "pipe", "pipe"] });
// The suite first: the type-check takes the cycles the suite leaves (its waits on Terraform, its last test files).
try {
  setPriority(tsc.child.pid, 19);
} catch {
  // not allowed here: both at the same priority
}
let typeErrors = "";
tsc.child.stdout.on("data", (chunk) => (typeErrors += chunk));
tsc.child.stderr.on("data", (chunk) => (typeErrors += chunk));
const vitest = run([vitestBin, "run", ...process.argv.slice(2)], { stdio: "inherit" });

const [tscStatus, vitestStatus] = await Promise.all([tsc.done, vitest.done]);
if (tscStatus !== 0) {
  process.stderr.write(`\ntype-check (tsc --noEmit) failed:\n${typeErrors}`);
} else {
  console.log("type-check (tsc --noEmit): no errors");
}
process.exit(tscStatus !== 0 ? tscStatus : vitestStatus);
