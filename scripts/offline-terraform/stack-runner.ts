/**
 * Library entry points: run a real `terraform init` + `validate` / `plan` /
 * `show -json` against one synthesized cdktf stack, offline, through the
 * stand-in providers.
 *
 * `validateStack` / `planStack` do one init and one command. `initWorkspace`
 * does the init once and then runs any number of validate / plan commands,
 * each in its own copy of the initialized workspace (optionally with the
 * configuration edited), so they can run concurrently: what tests that check
 * many variants of one stack want.
 */
import { isAbsolute, join, resolve } from "node:path";
import { installStandInProviders } from "./mirror-installer.js";
import { PLUGIN_HOST_ENV } from "./plugin-host-env.js";
import { type PrunedSchemas, SCHEMA_DIR_ENV, writePrunedSchemas } from "./schema-prune.js";
import { type ScratchWorkspace, copyScratchWorkspace, createScratchWorkspace } from "./scratch-workspace.js";
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
  /**
   * Serve the providers' full schemas instead of schemas pruned to the types
   * the configuration uses (see schema-prune.ts). Default: OFFLINE_TF_FULL_SCHEMA=1.
   */
  fullSchema?: boolean;
  /**
   * Serve the plugin processes Terraform starts from this process's plugin
   * host instead of a node process each (see plugin-host.ts). Default: true,
   * unless OFFLINE_TF_NO_PLUGIN_HOST=1.
   */
  pluginHost?: boolean;
}

/** Options of one command in an initialized workspace. */
export interface WorkspaceRunOptions {
  /** Edits the parsed cdk.tf.json of this run's copy (the workspace itself is never changed). */
  mutate?: (config: any) => void;
  /** tfvars files (plan only); relative paths resolve against process.cwd(). */
  varFiles?: string[];
  /** Extra environment for terraform, on top of the workspace's. */
  env?: Record<string, string>;
  /** Keep this run's scratch directory (its path is returned). */
  keepScratch?: boolean;
  /** Overrides the workspace's `pluginHost` for this run. */
  pluginHost?: boolean;
}

export interface StackRunResult {
  exitCode: number;
  /** Output of the last terraform command that ran (validate or plan); init output on init failure. */
  stdout: string;
  stderr: string;
  /** Every terraform command in order (init first), with durations. */
  runs: TerraformRun[];
  scratchDir?: string;
  originalBackend?: string;
  /** What the stand-in providers served: type counts per provider, or why the full schema was used. */
  schema: Pick<PrunedSchemas, "served" | "fullSchemaReason">;
  /** Whether the plugin host served the providers (false: a node process per plugin start). */
  pluginHost: boolean;
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

/** Directory inside a scratch copy for its pruned schemas (a dot directory: Terraform never reads it as config). */
export const PRUNED_SCHEMA_SUBDIR = join(".offline-tf", "schema");

const varFileArgs = (files: string[] = []) => files.map((f) => `-var-file=${isAbsolute(f) ? f : resolve(process.cwd(), f)}`);

export interface Workspace {
  /** The initialized scratch copy of the stack. */
  readonly dir: string;
  /** The `terraform init` that ran in it. */
  readonly init: TerraformRun;
  readonly originalBackend?: string;
  /** `terraform validate` in a copy of the workspace. */
  validate(opts?: WorkspaceRunOptions): Promise<StackRunResult>;
  /** `terraform plan -out` + `show -json` in a copy of the workspace. */
  plan(opts?: WorkspaceRunOptions): Promise<PlanStackResult>;
  /** Removes the workspace (runs with keepScratch keep their own copies). */
  cleanup(): void;
}

type CommandResult<T extends StackRunResult> = Omit<T, "runs" | "scratchDir" | "originalBackend" | "schema" | "pluginHost">;

/** Copies the stack to a scratch directory (local backend) and runs `terraform init` there once. */
export async function initWorkspace(opts: Omit<StackRunOptions, "varFiles" | "keepScratch">): Promise<Workspace> {
  assertTerraform();
  const install = await installStandInProviders();
  const scratch = createScratchWorkspace(resolve(opts.stackDir));
  const full = opts.fullSchema ?? process.env.OFFLINE_TF_FULL_SCHEMA === "1";
  const hostByDefault = opts.pluginHost ?? process.env.OFFLINE_TF_NO_PLUGIN_HOST !== "1";
  const baseEnv: NodeJS.ProcessEnv = { ...install.env, ...opts.env };
  // only the runner decides which schema the plugins serve and who serves them
  delete baseEnv[SCHEMA_DIR_ENV];
  delete baseEnv[PLUGIN_HOST_ENV];
  let init: TerraformRun;
  try {
    init = await runTerraform(["init", "-input=false", "-no-color"], scratch.dir, baseEnv);
  } catch (err) {
    scratch.cleanup();
    throw err;
  }

  async function inCopy<T extends StackRunResult>(
    run: WorkspaceRunOptions,
    body: (dir: string, env: NodeJS.ProcessEnv, runs: TerraformRun[]) => Promise<CommandResult<T>>,
  ): Promise<T> {
    const runs: TerraformRun[] = [init];
    const pluginHost = run.pluginHost ?? hostByDefault;
    const base = { runs, originalBackend: scratch.originalBackend, pluginHost };
    if (init.exitCode !== 0) {
      return { ...base, exitCode: init.exitCode, stdout: init.stdout, stderr: init.stderr, schema: { served: {} } } as T;
    }
    // loaded on first use: the host brings grpc-js (~0.1 s), which runs that never reach Terraform skip
    const hostEnv = pluginHost ? (await (await import("./plugin-host.js")).startPluginHost(install.tlsPath)).env : {};
    const copy: ScratchWorkspace = copyScratchWorkspace(scratch.dir, run.mutate);
    try {
      const pruned: PrunedSchemas = full
        ? { env: {}, fullSchemaReason: "full schema requested", served: {} }
        : writePrunedSchemas(copy.dir, join(copy.dir, PRUNED_SCHEMA_SUBDIR));
      const env: NodeJS.ProcessEnv = { ...baseEnv, ...run.env, ...pruned.env, ...hostEnv };
      if (!pruned.env[SCHEMA_DIR_ENV]) delete env[SCHEMA_DIR_ENV];
      if (!pluginHost) delete env[PLUGIN_HOST_ENV];
      const result = await body(copy.dir, env, runs);
      return {
        ...result,
        ...base,
        scratchDir: run.keepScratch ? copy.dir : undefined,
        schema: { served: pruned.served, fullSchemaReason: pruned.fullSchemaReason },
      } as T;
    } finally {
      if (!run.keepScratch) copy.cleanup();
    }
  }

  return {
    dir: scratch.dir,
    init,
    originalBackend: scratch.originalBackend,
    cleanup: scratch.cleanup,
    validate: (run = {}) =>
      inCopy<StackRunResult>(run, async (dir, env, runs) => {
        const v = await runTerraform(["validate", "-no-color"], dir, env);
        runs.push(v);
        return { exitCode: v.exitCode, stdout: v.stdout, stderr: v.stderr };
      }),
    plan: (run = {}) =>
      inCopy<PlanStackResult>(run, async (dir, env, runs) => {
        const plan = await runTerraform(["plan", "-input=false", "-no-color", "-out=tfplan", ...varFileArgs(run.varFiles)], dir, env);
        runs.push(plan);
        if (plan.exitCode !== 0) return { exitCode: plan.exitCode, stdout: plan.stdout, stderr: plan.stderr };
        const show = await runTerraform(["show", "-json", "-no-color", "tfplan"], dir, env);
        runs.push(show);
        if (show.exitCode !== 0) return { exitCode: show.exitCode, stdout: plan.stdout, stderr: plan.stderr + show.stderr };
        return { exitCode: 0, stdout: plan.stdout, stderr: plan.stderr, showJson: JSON.parse(show.stdout) as unknown };
      }),
  };
}

async function once<T extends StackRunResult>(opts: StackRunOptions, command: (ws: Workspace) => Promise<T>): Promise<T> {
  const ws = await initWorkspace(opts);
  try {
    return await command(ws);
  } finally {
    ws.cleanup();
  }
}

/** `terraform init` + `terraform validate` in a scratch copy of the stack. */
export function validateStack(opts: StackRunOptions): Promise<StackRunResult> {
  return once(opts, (ws) => ws.validate({ keepScratch: opts.keepScratch }));
}

/** `terraform init` + `plan -out` + `show -json` in a scratch copy of the stack. */
export function planStack(opts: StackRunOptions): Promise<PlanStackResult> {
  return once(opts, (ws) => ws.plan({ varFiles: opts.varFiles, keepScratch: opts.keepScratch }));
}
