/**
 * shellcheck with a cache of clean results. shellcheck is the slowest tool the suite runs, and most files it checks
 * do not change between runs: a file whose exact content (and the content of everything it may source, and the
 * shellcheck version and arguments) was found clean before is not checked again. Only clean results are kept
 * (`.cache/shellcheck/`, see result-cache.ts), so a finding is always reported by a real run, and any change to a
 * file, to what it sources or to shellcheck itself means a real run.
 */
import { spawn, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { resolve } from "node:path";
import { readResult, resultKey, writeResult } from "./result-cache.js";

const AREA = "shellcheck";

export interface ShellcheckRun {
  readonly file: string;
  readonly status: number | null;
  readonly output: string;
  /** Found clean by an earlier run of the same content, version and arguments. */
  readonly cached: boolean;
}

let version: string | undefined;
/** shellcheck's version line; throws with how to install it when it is missing. */
export function shellcheckVersion(): string {
  if (version === undefined) {
    const run = spawnSync("shellcheck", ["--version"], { encoding: "utf8" });
    if (run.error || run.status !== 0) {
      throw new Error("shellcheck is not installed. Install it: apt-get install -y shellcheck (macOS: brew install shellcheck)");
    }
    version = run.stdout;
  }
  return version;
}

function run(args: readonly string[], file: string, cwd: string): Promise<{ status: number | null; output: string }> {
  return new Promise((done, fail) => {
    const child = spawn("shellcheck", [...args, file], { cwd, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    child.on("error", fail);
    child.on("close", (status) => done({ status, output }));
  });
}

/**
 * `shellcheck ARGS FILE` for each file (one process per CPU at a time, largest first), each result in the order of
 * `files`. `sourced` lists files the checked ones may source (with -x): their content is part of every cache key.
 */
export async function shellcheckEach(args: readonly string[], files: readonly string[], options: { cwd: string; sourced?: readonly string[] }): Promise<ShellcheckRun[]> {
  const sourced = (options.sourced ?? []).map((f) => readFileSync(resolve(options.cwd, f), "utf8"));
  const keyOf = (content: string) => resultKey(shellcheckVersion(), args, content, sourced);
  const pending = files.map((file) => {
    const content = readFileSync(resolve(options.cwd, file), "utf8");
    return { file, size: content.length, key: keyOf(content) };
  });
  const results = new Map<string, ShellcheckRun>();
  const queue = pending.filter((p) => {
    if (!readResult<boolean>(AREA, p.key)) return true;
    results.set(p.file, { file: p.file, status: 0, output: "", cached: true });
    return false;
  });
  queue.sort((a, b) => b.size - a.size);
  const worker = async () => {
    for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
      const { status, output } = await run(args, next.file, options.cwd);
      if (status === 0 && output === "") writeResult(AREA, next.key, true);
      results.set(next.file, { file: next.file, status, output, cached: false });
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(availableParallelism(), queue.length)) }, worker));
  return files.map((f) => results.get(f)!);
}
