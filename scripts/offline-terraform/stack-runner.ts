/**
 * Library entry points: run a real `terraform init` + `validate` / `plan` /
 * `show -json` against one synthesized cdktf stack, offline, through the
 * stand-in providers.
 */
import { isAbsolute, resolve } from "node:path";
import { installStandInProviders } from "./mirror-installer.js";
import { createScratchWorkspace } from "./scratch-workspace.js";
import { type TerraformRun, runTerraform, terraformVersion } from "./terraform-runner.js";

export interface StackRunOptions {
  /** Directory containing cdk.tf.json (e.g. cdktf.out/stacks/dev). */
  stackDir: string;
  /** tfvars files; relative paths resolve against process.cwd(). */
  varFiles?: string[];
  /** Extra environment for terraform (e.g. TF_VAR_x). */
  env?: Record<string, string>;
  /** Keep the scratch directory for debugging (its path is returned). */
  keepScratch?: boolean;
}

export interface StackRunResult {
  exitCode: number;
  /** Output of the last terraform command that ran (validate or plan); init output on init failure. */
  stdout: string;
  stderr: string;
  /** Every terraform command in order, with durations. */
  runs: TerraformRun[];
  scratchDir?: string;
  originalBackend?: string;
}

export interface PlanStackResult extends StackRunResult {
  /** Parsed `terraform show -json` of the saved plan (undefined if planning failed). */
  showJson?: unknown;
}

export class TerraformNotFoundError extends Error {
  constructor() {
    super(
      "terraform CLI not found on PATH: the offline checks run the real Terraform binary (expected 1.11.x). Install it or set OFFLINE_TF_TERRAFORM_BIN.",
    );
  }
}

let terraformChecked = false;
function assertTerraform(): void {
  if (terraformChecked) return;
  if (!terraformVersion()) throw new TerraformNotFoundError();
  terraformChecked = true;
}

async function withScratch<T extends StackRunResult>(
  opts: StackRunOptions,
  body: (dir: string, env: NodeJS.ProcessEnv, runs: TerraformRun[]) => Promise<Omit<T, "runs" | "scratchDir" | "originalBackend">>,
): Promise<T> {
  assertTerraform();
  const install = await installStandInProviders();
  const ws = createScratchWorkspace(resolve(opts.stackDir));
  const env = { ...install.env, ...opts.env };
  const runs: TerraformRun[] = [];
  try {
    const init = await runTerraform(["init", "-input=false", "-no-color"], ws.dir, env);
    runs.push(init);
    if (init.exitCode !== 0) {
      return { exitCode: init.exitCode, stdout: init.stdout, stderr: init.stderr, runs, scratchDir: ws.dir, originalBackend: ws.originalBackend } as T;
    }
    const result = await body(ws.dir, env, runs);
    return { ...result, runs, scratchDir: opts.keepScratch ? ws.dir : undefined, originalBackend: ws.originalBackend } as T;
  } finally {
    if (!opts.keepScratch) ws.cleanup();
  }
}

const varFileArgs = (files: string[] = []) => files.map((f) => `-var-file=${isAbsolute(f) ? f : resolve(process.cwd(), f)}`);

/** `terraform init` + `terraform validate` in a scratch copy of the stack. */
export function validateStack(opts: StackRunOptions): Promise<StackRunResult> {
  return withScratch<StackRunResult>(opts, async (dir, env, runs) => {
    const v = await runTerraform(["validate", "-no-color"], dir, env);
    runs.push(v);
    return { exitCode: v.exitCode, stdout: v.stdout, stderr: v.stderr };
  });
}

/** `terraform init` + `plan -out` + `show -json` in a scratch copy of the stack. */
export function planStack(opts: StackRunOptions): Promise<PlanStackResult> {
  return withScratch<PlanStackResult>(opts, async (dir, env, runs) => {
    const plan = await runTerraform(["plan", "-input=false", "-no-color", "-out=tfplan", ...varFileArgs(opts.varFiles)], dir, env);
    runs.push(plan);
    if (plan.exitCode !== 0) return { exitCode: plan.exitCode, stdout: plan.stdout, stderr: plan.stderr };
    const show = await runTerraform(["show", "-json", "-no-color", "tfplan"], dir, env);
    runs.push(show);
    if (show.exitCode !== 0) return { exitCode: show.exitCode, stdout: plan.stdout, stderr: plan.stderr + show.stderr };
    return { exitCode: 0, stdout: plan.stdout, stderr: plan.stderr, showJson: JSON.parse(show.stdout) as unknown };
  });
}
