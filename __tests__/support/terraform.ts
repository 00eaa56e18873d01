import { execFile, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * Fails loudly when the Terraform CLI is missing: tests that need the real engine must never pass
 * silently without it.
 */
export function requireTerraform(): void {
  // Once per worker: a spawn from a large test worker costs tens of milliseconds.
  if (terraformFound) return;
  const probe = spawnSync("terraform", ["version"], { encoding: "utf8", env: { ...process.env, CHECKPOINT_DISABLE: "1" } });
  if (probe.error || probe.status !== 0) {
    throw new Error("terraform CLI not found on PATH: these tests evaluate variables and templates with the real engine. Install Terraform >= 1.11.");
  }
  terraformFound = true;
}
let terraformFound = false;

export interface TerraformRun {
  readonly ok: boolean;
  readonly outputs: Record<string, any>;
  /** Combined diagnostics, without colour. */
  readonly stderr: string;
}

const env = { ...process.env, TF_IN_AUTOMATION: "1", CHECKPOINT_DISABLE: "1", TF_CLI_CONFIG_FILE: "/dev/null" };

/**
 * Applies a provider-free configuration (variables, locals, outputs: all Terraform evaluates offline)
 * in a scratch directory and returns its outputs or diagnostics.
 */
export async function applyOffline(config: object, args: readonly string[] = []): Promise<TerraformRun> {
  const dir = mkdtempSync(join(tmpdir(), "tf-offline-"));
  try {
    writeFileSync(join(dir, "main.tf.json"), JSON.stringify(config));
    // No providers, so no `terraform init`; outputs are read from the local state file.
    const apply = await run("terraform", ["apply", "-auto-approve", "-input=false", "-no-color", ...args], dir);
    if (apply.code !== 0) return { ok: false, outputs: {}, stderr: apply.stderr };
    const state = JSON.parse(readFileSync(join(dir, "terraform.tfstate"), "utf8"));
    const outputs = Object.fromEntries(Object.entries(state.outputs ?? {}).map(([k, v]: [string, any]) => [k, v.value]));
    return { ok: true, outputs, stderr: apply.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Async, so independent Terraform runs in one test file can overlap (`it.concurrent`). */
function run(command: string, args: readonly string[], cwd: string): Promise<{ code: number; stderr: string }> {
  return new Promise((done) => {
    execFile(command, args, { cwd, env }, (error, _stdout, stderr) => done({ code: error ? Number(error.code ?? 1) : 0, stderr }));
  });
}

/** Terraform wraps diagnostics at ~80 columns; join lines so messages can be matched whole. */
export function unwrap(text: string): string {
  return text.replace(/\s+/g, " ");
}
