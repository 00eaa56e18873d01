import { LocalBackend, S3Backend, TerraformStack } from "cdktf";

/** Remote state settings, read from the environment at synth time. */
export interface StateBackendConfig {
  /** S3 bucket for state; unset means local state. */
  readonly bucket?: string;
  /** Region of the bucket. @default "us-east-1" */
  readonly region?: string;
  /** Key prefix inside the bucket. @default "cdktf-aws-stacks" */
  readonly keyPrefix?: string;
}

export function backendConfigFromEnv(env: NodeJS.ProcessEnv = process.env): StateBackendConfig {
  return { bucket: env.TF_STATE_BUCKET || undefined, region: env.TF_STATE_REGION || undefined, keyPrefix: env.TF_STATE_KEY_PREFIX || undefined };
}

/**
 * Local state by default, kept at the repository root (`terraform.<stack>.tfstate`, git-ignored) so that
 * re-synthesizing `cdktf.out` never touches it; the path is relative so the output is the same on every machine.
 * With a bucket: S3 state, encrypted, locked with S3's native lock file (Terraform >= 1.10).
 */
export function configureBackend(stack: TerraformStack, stackName: string, config: StateBackendConfig): void {
  if (!config.bucket) {
    new LocalBackend(stack, { path: `../../../terraform.${stackName}.tfstate` });
    return;
  }
  const backend = new S3Backend(stack, {
    bucket: config.bucket,
    key: `${config.keyPrefix ?? "cdktf-aws-stacks"}/${stackName}/terraform.tfstate`,
    region: config.region ?? "us-east-1",
    encrypt: true,
  });
  // cdktf 0.21's S3Backend has no useLockfile; the override writes Terraform's own argument.
  backend.addOverride("use_lockfile", true);
}
