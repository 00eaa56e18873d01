import { synthOpenlit, bootScriptOf } from "./synth.js";
import { interpolations, renderWithTerraform } from "./user-data.js";

/**
 * Sample values for every Terraform reference in the synthesized user_data, keyed without the logical-id
 * hash (`aws_ebs_volume.openlit_DataVolume.id`). The tests render the boot script with these through the real
 * Terraform engine, so each must be a realistic value of what Terraform would substitute on a real apply.
 * Shared by templates.test.ts (static checks) and user-data-idempotency.test.ts (runs the script).
 */
export const USER_DATA_SAMPLES: Readonly<Record<string, string>> = {
  "var.environment": "demo",
  "var.aws_region": "us-east-1",
  "aws_ebs_volume.openlit_DataVolume.id": "vol-0123456789abcdef0",
  "var.clickhouse_host": "https://ch.example.com",
  "var.clickhouse_port": "8443",
  "var.clickhouse_database": "openlit",
  "var.clickhouse_username": "default",
  "var.demo_emails": "demo@example.com,sales@example.com",
  "var.domain_name": "",
  "local.openlit_openlit_image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/openlit:v1.2.3",
  "local.openlit_docker_platform": "linux/arm64",
  "local.otel_host_resolved": "ch.example.com",
  "var.otel_port": "9440",
  "var.otel_secure": "true",
  "aws_ssm_parameter.openlit_Secrets_ClickhousePassword.name": "/openlit/demo/clickhouse-password",
  "local.openlit_demo_passwords_parameter": "/openlit/demo/demo-passwords",
  "aws_ssm_parameter.openlit_Secrets_OwnerPassword.name": "/openlit/demo/owner-password",
  "local.openlit_registration_rule":
    '\t@register path /register /register/* /api/auth/callback/register /api/auth/callback/register/*\n\trespond @register `Self-registration is closed on this instance: ask an administrator for an account.` 403',
  "local.openlit_ecr_registry": "123456789012.dkr.ecr.us-east-1.amazonaws.com",
  "local.openlit_container_logging":
    '{"driver":"awslogs","options":{"awslogs-group":"/openlit/demo/containers","awslogs-region":"us-east-1","awslogs-stream-prefix":"openlit-demo","mode":"non-blocking"}}',
};

/** Same normalisation as renderWithTerraform: logical ids end in an 8-hex-digit hash that samples omit. */
function sampleKey(ref: string): string {
  return ref.replace(/_[0-9A-F]{8}\b/g, "");
}

/**
 * Fails with a message that says what to do when the template gained a reference (a new `${var.…}`,
 * `${local.…}` or resource attribute) that has no sample value yet, instead of rendering a half-made script.
 */
export function assertSamplesCover(text: string, samples: Readonly<Record<string, string>> = USER_DATA_SAMPLES): void {
  const missing = [...new Set(interpolations(text).map(sampleKey))].filter((key) => !(key in samples));
  if (missing.length) {
    throw new Error(
      `user_data references ${missing.map((m) => "${" + m + "}").join(", ")} with no sample value: add a realistic value for ` +
        `${missing.length === 1 ? "it" : "each"} (key without the logical-id hash) to USER_DATA_SAMPLES in __tests__/support/user-data-samples.ts`,
    );
  }
}

/** The stack's user_data for an environment, rendered by the real Terraform engine with the sample values. */
export async function renderSampleUserData(environment = "demo"): Promise<string> {
  const text: string = bootScriptOf(synthOpenlit(environment));
  assertSamplesCover(text);
  return renderWithTerraform(text, { ...USER_DATA_SAMPLES });
}
