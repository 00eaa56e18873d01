/** Spawns the real Terraform CLI and captures its output. */
import { spawn, spawnSync } from "node:child_process";

export interface TerraformRun {
  args: string[];
  exitCode: number;
  stdout: string;
  stderr: string;
  durationMs: number;
}

export const TERRAFORM_BIN = process.env.OFFLINE_TF_TERRAFORM_BIN ?? "terraform";

let version: string | undefined;

/** Returns Terraform's version line, or undefined when the CLI is not on PATH (found once per process). */
export function terraformVersion(): string | undefined {
  if (version) return version;
  // TF_CLI_CONFIG_FILE=/dev/null: a missing config file named by the caller's environment only adds a warning
  const r = spawnSync(TERRAFORM_BIN, ["version"], { encoding: "utf8", env: { ...process.env, CHECKPOINT_DISABLE: "1", TF_CLI_CONFIG_FILE: "/dev/null" } });
  if (r.status === 0) version = r.stdout.split("\n")[0];
  return version;
}

export function runTerraform(args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<TerraformRun> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(TERRAFORM_BIN, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (b: Buffer) => out.push(b));
    child.stderr.on("data", (b: Buffer) => err.push(b));
    child.on("error", reject);
    child.on("close", (code) =>
      resolve({
        args,
        exitCode: code ?? 1,
        stdout: Buffer.concat(out).toString("utf8"),
        stderr: Buffer.concat(err).toString("utf8"),
        durationMs: Date.now() - started,
      }),
    );
  });
}
