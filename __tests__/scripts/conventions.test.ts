import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { createSandbox, REPO_ROOT, SCRIPTS_DIR, Sandbox } from "./stubs.js";
import { shellcheckEach, shellcheckVersion } from "../support/shellcheck.js";

/** Names of systems the generic scripts must not mention (case-insensitive; "h3" only as a word of its own). */
const SYSTEM_NAMES = /openlit|clickhouse|lighthouse|vectordb|agent-platform|(?<![a-z0-9])h3(?![a-z0-9])/gi;

const OPERATOR_SCRIPTS = ["verify-prereqs.sh", "build-and-push.sh", "build-only.sh", "deploy.sh", "health-check.sh", "destroy.sh"];

/** Every shell script under scripts/ (by extension or bash/sh shebang), recursively. */
function shellScripts(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === "node_modules" ? [] : shellScripts(path);
    if (name.endsWith(".sh")) return [path];
    const head = readFileSync(path, "utf8").slice(0, 64);
    return /^#!.*\b(ba)?sh\b/.test(head) ? [path] : [];
  });
}

// The tests of this file run concurrently: shellcheck (the slow one) runs while the --help tests do.
describe.concurrent("shellcheck", () => {
  it("scripts/ is shellcheck-clean", async ({ expect }) => {
    shellcheckVersion();
    const files = shellScripts(SCRIPTS_DIR).map((f) => relative(REPO_ROOT, f));
    expect(files).toEqual(expect.arrayContaining(OPERATOR_SCRIPTS.map((s) => `scripts/${s}`).concat("scripts/lib/common.sh")));
    // -x follows `source`: the scripts source scripts/lib/*, whose content is part of every cached result's key.
    const runs = await shellcheckEach(["-x", "--severity=style"], files, { cwd: REPO_ROOT, sourced: files.filter((f) => f.startsWith("scripts/lib/")) });
    expect(runs.map((r) => r.output).join(""), "shellcheck findings").toBe("");
    for (const r of runs) expect(r.status).toBe(0);
  });
});

describe.concurrent("script conventions", () => {
  it.for(OPERATOR_SCRIPTS)("%s: env bash shebang, strict mode, common.sh, executable", (script, { expect }) => {
    const path = join(SCRIPTS_DIR, script);
    const text = readFileSync(path, "utf8");
    expect(text.startsWith("#!/usr/bin/env bash\n")).toBe(true);
    expect(text).toMatch(/^set -euo pipefail$/m);
    expect(text).toContain('. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)/lib/common.sh"');
    expect(statSync(path).mode & 0o111).not.toBe(0);
  });

  // The scripts serve every system's stacks (<system>-<env>): systems come from environments/<system>/ and stack
  // outputs (health_checks, snapshot_volume_ids), never from the scripts.
  it("scripts/*.sh and scripts/lib name no system", ({ expect }) => {
    const files = [
      ...readdirSync(SCRIPTS_DIR).filter((f) => f.endsWith(".sh")).map((f) => join(SCRIPTS_DIR, f)),
      ...shellScripts(join(SCRIPTS_DIR, "lib")),
      ...readdirSync(join(SCRIPTS_DIR, "lib")).map((f) => join(SCRIPTS_DIR, "lib", f)),
    ];
    expect(files).toContain(join(SCRIPTS_DIR, "lib", "common.sh"));
    const found = [...new Set(files)].flatMap((f) =>
      readFileSync(f, "utf8")
        .split("\n")
        .flatMap((line, i) => (line.match(SYSTEM_NAMES) ?? []).map((m) => `${relative(REPO_ROOT, f)}:${i + 1}: ${m}`)),
    );
    expect(found, "system names in the generic scripts").toEqual([]);
  });

  it("the system-name check would catch one", ({ expect }) => {
    const forbidden = new RegExp(SYSTEM_NAMES.source, "i");
    for (const s of ["STACK=OpenLIT", "TF_VAR_clickhouse_password", "h3-pipeline-dev", "deploy H3 now", "Agent-Platform"]) expect(s).toMatch(forbidden);
    for (const s of ["sha3sum", "h33", "path3"]) expect(s).not.toMatch(forbidden);
  });

  it("common.sh is sourced, not executed", ({ expect }) => {
    const text = readFileSync(join(SCRIPTS_DIR, "lib", "common.sh"), "utf8");
    expect(text.startsWith("# shellcheck shell=bash\n")).toBe(true);
  });

  // One sandbox for all --help runs: none of them may call anything, so its stub log must stay empty.
  let sb: Sandbox;
  afterAll(() => sb?.cleanup());
  it.for(OPERATOR_SCRIPTS)("%s --help works from any directory and calls nothing", async (script, { expect }) => {
    sb ??= createSandbox({ stubs: { aws: "exit 99", terraform: "exit 99", docker: "exit 99", npm: "exit 99", curl: "exit 99", git: "exit 99" } });
    const r = await sb.run(script, ["--help"], { cwd: "/" });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: /);
    expect(r.stderr).toBe("");
    expect(sb.calls()).toEqual([]);
  });
});
