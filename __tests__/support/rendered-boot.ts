/**
 * Boot scripts as an instance receives them, for the systems' boot tests: rendered by the real Terraform engine,
 * offline, in a provider-free configuration of the stack's own variables and locals, where only the resource and
 * data-source attributes Terraform cannot know offline become sample values; then the files a script writes, and a
 * sandbox to run one of them with real tools and recording stubs.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { readResult, resultKey, writeResult } from "./result-cache.js";
import { shellcheckEach, ShellcheckRun } from "./shellcheck.js";
import { applyOffline } from "./terraform.js";
import { interpolationSpans } from "./user-data.js";
import type { TfJson } from "./synth.js";
import { terraformVersion } from "../../scripts/offline-terraform/index.js";

/** A resource or data-source attribute in an expression (`aws_x.name_HASH[*].attr`); variables and locals are left to Terraform. */
const ATTRIBUTE = /(?<![\w.])(?:data\.)?aws_[a-z0-9_]+\.[A-Za-z0-9_-]+(?:\[(?:\*|\d+)\])?(?:\.[A-Za-z0-9_]+(?:\[(?:\*|\d+)\])?)*/g;
/** A reference without the logical id's hash: the key of its sample. */
export const withoutHash = (ref: string) => ref.replace(/_[0-9A-F]{8}\b/g, "");
const SAMPLES_LOCAL = "boot_test_samples";

/** The one local of the stack whose name matches, by its synthesized name. */
export function localNamed(json: TfJson, pattern: RegExp): string {
  const names = Object.keys(json.locals).filter((n) => pattern.test(n));
  if (names.length !== 1) throw new Error(`expected one local matching ${pattern}, found ${JSON.stringify(names)}`);
  return names[0]!;
}

export interface RenderOptions {
  /** The stack, for the error messages (e.g. "agent-platform-dev"). */
  readonly stack: string;
  readonly json: TfJson;
  /** A sample for every attribute the locals read, keyed withoutHash; `[*]` ones are lists. */
  readonly samples: Readonly<Record<string, string | readonly string[]>>;
  /** Output name to the expression (without `${}`) whose value is wanted, e.g. `local.app_user_data_ABCD1234`. */
  readonly outputs: Readonly<Record<string, string>>;
  /** The tfvars file the render is given (`-var-file`), and more `-var=` arguments after it (they win). */
  readonly tfvars: string;
  readonly vars?: readonly string[];
  /** The area of .cache/ the renders are kept in. */
  readonly cache: string;
}

/**
 * The outputs, as `terraform apply` of the stack's variables and locals (with the samples) gives them. A render depends
 * only on the configuration, the tfvars and Terraform itself: kept in .cache/ (result-cache.ts), so only a change to
 * one of them renders again.
 */
export async function renderWithSamples(o: RenderOptions): Promise<Record<string, string>> {
  const missing = new Set<string>();
  const locals: Record<string, string> = {};
  for (const [name, value] of Object.entries(o.json.locals)) {
    let out = "";
    let last = 0;
    for (const [start, end] of interpolationSpans(value)) {
      out += value.slice(last, start) + value.slice(start, end).replace(ATTRIBUTE, (ref) => {
        const key = withoutHash(ref);
        if (!(key in o.samples)) missing.add(key);
        return `local.${SAMPLES_LOCAL}[${JSON.stringify(key)}]`;
      });
      last = end;
    }
    locals[name] = out + value.slice(last);
  }
  if (missing.size) throw new Error(`${o.stack} locals read ${[...missing].join(", ")} with no sample value: add a realistic one to the test's SAMPLES`);
  // Samples are data, not templates: a `${` in one reaches the script as it is.
  const literal = (v: string | readonly string[]): string | readonly string[] =>
    typeof v === "string" ? v.replace(/\$\{/g, "$$${").replace(/%\{/g, "%%{") : v.map((x) => literal(x) as string);
  const config = {
    variable: o.json.variable,
    locals: { [SAMPLES_LOCAL]: Object.fromEntries(Object.entries(o.samples).map(([k, v]) => [k, literal(v)])), ...locals },
    output: Object.fromEntries(Object.entries(o.outputs).map(([name, expression]) => [name, { value: `\${${expression}}` }])),
  };
  const args = [`-var-file=${o.tfvars}`, ...(o.vars ?? [])];
  const key = resultKey(terraformVersion() ?? "no terraform", config, args, readFileSync(o.tfvars, "utf8"));
  const kept = readResult<Record<string, string>>(o.cache, key);
  if (kept) return kept;
  const run = await applyOffline(config, args);
  if (!run.ok) throw new Error(`terraform could not render the ${o.stack} boot scripts:\n${run.stderr}`);
  const rendered = Object.fromEntries(Object.keys(o.outputs).map((name) => [name, run.outputs[name] as string]));
  writeResult(o.cache, key, rendered);
  return rendered;
}

/** Every `cat > PATH <<'TAG' … TAG` of a rendered script: path to content (without the last newline). */
export function heredocs(script: string): Record<string, string> {
  const found: Record<string, string> = {};
  for (const m of script.matchAll(/cat > (\S+) <<'?(\w+)'?\n([\s\S]*?)\n\2\n/g)) {
    if (m[1]! in found) throw new Error(`two heredocs write ${m[1]}`);
    found[m[1]!] = m[3]!;
  }
  return found;
}

export function heredoc(script: string, path: string): string {
  const text = heredocs(script)[path];
  if (text === undefined) throw new Error(`no heredoc writes ${path}`);
  return text;
}

/** The scripts a boot script installs (its heredocs into /usr/local/sbin and /usr/local/bin), by file name + `suffix`. */
export function installedScripts(script: string, suffix: string): Record<string, string> {
  const scripts: Record<string, string> = {};
  for (const [path, text] of Object.entries(heredocs(script))) {
    if (path.startsWith("/usr/local/sbin/") || path.startsWith("/usr/local/bin/")) scripts[`${path.split("/").at(-1)}${suffix}`] = text;
  }
  return scripts;
}

/** Static checks of scripts written into one directory, started together: `bash -n` of each, and shellcheck's style level. */
export interface ScriptLint {
  readonly dir: string;
  /** File name to content (without the last newline). */
  readonly files: Record<string, string>;
  readonly bash: Promise<[string, ToolRun][]>;
  /** One run, cached by content (support/shellcheck.ts). */
  readonly shellcheck: Promise<ShellcheckRun[]>;
}

export function lintScripts(dir: string, files: Record<string, string>): ScriptLint {
  mkdirSync(dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), `${text}\n`);
  return {
    dir,
    files,
    bash: Promise.all(Object.keys(files).map(async (f) => [f, await runTool("bash", ["-n", join(dir, f)])] as [string, ToolRun])),
    shellcheck: shellcheckEach(["--shell=bash", "--severity=style"], Object.keys(files), { cwd: dir }),
  };
}

export interface ToolRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** A program, without blocking the event loop (other checks and servers run meanwhile); `input` on its stdin. */
export function runTool(command: string, argv: readonly string[], env?: NodeJS.ProcessEnv, input?: string): Promise<ToolRun> {
  return new Promise((done) => {
    const child = execFile(command, argv, { encoding: "utf8", env, timeout: 10_000 }, (error, stdout, stderr) =>
      done({ code: error ? Number(typeof error.code === "number" ? error.code : 1) : 0, stdout, stderr }));
    if (input !== undefined) child.stdin?.end(input);
  });
}

/** Where a real tool is: PATH's first, python3 the interpreter itself (PATH may hold a pyenv shim, which needs PATH). */
export async function realTool(name: string): Promise<string> {
  if (name === "python3") {
    const probe = await runTool("python3", ["-c", "import sys; print(sys.executable)"], process.env);
    if (probe.code !== 0 || !probe.stdout.trim()) throw new Error(`python3 not found: ${probe.stderr}`);
    return probe.stdout.trim();
  }
  for (const dir of (process.env.PATH ?? "").split(":")) if (dir && existsSync(join(dir, name))) return join(dir, name);
  throw new Error(`${name} not found on PATH`);
}

/**
 * A directory of its own for a run of one of an instance's scripts: bin/ (the whole PATH) holds the real tools the
 * script needs and stubs that record each call (`<name>.calls`, one line of NUL-separated arguments per call); tmp/ is
 * its TMPDIR, so whatever it writes to a temporary file stays inside the directory for the test to search.
 */
export class BootSandbox {
  readonly bin: string;
  readonly tmp: string;
  constructor(readonly dir: string, tools: Readonly<Record<string, string>>) {
    this.bin = join(dir, "bin");
    this.tmp = join(dir, "tmp");
    mkdirSync(this.bin, { recursive: true });
    mkdirSync(this.tmp, { recursive: true });
    for (const [name, path] of Object.entries(tools)) symlinkSync(path, join(this.bin, name));
  }

  stub(name: string, body: string): void {
    const calls = join(this.dir, `${name}.calls`);
    writeFileSync(join(this.bin, name), `#!/bin/bash\n{ if (( $# )); then printf '%s\\0' "$@"; fi; printf '\\n'; } >> '${calls}'\n${body}\n`, { mode: 0o755 });
  }

  /** The calls of a stub, each its arguments; null: never called. */
  calls(name: string): string[][] | null {
    const file = join(this.dir, `${name}.calls`);
    if (!existsSync(file)) return null;
    return readFileSync(file, "utf8").split("\n").slice(0, -1).map((line) => line.split("\0").slice(0, -1));
  }

  write(name: string, content: string): void {
    writeFileSync(join(this.dir, name), content);
  }

  /**
   * Writes the script with its fixed paths redirected into this directory (string substitution on the text extracted
   * from the rendered boot script: what `sed -e 's#FROM#TO#'` would do), each FROM exactly `times` times, and returns
   * a runner with only bin/ on PATH.
   */
  install(name: string, script: string, redirects: ReadonlyArray<readonly [from: string, to: string, times: number]>): () => Promise<ToolRun> {
    let text = script;
    for (const [from, to, times] of redirects) {
      const found = text.split(from).length - 1;
      if (found !== times) throw new Error(`${name}: expected ${from} ${times} time(s), found it ${found} time(s): update the redirects of this test`);
      text = text.split(from).join(to);
    }
    const path = join(this.dir, name);
    writeFileSync(path, `${text}\n`, { mode: 0o700 });
    return () => runTool(path, [], { PATH: this.bin, LANG: "C", TMPDIR: this.tmp });
  }
}
