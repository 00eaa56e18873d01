/**
 * `npm run synth` (scripts/synth.mjs), run as users run it, each time into its own temporary output directory
 * (CDKTF_OUTDIR, which cdktf's App honours and `cdktf synth` sets), so these tests never touch or race with the
 * repository's cdktf.out:
 *  - every synth starts clean: a cdk.tf left by `cdktf synth --hcl` is gone after `npm run synth` (and the other
 *    way round), and so are the files of stacks the app no longer has;
 *  - what ops keep in a stack directory (.terraform/, .terraform.lock.hcl, tfplan) survives;
 *  - `npm run synth -- <stack>` writes only that stack; an unknown name fails with the list of stacks and
 *    leaves the previous output as it was;
 *  - `--help` of synth, plan, validate and bench prints usage and does no work.
 * The independent runs start together in beforeAll.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { ProcessRun, runProcess } from "./support/process.js";
import { allStacks } from "../stacks/systems.js";
import { join } from "node:path";

const ROOT = join(import.meta.dirname, "..");

function run(command: string, args: string[], env: Record<string, string | undefined>): Promise<ProcessRun> {
  return runProcess(command, args, { cwd: ROOT, env: { SYNTH_STACKS: undefined, SYNTH_HCL_OUTPUT: undefined, ...env } });
}

const synth = (outdir: string, args: string[] = [], env: Record<string, string> = {}) =>
  run(process.execPath, [join(ROOT, "scripts", "synth.mjs"), ...args], { CDKTF_OUTDIR: outdir, ...env });

// `npm run <script>`, through the npm running the suite when there is one
const npmRun = (script: string, args: string[], env: Record<string, string>) =>
  process.env.npm_execpath?.endsWith(".js")
    ? run(process.execPath, [process.env.npm_execpath, "run", "-s", script, "--", ...args], env)
    : run("npm", ["run", "-s", script, "--", ...args], env);

const read = (...path: string[]) => readFileSync(join(...path), "utf8");

let tmp: string;
/** Every stack of the app, from the registry main.ts synthesizes. */
const stacks = allStacks().map((s) => s.name);
const dirs = {} as Record<"clean" | "hcl" | "subset" | "unknown" | "noHelpWork", string>;
const runs = {} as Record<"clean" | "hcl" | "subset" | "unknown" | "help" | "planHelp" | "validateHelp" | "benchHelp", Promise<ProcessRun>>;
const OPS_FILES = { ".terraform/providers/marker": "provider cache", ".terraform.lock.hcl": "# lock file\n", tfplan: "saved plan" };
const MARKER = '{"stale": "left by an earlier synth"}\n';

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), "synth-cli-"));
  for (const name of ["clean", "hcl", "subset", "unknown"] as const) dirs[name] = join(tmp, name);
  dirs.noHelpWork = join(tmp, "never-created");

  // clean, the one full synth: over a cdk.tf from `cdktf synth --hcl`, ops files, a stack the app no longer has, and
  // one with .terraform/ (no earlier synth needed: the output directory holds only what these tests put there)
  const stackDir = join(dirs.clean, "stacks", stacks[0]!);
  mkdirSync(stackDir, { recursive: true });
  writeFileSync(join(stackDir, "cdk.tf"), 'variable "stale" {}\n');
  for (const [file, content] of Object.entries(OPS_FILES)) {
    mkdirSync(join(stackDir, file, ".."), { recursive: true });
    writeFileSync(join(stackDir, file), content);
  }
  mkdirSync(join(dirs.clean, "stacks", "removed-stack"));
  writeFileSync(join(dirs.clean, "stacks", "removed-stack", "cdk.tf.json"), MARKER);
  writeFileSync(join(dirs.clean, "stacks", "removed-stack", "versions.tf.json"), MARKER);
  mkdirSync(join(dirs.clean, "stacks", "removed-but-initialized", ".terraform"), { recursive: true });
  writeFileSync(join(dirs.clean, "stacks", "removed-but-initialized", "cdk.tf.json"), MARKER);
  runs.clean = synth(dirs.clean);
  runs.help = synth(dirs.noHelpWork, ["--help"]);
  runs.planHelp = npmRun("plan", ["--help"], { CDKTF_OUTDIR: dirs.noHelpWork });
  runs.validateHelp = npmRun("validate", ["--help"], { CDKTF_OUTDIR: dirs.noHelpWork });
  runs.benchHelp = npmRun("bench", ["--help"], { CDKTF_OUTDIR: dirs.noHelpWork, BENCH_RUNS: "1" });

  // The others start from its output, as a previous `npm run synth` leaves it (without the ops files and the
  // initialized directory, which are the clean run's own scenario).
  const clean = await runs.clean;
  if (clean.status !== 0) throw new Error(`npm run synth failed:\n${clean.stderr}`);
  for (const name of ["hcl", "subset", "unknown"] as const) {
    cpSync(dirs.clean, dirs[name], { recursive: true });
    for (const file of [".terraform", ".terraform.lock.hcl", "tfplan"]) rmSync(join(dirs[name], "stacks", stacks[0]!, file), { recursive: true, force: true });
    rmSync(join(dirs[name], "stacks", "removed-but-initialized"), { recursive: true, force: true });
  }
  // subset: the other stacks' files must stay exactly as they were
  for (const other of stacks.slice(1)) writeFileSync(join(dirs.subset, "stacks", other, "cdk.tf.json"), MARKER);

  // As `cdktf synth --hcl` runs the app; one stack is enough (HCL conversion is the slow part of a synth).
  runs.hcl = synth(dirs.hcl, [stacks[0]!], { SYNTH_HCL_OUTPUT: "true" });
  runs.subset = synth(dirs.subset, [stacks[0]!]);
  runs.unknown = synth(dirs.unknown, ["no-such-stack"]);
}, 60_000);

afterAll(async () => {
  await Promise.allSettled(Object.values(runs));
  rmSync(tmp, { recursive: true, force: true });
});

describe("npm run synth", () => {
  it("prints each stack written, its path and the time taken", async () => {
    const { stdout } = await runs.clean;
    expect(stdout).toMatch(new RegExp(`^synthesized ${stacks.length} stacks? in \\d+\\.\\d\\d s:\\n`, "m"));
    for (const name of stacks) expect(stdout).toMatch(new RegExp(`^  ${name} +.*stacks/${name}/cdk\\.tf\\.json$`, "m"));
    expect(stacks.length).toBeGreaterThan(1); // the subset test below needs another stack to leave alone
  });

  it("removes a stale cdk.tf (from `cdktf synth --hcl`) and stacks the app no longer has", async () => {
    const r = await runs.clean;
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const stackDir = join(dirs.clean, "stacks", stacks[0]!);
    expect(existsSync(join(stackDir, "cdk.tf"))).toBe(false);
    expect(JSON.parse(read(stackDir, "cdk.tf.json"))).toHaveProperty("resource");
    expect(existsSync(join(stackDir, "versions.tf.json"))).toBe(true);
    expect(existsSync(join(dirs.clean, "stacks", "removed-stack"))).toBe(false);
    expect(readdirSync(join(dirs.clean, "stacks")).sort()).toEqual([...stacks, "removed-but-initialized"].sort());
    expect(Object.keys(JSON.parse(read(dirs.clean, "manifest.json")).stacks).sort()).toEqual([...stacks].sort());
    expect(r.stdout).toContain(`removed stale output: ${join(stackDir, "cdk.tf")}`);
    expect(r.stdout).toContain("removed-stack/");
    expect(readdirSync(dirs.clean).sort()).toEqual(["manifest.json", "stacks"]); // no staging directory left
  });

  it("keeps .terraform/, .terraform.lock.hcl and tfplan beside the generated files", async () => {
    await runs.clean;
    const stackDir = join(dirs.clean, "stacks", stacks[0]!);
    for (const [file, content] of Object.entries(OPS_FILES)) expect(read(stackDir, file)).toBe(content);
    expect(readdirSync(join(dirs.clean, "stacks", "removed-but-initialized"))).toEqual([".terraform"]);
    expect((await runs.clean).stdout).toContain("removed-but-initialized/ (kept .terraform)");
  });

  it("starts clean for `cdktf synth --hcl` too: cdk.tf replaces cdk.tf.json", async () => {
    const r = await runs.hcl;
    expect(r.status).toBe(0);
    expect(readdirSync(join(dirs.hcl, "stacks", stacks[0]!)).sort()).toEqual(["cdk.tf", "metadata.json", "versions.tf.json"]);
    expect(r.stdout).toMatch(new RegExp(`^  ${stacks[0]} +.*stacks/${stacks[0]}/cdk\\.tf$`, "m"));
  });

  it("with stack names, writes only those stacks and leaves the others as they were", async () => {
    const r = await runs.subset;
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^synthesized 1 stack in .*\\n  ${stacks[0]}  .*stacks/${stacks[0]}/cdk\\.tf\\.json\\n$`));
    expect(JSON.parse(read(dirs.subset, "stacks", stacks[0]!, "cdk.tf.json"))).toHaveProperty("resource");
    for (const other of stacks.slice(1)) expect(read(dirs.subset, "stacks", other, "cdk.tf.json")).toBe(MARKER);
    // the manifest still lists every stack on disk, so `cdktf synth` does not delete the others' directories
    expect(Object.keys(JSON.parse(read(dirs.subset, "manifest.json")).stacks).sort()).toEqual([...stacks].sort());
  });

  it("fails on an unknown stack name with the list of stacks, and leaves the previous output", async () => {
    const r = await runs.unknown;
    expect(r.status).not.toBe(0);
    const listed = /unknown stack "no-such-stack": available stacks are (.*)$/m.exec(r.stderr)?.[1];
    expect(listed?.split(", ").sort(), r.stderr).toEqual([...stacks].sort());
    expect(r.stderr).not.toMatch(/^\s+at /m); // the message alone, no stack trace
    expect(r.stdout).toBe("");
    for (const name of stacks) expect(existsSync(join(dirs.unknown, "stacks", name, "cdk.tf.json"))).toBe(true);
    expect(readdirSync(dirs.unknown).sort()).toEqual(["manifest.json", "stacks"]);
  });
});

describe("--help prints usage, exits 0 and does no work", () => {
  it.each([
    ["synth", "help", "usage: npm run synth"],
    ["plan", "planHelp", "usage: npm run plan -- <stack>"],
    ["validate", "validateHelp", "usage: npm run validate"],
    ["bench", "benchHelp", "usage: npm run bench"],
  ] as const)("npm run %s -- --help", async (_script, key, usage) => {
    const r = await runs[key];
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout.startsWith(usage)).toBe(true);
    expect(r.stdout).not.toMatch(/^synthesized/m);
    expect(existsSync(dirs.noHelpWork)).toBe(false); // nothing was synthesized
  });
});
