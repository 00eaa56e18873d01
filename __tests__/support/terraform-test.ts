import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readResult, resultKey, writeResult } from "./result-cache.js";
import { terraformVersion } from "../../scripts/offline-terraform/index.js";

/**
 * Terraform's own test framework (`terraform test`) driven from vitest: many `run` blocks against
 * provider-free modules in ONE Terraform process, each run's result mapped back by name.
 *
 * Every run gets its own `.tftest.json` file: Terraform skips the remaining runs of a file after a run
 * errors (a plan that fails without `expect_failures`), and files are independent, so one broken case
 * never hides the others.
 */

/** A literal variable value, as a tfvars file or `-var` gives it (Terraform converts to the variable's type). */
export type TfValue = string | number | boolean;

export interface TestRun {
  /** Unique; letters, digits and underscores. */
  readonly name: string;
  /** Key of the module (see `terraformTest`) the run plans. */
  readonly module: string;
  readonly variables: Readonly<Record<string, TfValue>>;
  /** Checkable objects that must fail, e.g. `var.allowed_cidr`; any other failure fails the run. */
  readonly expectFailures?: readonly string[];
  /** Terraform expressions (without `${}`) that must be true; `message` is a template shown when not. */
  readonly asserts?: readonly { readonly condition: string; readonly message: string }[];
}

export interface Diagnostic {
  readonly severity: "error" | "warning";
  readonly summary: string;
  readonly detail: string;
  /** Values Terraform shows with the diagnostic, e.g. `var.allowed_cidr` → `is "0.0.0.0/0"`. */
  readonly values: readonly { traversal: string; statement: string }[];
}

export interface RunResult {
  /** `missing`: Terraform reported nothing for the run (see `TestReport.diagnostics`). */
  readonly status: "pass" | "fail" | "error" | "skip" | "missing";
  readonly diagnostics: readonly Diagnostic[];
}

export interface TestReport {
  /** Looks a run up by name; a run Terraform did not report comes back as `missing`. */
  result(name: string): RunResult;
  /** Diagnostics not tied to a run (configuration errors, init problems), and Terraform's stderr. */
  readonly diagnostics: readonly Diagnostic[];
  readonly stderr: string;
}

const env = { ...process.env, TF_IN_AUTOMATION: "1", CHECKPOINT_DISABLE: "1", TF_CLI_CONFIG_FILE: "/dev/null" };

/** JSON-syntax strings are templates: keep `${` and `%{` in a literal value literal. */
const literal = (value: TfValue): TfValue => (typeof value === "string" ? value.replace(/([$%])\{/g, "$1$1{") : value);

const TEST_AREA = "terraform-test";

/** How many `terraform test` processes share the runs (two: the suite is CPU-bound on two cores, each process costs its start-up). */
const TEST_PROCESSES = 2;

/**
 * Writes `modules` (name → Terraform JSON) and one test file per run into a scratch directory, runs
 * `terraform init` (it installs the runs' local module sources; no providers, so it is instant) and
 * `terraform test -json` once, and returns every run's status and diagnostics. The same modules and runs with the same
 * Terraform give the same answers: their output is kept in .cache/terraform-test (git-ignored) and parsed again on
 * the next call, so only a changed question costs a Terraform run.
 */
export async function terraformTest(modules: Readonly<Record<string, object>>, runs: readonly TestRun[]): Promise<TestReport> {
  const names = new Set<string>();
  for (const run of runs) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(run.name) || names.has(run.name)) throw new Error(`run name not unique or not an identifier: ${run.name}`);
    if (!(run.module in modules)) throw new Error(`run ${run.name}: no module ${run.module}`);
    names.add(run.name);
  }
  // Terraform's answers depend only on the modules, the runs and its version: the output of the same question is
  // read back from .cache/terraform-test (parsed again, so the parser is always exercised).
  const key = resultKey(terraformVersion() ?? "none", modules, runs);
  const kept = process.env.KEEP_TF_TEST ? undefined : readResult<{ stdout: string; stderr: string }>(TEST_AREA, key);
  if (kept) return parseReport(kept.stdout, kept.stderr);
  const dir = mkdtempSync(join(tmpdir(), "tf-test-"));
  try {
    // The root module is empty: every run names the module it plans.
    writeFileSync(join(dir, "main.tf.json"), "{}");
    for (const [name, config] of Object.entries(modules)) {
      mkdirSync(join(dir, "modules", name), { recursive: true });
      writeFileSync(join(dir, "modules", name, "main.tf.json"), JSON.stringify(config, null, 1));
    }
    for (const run of runs) {
      const block = {
        command: "plan",
        module: { source: `./modules/${run.module}` },
        variables: Object.fromEntries(Object.entries(run.variables).map(([k, v]) => [k, literal(v)])),
        ...(run.expectFailures?.length ? { expect_failures: run.expectFailures } : {}),
        ...(run.asserts?.length ? { assert: run.asserts.map((a) => ({ condition: `\${${a.condition}}`, error_message: a.message })) } : {}),
      };
      writeFileSync(join(dir, `${run.name}.tftest.json`), JSON.stringify({ run: { [run.name]: block } }, null, 1));
    }
    const init = await terraform(["init", "-input=false", "-no-color", "-backend=false"], dir);
    if (init.code !== 0) throw new Error(`terraform init failed in ${dir}:\n${init.stdout}\n${init.stderr}`);
    // Terraform 1.11 plans a test's files one after the other (~0.1 s each): a few processes over shares of the
    // files finish together in a fraction of the time. Each file is one run, so the reports simply add up.
    const shards = Array.from({ length: TEST_PROCESSES }, (_, i) => runs.filter((_, j) => j % TEST_PROCESSES === i)).filter((s) => s.length);
    const results = await Promise.all(shards.map((shard) => terraform(["test", "-json", "-no-color", ...shard.map((r) => `-filter=${r.name}.tftest.json`)], dir)));
    const output = { stdout: results.map((r) => r.stdout).join("\n"), stderr: results.map((r) => r.stderr).join("") };
    writeResult(TEST_AREA, key, output);
    return parseReport(output.stdout, output.stderr);
  } finally {
    // KEEP_TF_TEST=1 keeps the directory to rerun `terraform test` by hand.
    if (process.env.KEEP_TF_TEST) console.log(`terraform test directory kept: ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

/** Reads `terraform test -json` (one JSON message a line) into per-run results. */
export function parseReport(stdout: string, stderr: string): TestReport {
  const statuses = new Map<string, RunResult["status"]>();
  const diagnostics = new Map<string, Diagnostic[]>();
  const global: Diagnostic[] = [];
  for (const line of stdout.split("\n")) {
    if (!line.trim()) continue;
    let message: any;
    try {
      message = JSON.parse(line);
    } catch {
      global.push({ severity: "error", summary: "unparsed output", detail: line, values: [] });
      continue;
    }
    const run: string | undefined = message["@testrun"];
    if (message.type === "test_run" && message.test_run?.progress === "complete") {
      statuses.set(message.test_run.run, message.test_run.status);
    } else if (message.type === "diagnostic") {
      const d = message.diagnostic;
      const diagnostic: Diagnostic = { severity: d.severity, summary: d.summary, detail: d.detail ?? "", values: d.snippet?.values ?? [] };
      if (run) diagnostics.set(run, [...(diagnostics.get(run) ?? []), diagnostic]);
      else global.push(diagnostic);
    }
  }
  return {
    result: (name) => ({ status: statuses.get(name) ?? "missing", diagnostics: diagnostics.get(name) ?? [] }),
    diagnostics: global,
    stderr,
  };
}

/** Explains a run that did not go as expected: its diagnostics, or why Terraform never reported it. */
export function explain(report: TestReport, name: string): string {
  const { status, diagnostics } = report.result(name);
  const shown = status === "missing" ? [...report.diagnostics, { summary: "stderr", detail: report.stderr }] : diagnostics;
  return `run ${name}: ${status}\n${shown.map((d) => `${d.summary}: ${d.detail}`).join("\n")}`;
}

/**
 * Parses a tfvars file of literal assignments (`name = "string" | number | true | false`, `#` comments),
 * which is all this project's tfvars use. Anything else throws, so a richer file fails loudly instead of
 * being half read.
 */
export function readTfvars(path: string): Record<string, TfValue> {
  const values: Record<string, TfValue> = {};
  readFileSync(path, "utf8").split("\n").forEach((raw, i) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line.startsWith("//")) return;
    const fail = () => new Error(`${path}:${i + 1}: not a literal assignment this reader understands: ${raw}`);
    const m = /^([A-Za-z_][A-Za-z0-9_-]*)\s*=\s*(.*)$/.exec(line);
    if (!m) throw fail();
    const [, name, rest] = m;
    let value: TfValue;
    let tail: string;
    if (rest.startsWith('"')) {
      const s = /^"((?:[^"\\]|\\["\\nrt])*)"(.*)$/.exec(rest);
      if (!s || /[$%]\{/.test(s[1])) throw fail();
      value = s[1].replace(/\\(["\\nrt])/g, (_, c: string) => ({ n: "\n", r: "\r", t: "\t" })[c as "n"] ?? c);
      tail = s[2];
    } else {
      const t = /^(true|false|-?[0-9]+(?:\.[0-9]+)?)(.*)$/.exec(rest);
      if (!t) throw fail();
      value = t[1] === "true" ? true : t[1] === "false" ? false : Number(t[1]);
      tail = t[2];
    }
    if (!/^\s*(?:(?:#|\/\/).*)?$/.test(tail)) throw fail();
    if (name in values) throw new Error(`${path}:${i + 1}: ${name} is set twice`);
    values[name] = value;
  });
  return values;
}

function terraform(args: readonly string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile("terraform", args, { cwd, env, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) =>
      done({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}
