/**
 * Helpers of the offline Terraform tests: the synthesized fixture stack
 * (fixture-stack.ts), temp stacks and files, and the Terraform requirement.
 */
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdtempSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { terraformVersion } from "../../scripts/offline-terraform/index.js";
import { CACHE_DIR, NODE_MODULES } from "../../scripts/offline-terraform/paths.js";
import type { FixtureOptions } from "./fixture-stack.js";

const createdDirs: string[] = [];

/** Removes every temp directory the fixture helpers created (call from afterAll). */
export function cleanupFixtures(): void {
  for (const dir of createdDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

const HERE = dirname(fileURLToPath(import.meta.url));

/**
 * The fixture's synthesized stack directory (contains cdk.tf.json), a fresh
 * copy per call. The synthesis is cached in .cache/offline-terraform/fixtures/,
 * keyed by fixture-stack.ts and the versions of cdktf and the bindings, so a
 * test file only imports cdktf (~1 s) when the fixture or cdktf changed.
 */
export async function synthFixture(opts: FixtureOptions = {}): Promise<string> {
  const key = createHash("sha256").update(readFileSync(join(HERE, "fixture-stack.ts"))).update(JSON.stringify(opts));
  for (const pkg of ["cdktf", "constructs", "@cdktf/provider-aws", "@cdktf/provider-null"]) {
    key.update(`${pkg}@${(JSON.parse(readFileSync(join(NODE_MODULES, pkg, "package.json"), "utf8")) as { version: string }).version}`);
  }
  const cached = join(CACHE_DIR, "fixtures", key.digest("hex").slice(0, 16));
  if (!existsSync(join(cached, "cdk.tf.json"))) {
    const { synthesizeFixture } = await import("./fixture-stack.js");
    const synth = synthesizeFixture(opts);
    try {
      mkdirSync(dirname(cached), { recursive: true });
      const tmp = `${cached}.${process.pid}.tmp`;
      cpSync(synth.stackDir, tmp, { recursive: true });
      try {
        renameSync(tmp, cached);
      } catch {
        rmSync(tmp, { recursive: true, force: true }); // another test file cached it first
      }
    } finally {
      for (const d of synth.tempDirs) rmSync(d, { recursive: true, force: true });
    }
  }
  const parent = mkdtempSync(join(tmpdir(), "offline-tf-fixture-"));
  createdDirs.push(parent);
  const dir = join(parent, "fixture");
  cpSync(cached, dir, { recursive: true });
  return dir;
}

/** Copies a synthesized stack's config into a new temp stack dir after `mutate` edits the JSON. */
export function mutatedStack(stackDir: string, mutate: (config: any) => void): string {
  const config = JSON.parse(readFileSync(join(stackDir, "cdk.tf.json"), "utf8"));
  mutate(config);
  return writeJsonStack(config);
}

export function writeJsonStack(config: unknown): string {
  const parent = mkdtempSync(join(tmpdir(), "offline-tf-fixture-"));
  createdDirs.push(parent);
  const dir = join(parent, "stack");
  mkdirSync(dir);
  writeFileSync(join(dir, "cdk.tf.json"), JSON.stringify(config, null, 2));
  return dir;
}

export function writeTempFile(name: string, content: string): string {
  const parent = mkdtempSync(join(tmpdir(), "offline-tf-vars-"));
  createdDirs.push(parent);
  const path = join(parent, name);
  writeFileSync(path, content);
  return path;
}

/**
 * These tests exercise the real Terraform CLI. Without it they must fail,
 * never skip or pass silently: a green run has to mean Terraform checked it.
 */
export function requireTerraform(): string {
  const version = terraformVersion();
  if (!version) {
    const where = process.env.CI ? "CI is set: the CI image must provide it" : "install Terraform 1.11.x locally";
    throw new Error(`terraform CLI not found on PATH - the offline Terraform tests cannot run (${where}).`);
  }
  return version;
}

/** Terraform wraps long diagnostics; compare text with whitespace collapsed. */
export function flat(text: string): string {
  return text.replace(/[│╷╵]/g, " ").replace(/\s+/g, " ");
}
