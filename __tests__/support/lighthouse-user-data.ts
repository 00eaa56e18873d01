import { bootScriptOf, synthLighthouse } from "./synth.js";

export { synthLighthouse };
import { references, renderExpressionsWithTerraform, SampleValue } from "./user-data.js";

export type LighthouseEnvironment = "dev" | "prod";

/** The sample bucket: what `bucket_prefix = "lighthouse-<env>-backups-"` gives (the prefix and 26 digits). */
export const sampleBackupBucket = (environment: LighthouseEnvironment) => `lighthouse-${environment}-backups-20260301120000000000000001`;

/**
 * Sample values for every Terraform reference in the lighthouse user_data, per environment, keyed without the
 * logical-id hash. Unlike OpenLIT's, the script interpolates whole expressions (the certificate's name, the backup
 * bucket: `length(var.backup_s3_bucket) < 1 ? one(aws_s3_bucket.…[*].bucket) : one(data.aws_s3_bucket.…[*].bucket)`),
 * so the samples are the leaves and the real Terraform engine evaluates the stack's own expressions around them:
 * a splat of a counted resource is a list (one element when the stack creates it, none when it does not).
 */
export const LIGHTHOUSE_USER_DATA_SAMPLES: Readonly<Record<LighthouseEnvironment, Readonly<Record<string, SampleValue>>>> = {
  dev: {
    "var.environment": "dev",
    "var.aws_region": "us-east-1",
    "var.domain_name": "",
    "var.backup_s3_bucket": "",
    "aws_ebs_volume.timescaledb_DataVolume.id": "vol-0123456789abcdef0",
    "aws_s3_bucket.backup_bucket[*].bucket": [sampleBackupBucket("dev")],
    "data.aws_s3_bucket.backup_bucket_Existing[*].bucket": [],
    "aws_ssm_parameter.timescaledb_Secrets_Password.name": "/lighthouse/dev/db/password",
    "local.timescaledb_docker_platform": "linux/arm64",
    // No ECR image (the public TimescaleDB image): the stack's expression is `length("") >= 1 ? … : ""`.
    "local.timescaledb_ecr_registry": "",
    "local.timescaledb_container_logging":
      '{"driver":"awslogs","options":{"awslogs-group":"/lighthouse/dev/timescaledb","awslogs-region":"us-east-1","awslogs-stream-prefix":"lighthouse-dev-timescaledb","mode":"non-blocking"}}',
  },
  prod: {
    "var.environment": "prod",
    "var.aws_region": "us-east-1",
    "var.domain_name": "",
    "var.backup_s3_bucket": "",
    "var.db_password_secret_id": "",
    "aws_ebs_volume.timescaledb_DataVolume.id": "vol-0fedcba9876543210",
    "aws_s3_bucket.backup_bucket[*].bucket": [sampleBackupBucket("prod")],
    "data.aws_s3_bucket.backup_bucket_Existing[*].bucket": [],
    "aws_secretsmanager_secret.database_password[*].arn": ["arn:aws:secretsmanager:us-east-1:123456789012:secret:lighthouse/prod/db/password-Ab12Cd"],
    "data.aws_secretsmanager_secret.database_password_Existing[*].arn": [],
    "local.timescaledb_docker_platform": "linux/arm64",
    "local.timescaledb_ecr_registry": "",
    "local.timescaledb_container_logging":
      '{"driver":"awslogs","options":{"awslogs-group":"/lighthouse/prod/timescaledb","awslogs-region":"us-east-1","awslogs-stream-prefix":"lighthouse-prod-timescaledb","mode":"non-blocking"}}',
  },
};

/**
 * Fails with a message that says what to do when the lighthouse user_data gained a reference with no sample value
 * (a new `${var.…}`, `${local.…}` or resource attribute, also inside an expression), instead of rendering a
 * half-made script.
 */
export function assertLighthouseSamplesCover(text: string, environment: LighthouseEnvironment, samples = LIGHTHOUSE_USER_DATA_SAMPLES[environment]): void {
  const missing = references(text).filter((key) => !(key in samples));
  if (missing.length) {
    throw new Error(
      `lighthouse-${environment} user_data references ${missing.join(", ")} with no sample value: add a realistic value for ` +
        `${missing.length === 1 ? "it" : "each"} (key without the logical-id hash; a list for a [*] splat) to ` +
        `LIGHTHOUSE_USER_DATA_SAMPLES.${environment} in __tests__/support/lighthouse-user-data.ts`,
    );
  }
}


/** The stack's user_data for an environment, rendered by the real Terraform engine with the sample values (and overrides). */
export async function renderLighthouseUserData(environment: LighthouseEnvironment, overrides: Readonly<Record<string, SampleValue>> = {}): Promise<string> {
  const text = bootScriptOf(synthLighthouse(environment));
  const samples = { ...LIGHTHOUSE_USER_DATA_SAMPLES[environment], ...overrides };
  assertLighthouseSamplesCover(text, environment, samples);
  return renderExpressionsWithTerraform(text, samples);
}
