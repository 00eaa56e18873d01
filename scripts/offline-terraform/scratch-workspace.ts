/**
 * Terraform runs in a throw-away copy of each synthesized stack so that
 * `.terraform/`, the lock file (with the stand-in's hashes!) and state never
 * reach cdktf.out or the repo. Remote backends are swapped for a local one:
 * the point is to exercise Terraform, not to reach S3.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";

export const SCRATCH_PREFIX = "offline-tf-";

export interface ScratchWorkspace {
  dir: string;
  /** Backend type found in the synthesized config before it was replaced (e.g. "s3"). */
  originalBackend?: string;
  cleanup(): void;
}

const SKIP = new Set([".terraform", ".terraform.lock.hcl", "terraform.tfstate", "terraform.tfstate.backup", "tfplan"]);

export function createScratchWorkspace(stackDir: string): ScratchWorkspace {
  const dir = mkdtempSync(join(tmpdir(), `${SCRATCH_PREFIX}${basename(stackDir).replace(/[^\w.-]/g, "_")}-`));
  cpSync(stackDir, dir, { recursive: true, filter: (src) => !SKIP.has(basename(src)) });
  const configPath = join(dir, "cdk.tf.json");
  const config = JSON.parse(readFileSync(configPath, "utf8")) as { terraform?: { backend?: Record<string, unknown>; cloud?: unknown } };
  let originalBackend: string | undefined;
  if (config.terraform?.backend) {
    originalBackend = Object.keys(config.terraform.backend)[0];
    config.terraform.backend = { local: { path: "terraform.tfstate" } };
  }
  if (config.terraform?.cloud) {
    originalBackend = "cloud";
    delete config.terraform.cloud;
  }
  writeFileSync(configPath, JSON.stringify(config, null, 2));
  return { dir, originalBackend, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
