/** The `npm run validate` CLI: Terraform's diagnostics are printed and failures fail the run. */
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO_ROOT } from "../../scripts/offline-terraform/paths.js";
import { installStandInProviders } from "../../scripts/offline-terraform/index.js";
import { mutatedStack, requireTerraform, synthFixture, cleanupFixtures } from "./fixtures.js";

const run = (args: string[]) =>
  spawnSync(process.execPath, ["--import", "tsx", join(REPO_ROOT, "scripts/offline-terraform/validate.ts"), ...args], {
    cwd: REPO_ROOT,
    encoding: "utf8",
  });

let outDir: string;

beforeAll(async () => {
  requireTerraform();
  await installStandInProviders();
  const good = synthFixture();
  const bad = mutatedStack(good, (c) => (c.resource.aws_instance.web.bogus_argument = true));
  outDir = mkdtempSync(join(tmpdir(), "offline-tf-cli-"));
  mkdirSync(join(outDir, "stacks"));
  cpSync(good, join(outDir, "stacks", "good"), { recursive: true });
  cpSync(bad, join(outDir, "stacks", "bad"), { recursive: true });
}, 120_000);

afterAll(() => {
  cleanupFixtures();
  rmSync(outDir, { recursive: true, force: true });
});

describe("validate.ts", () => {
  it("validates every stack, prints Terraform's diagnostics and exits non-zero on errors", () => {
    const r = run(["--out", outDir]);
    expect(r.status, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toMatch(/✓ good \(init/);
    expect(r.stdout).toMatch(/✗ bad \(init/);
    expect(r.stdout).toContain('No argument or block type is named "bogus_argument".');
    expect(r.stdout).toContain("1/2 stacks valid");
  });

  it("exits zero when all stacks are valid", () => {
    const r = run(["--out", outDir, "good"]);
    expect(r.status, r.stdout + r.stderr).toBe(0);
  });

  it("fails clearly when nothing was synthesized", () => {
    const empty = mkdtempSync(join(tmpdir(), "offline-tf-empty-"));
    const r = run(["--out", empty]);
    rmSync(empty, { recursive: true, force: true });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("Run `npm run synth` first");
  });
});
