/**
 * Terraform runs in a throw-away copy of each synthesized stack so that
 * `.terraform/`, the lock file (with the stand-in's hashes!) and state never
 * reach cdktf.out or the repo. Remote backends are swapped for a local one:
 * the point is to exercise Terraform, not to reach S3.
 */
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
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

/**
 * A copy of an already initialized scratch workspace (`.terraform/`, lock
 * file), for one more command without another `terraform init`. The copy gets
 * its own directory so that runs can proceed concurrently and never share a
 * plan, state or pruned schema. `mutate` may edit the parsed cdk.tf.json.
 */
export function copyScratchWorkspace(initializedDir: string, mutate?: (config: any) => void): ScratchWorkspace {
  const dir = mkdtempSync(`${initializedDir}+`);
  // top level only: .terraform/terraform.tfstate records the initialized backend and must be copied
  copyTree(initializedDir, dir, (name, depth) => depth === 0 && COPY_SKIP.has(name));
  if (mutate) {
    const configPath = join(dir, "cdk.tf.json");
    const config = JSON.parse(readFileSync(configPath, "utf8")) as unknown;
    mutate(config);
    writeFileSync(configPath, JSON.stringify(config, null, 2));
  }
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Copies files, directories and symlinks (as symlinks: `.terraform/providers`
 * links into the provider mirror). A plain loop: fs.cpSync costs ~15 ms per
 * initialized workspace, this ~1 ms.
 */
function copyTree(src: string, dst: string, skip: (name: string, depth: number) => boolean, depth = 0): void {
  for (const entry of readdirSync(src, { withFileTypes: true })) {
    if (skip(entry.name, depth)) continue;
    const from = join(src, entry.name);
    const to = join(dst, entry.name);
    if (entry.isSymbolicLink()) symlinkSync(readlinkSync(from), to);
    else if (entry.isDirectory()) {
      mkdirSync(to);
      copyTree(from, to, skip, depth + 1);
    } else copyFileSync(from, to);
  }
}

/** Per-run files that a copy of an initialized workspace must not inherit. */
const COPY_SKIP = new Set(["terraform.tfstate", "terraform.tfstate.backup", "tfplan", ".offline-tf"]);

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
