/**
 * Test harness for the operator scripts: a throw-away copy of the repository layout (scripts/, as symlinks to the
 * real scripts, and environments/) and a bin directory of stub commands that is the PATH, with a directory of
 * symlinks to a short list of system tools after it. Each stub appends its name, working directory and arguments to a log,
 * then runs a bash body chosen by the test. A script calling anything not stubbed or allow-listed fails with
 * "command not found".
 *
 * Sandboxes are independent of each other (own root, bin, HOME and log), so tests may run concurrently.
 */
import { spawn } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, dirname, join, resolve } from "node:path";
import type { TestContext } from "vitest";

export const REPO_ROOT = resolve(import.meta.dirname, "..", "..");
export const SCRIPTS_DIR = join(REPO_ROOT, "scripts");

/** System tools the scripts (and stubs) may use; everything else must be a stub. */
const SYSTEM_TOOLS = [
  "bash", "env", "cat", "sed", "grep", "head", "find", "basename", "dirname", "date", "sleep",
  "rm", "mkdir", "touch", "uname", "tr", "wc", "cut", "sort",
  // The scripts read JSON (cdk.tf.json, terraform output -json) with Node, a requirement of the project.
  "node",
];
/** The scripts under test, symlinked into each sandbox as laid out in the repository. */
const SCRIPT_FILES = ["verify-prereqs.sh", "build-and-push.sh", "build-only.sh", "deploy.sh", "health-check.sh", "destroy.sh", "cancel-spot-request.sh", "rotate-clickhouse-password.sh", "lib/common.sh"];

/** One recorded stub invocation. */
export interface Call {
  readonly cmd: string;
  readonly cwd: string;
  readonly args: readonly string[];
}

export interface RunResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

export interface SandboxOptions {
  /** Stub name → bash body (runs after logging; "$@" are the arguments). Default body: `exit 0`. */
  readonly stubs?: Record<string, string>;
  /** Real commands from the test machine's PATH to allow, e.g. ["curl"]. */
  readonly realTools?: readonly string[];
  /**
   * environments/<system>/<env>.tfvars to create, keyed "<system>/<env>" (value: content).
   * Default: openlit/demo and openlit/staging.
   */
  readonly environments?: Record<string, string>;
  /** Extra files relative to the sandbox root. */
  readonly files?: Record<string, string>;
}

export interface Sandbox {
  readonly root: string;
  /** The stubs (and the sandbox's extra real tools). */
  readonly bin: string;
  /** The scripts' whole PATH: the stubs, then the allow-listed system tools. */
  readonly path: string;
  readonly home: string;
  /** Every stub call so far, in order. */
  calls(): Call[];
  /** Calls as "cmd arg arg…" strings (arguments joined by spaces), with the sandbox root shown as ROOT. */
  commands(): string[];
  /** Runs scripts/<script> with stdin closed (not a terminal). */
  run(script: string, args?: readonly string[], opts?: RunOptions): Promise<RunResult>;
  /** Removes the sandbox (asynchronously, off the event loop). */
  cleanup(): Promise<void>;
}

export interface RunOptions {
  readonly env?: Record<string, string | undefined>;
  readonly cwd?: string;
  /**
   * Run under `script(1)` so stdin is a terminal, and type `input` once the terminal output contains `prompt`
   * (without `prompt`: 300 ms after the start).
   */
  readonly tty?: { readonly input: string; readonly prompt?: string };
  readonly timeoutMs?: number;
}

const FIELD = "\x1f";
const RECORD = "\x1e";

const whichCache = new Map<string, string | undefined>();
let systemTools: string | undefined;
/** A directory of symlinks to SYSTEM_TOOLS, made once per worker (the same for every sandbox). */
function systemToolsDir(): string {
  if (systemTools === undefined) {
    const dir = realpathSync(mkdtempSync(join(tmpdir(), "ops-scripts-tools-")));
    for (const tool of SYSTEM_TOOLS) {
      const real = which(tool);
      if (real) symlinkSync(real, join(dir, tool));
    }
    systemTools = dir;
  }
  return systemTools;
}

function which(tool: string): string | undefined {
  if (!whichCache.has(tool)) {
    let found: string | undefined;
    for (const dir of (process.env.PATH ?? "").split(delimiter)) {
      const candidate = join(dir, tool);
      if (dir && existsSync(candidate)) {
        found = candidate;
        break;
      }
    }
    whichCache.set(tool, found);
  }
  return whichCache.get(tool);
}

export function stubScript(name: string, body: string): string {
  return [
    "#!/usr/bin/env bash",
    // One write per call (O_APPEND), so both sides of a pipeline never interleave their records.
    `__rec="${name}${FIELD}$PWD"; for __a in "$@"; do __rec="$__rec${FIELD}$__a"; done`,
    `printf '%s${RECORD}' "$__rec" >> "$STUB_LOG"`,
    "unset __rec __a",
    body,
    "",
  ].join("\n");
}

export function createSandbox(options: SandboxOptions = {}): Sandbox {
  const root = realpathSync(mkdtempSync(join(tmpdir(), "ops-scripts-")));
  const bin = join(root, ".stub-bin");
  const home = join(root, ".home");
  const log = join(root, ".stub-log");
  mkdirSync(bin);
  mkdirSync(home);
  writeFileSync(log, "");

  // The scripts under test, laid out as in the repository. Symlinks to the files (not to the directories): the
  // scripts find the repository root from their own directory (`cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P`),
  // which is the sandbox's real scripts/ directory, so they see the sandbox's environments/ and cdktf.out/.
  mkdirSync(join(root, "scripts", "lib"), { recursive: true });
  for (const f of SCRIPT_FILES) symlinkSync(join(SCRIPTS_DIR, f), join(root, "scripts", f));

  const envs = options.environments ?? { "openlit/demo": 'environment = "demo"\n', "openlit/staging": 'environment = "staging"\n' };
  for (const [key, content] of Object.entries(envs)) {
    mkdirSync(join(root, "environments", dirname(key)), { recursive: true });
    writeFileSync(join(root, "environments", `${key}.tfvars`), content);
  }
  for (const [path, content] of Object.entries(options.files ?? {})) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }

  // The allow-listed system tools come from one directory per worker, after the stubs on PATH (a stub of the same name
  // wins); only the extra real tools of this sandbox are linked here.
  for (const tool of options.realTools ?? []) {
    const real = which(tool);
    if (real && !existsSync(join(bin, tool))) symlinkSync(real, join(bin, tool));
  }
  for (const [name, body] of Object.entries(options.stubs ?? {})) {
    const path = join(bin, name);
    rmSync(path, { force: true });
    writeFileSync(path, stubScript(name, body));
    chmodSync(path, 0o755);
  }

  const calls = (): Call[] =>
    readFileSync(log, "utf8")
      .split(RECORD)
      .filter((r) => r.length > 0)
      .map((r) => {
        const [cmd, cwd, ...args] = r.split(FIELD);
        return { cmd, cwd, args };
      });

  return {
    root,
    bin,
    path: `${bin}${delimiter}${systemToolsDir()}`,
    home,
    calls,
    commands: () => calls().map((c) => [c.cmd, ...c.args].join(" ").split(root).join("ROOT")),
    run: (script, args = [], opts = {}) => {
      const env: Record<string, string> = {
        PATH: `${bin}${delimiter}${systemToolsDir()}`,
        HOME: home,
        LANG: "C",
        STUB_LOG: log,
        TMPDIR: tmpdir(),
        TERM: "dumb",
      };
      for (const [k, v] of Object.entries(opts.env ?? {})) if (v !== undefined) env[k] = v;
      const scriptPath = join(root, "scripts", script);
      return runProcess(scriptPath, args, env, opts);
    },
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
}

/**
 * createSandbox for one test, removed when that test finishes. Takes the test's own context, so it works in
 * concurrent tests: `it("…", async ({ expect, onTestFinished }) => { const sb = testSandbox({ onTestFinished }, …) })`.
 */
export function testSandbox(ctx: Pick<TestContext, "onTestFinished">, options: SandboxOptions = {}): Sandbox {
  const sb = createSandbox(options);
  ctx.onTestFinished(() => sb.cleanup());
  return sb;
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

function runProcess(scriptPath: string, args: readonly string[], env: Record<string, string>, opts: RunOptions): Promise<RunResult> {
  const started = Date.now();
  let command = scriptPath;
  let argv: string[] = [...args];
  if (opts.tty) {
    // util-linux script(1): runs the command on a new pseudo-terminal; our stdin is relayed to it.
    const scriptBin = which("script");
    if (!scriptBin) throw new Error("script(1) from util-linux is needed for terminal tests");
    command = scriptBin;
    argv = ["-qec", [scriptPath, ...args].map(shellQuote).join(" "), "/dev/null"];
    env = { ...env, PATH: `${env.PATH}${delimiter}${dirname(scriptBin)}` };
  }
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, argv, {
      cwd: opts.cwd ?? tmpdir(),
      env,
      stdio: [opts.tty ? "pipe" : "ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout?.on("data", (d) => (stdout += d));
    child.stderr?.on("data", (d) => (stderr += d));
    if (opts.tty && child.stdin) {
      // Type once the prompt is waiting, then keep stdin open until the child exits.
      const { input, prompt } = opts.tty;
      let typed = false;
      const type = () => {
        if (!typed) child.stdin?.write(input);
        typed = true;
      };
      if (prompt === undefined) setTimeout(type, 300);
      else child.stdout?.on("data", () => stdout.includes(prompt) && type());
    }
    const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs ?? 20_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout, stderr, ms: Date.now() - started });
    });
  });
}

/**
 * A small synthesized stack (cdk.tf.json) as the scripts read it: sensitive variables without a default are required
 * secrets, those with one optional; `outputs` are declared outputs (values come from the terraform stub).
 */
export function cdkTfJson(opts: { secrets?: readonly string[]; optionalSecrets?: readonly string[]; plain?: readonly string[]; outputs?: readonly string[] } = {}): string {
  const variable: Record<string, object> = {};
  for (const v of opts.plain ?? ["environment"]) variable[v] = { type: "string" };
  for (const v of opts.secrets ?? []) variable[v] = { type: "string", sensitive: true, ephemeral: true };
  for (const v of opts.optionalSecrets ?? []) variable[v] = { type: "string", sensitive: true, default: "" };
  const output: Record<string, object> = {};
  for (const o of opts.outputs ?? []) output[o] = { value: `\${local.${o}}` };
  return JSON.stringify({ terraform: {}, variable, output }, null, 2);
}

/** The fixture for the openlit-<env> stacks of the default sandbox. */
export const OPENLIT_STACK = cdkTfJson({
  secrets: ["clickhouse_password"],
  optionalSecrets: ["demo_passwords"],
  outputs: ["aws_region", "health_checks", "snapshot_volume_ids"],
});

/** Stub bodies shared by several tests. */
export const bodies = {
  /**
   * npm: `npm run synth` writes cdktf.out/stacks/<stack>/cdk.tf.json for each stack (stack name → content).
   * Default: openlit-demo and openlit-staging with OPENLIT_STACK.
   */
  npmSynth: (stacks: Record<string, string> = { "openlit-demo": OPENLIT_STACK, "openlit-staging": OPENLIT_STACK }) =>
    Object.entries(stacks)
      .map(([name, json]) => `mkdir -p "cdktf.out/stacks/${name}" && cat > "cdktf.out/stacks/${name}/cdk.tf.json" <<'CDK_TF_JSON'\n${json}\nCDK_TF_JSON`)
      .join("\n"),
  /** curl answering every check: HTTP 200, TCP connection accepted (reads the -w format to decide what to print). */
  curlHealthy: [
    'w=""; prev=""; for a in "$@"; do [[ "$prev" == -w ]] && w=$a; prev=$a; done',
    'case "$w" in',
    "  '%{http_code}') printf 200 ;;",
    "  '%{time_connect}') printf 0.000321 ;;",
    "esac",
  ].join("\n"),
  /** curl that can never connect (connection refused). */
  curlRefused: [
    'w=""; prev=""; for a in "$@"; do [[ "$prev" == -w ]] && w=$a; prev=$a; done',
    'case "$w" in',
    "  '%{time_connect}') printf 0.000000 ;;",
    "  *) printf 000 ;;",
    "esac",
    "exit 7",
  ].join("\n"),
};

/** The delays a run slept, from the calls of a `sleep` stub (which returns at once), e.g. ["0.100", "0.200"]. */
export function sleeps(sb: Sandbox): string[] {
  return sb.calls().filter((c) => c.cmd === "sleep").map((c) => c.args.join(" "));
}

/** The delays a health check announced on stderr ("retrying in 0.100s"), in order. */
export function announcedDelays(stderr: string): string[] {
  return [...stderr.matchAll(/retrying in ([0-9.]+)s/g)].map((m) => m[1]);
}
