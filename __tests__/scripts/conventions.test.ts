import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { createSandbox, REPO_ROOT, SCRIPTS_DIR, Sandbox } from "./stubs.js";

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

describe("shellcheck", () => {
  it("scripts/ is shellcheck-clean", () => {
    const version = spawnSync("shellcheck", ["--version"], { encoding: "utf8" });
    if (version.error || version.status !== 0) {
      throw new Error("shellcheck is not installed, so scripts/ cannot be checked. Install it: apt-get install -y shellcheck (macOS: brew install shellcheck)");
    }
    const files = shellScripts(SCRIPTS_DIR).map((f) => relative(REPO_ROOT, f));
    expect(files).toEqual(expect.arrayContaining(OPERATOR_SCRIPTS.map((s) => `scripts/${s}`).concat("scripts/lib/common.sh")));
    const r = spawnSync("shellcheck", ["-x", "--severity=style", ...files], { cwd: REPO_ROOT, encoding: "utf8" });
    expect(r.stdout + r.stderr, "shellcheck findings").toBe("");
    expect(r.status).toBe(0);
  });
});

describe("script conventions", () => {
  it.each(OPERATOR_SCRIPTS)("%s: env bash shebang, strict mode, common.sh, executable", (script) => {
    const path = join(SCRIPTS_DIR, script);
    const text = readFileSync(path, "utf8");
    expect(text.startsWith("#!/usr/bin/env bash\n")).toBe(true);
    expect(text).toMatch(/^set -euo pipefail$/m);
    expect(text).toContain('. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)/lib/common.sh"');
    expect(statSync(path).mode & 0o111).not.toBe(0);
  });

  it("common.sh is sourced, not executed", () => {
    const text = readFileSync(join(SCRIPTS_DIR, "lib", "common.sh"), "utf8");
    expect(text.startsWith("# shellcheck shell=bash\n")).toBe(true);
  });

  let sb: Sandbox;
  afterAll(() => sb?.cleanup());
  it.each(OPERATOR_SCRIPTS)("%s --help works from any directory and calls nothing", async (script) => {
    sb ??= createSandbox({ stubs: { aws: "exit 99", terraform: "exit 99", docker: "exit 99", npm: "exit 99", curl: "exit 99", git: "exit 99" } });
    const r = await sb.run(script, ["--help"], { cwd: "/" });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: /);
    expect(r.stderr).toBe("");
    expect(sb.calls()).toEqual([]);
  });
});
