import { bootScriptOf, synthVectordb, TfJson } from "./synth.js";
import { interpolationSpans, references, renderExpressionsWithTerraform, SampleValue } from "./user-data.js";

export { synthVectordb };

export type VectordbEnvironment = "dev" | "prod";

/** The image tag of the samples: what scripts/build-and-push.sh prints (never latest). */
export const SAMPLE_IMAGE_TAG = "2026.03.01-4f2c9e1";
/** The account Terraform deploys into (data.aws_caller_identity), which also owns the ECR repository. */
export const SAMPLE_ACCOUNT_ID = "123456789012";
/** What `bucket_prefix = "vectordb-api-<env>-csv-"` gives (the prefix and 26 digits). */
export const sampleCsvBucket = (environment: VectordbEnvironment) => `vectordb-api-${environment}-csv-20260301120000000000000001`;
/** The primary endpoint of a replication group with TLS in transit (`master.<id>.<hash>.<region code>.cache.amazonaws.com`). */
export const sampleCacheEndpoint = (environment: VectordbEnvironment) => `master.vectordb-api-${environment}.x1y2z3.use1.cache.amazonaws.com`;
export const sampleSecretArn = (environment: VectordbEnvironment) =>
  `arn:aws:secretsmanager:us-east-1:${SAMPLE_ACCOUNT_ID}:secret:vectordb-api-secrets-${environment}-Ab12Cd`;

/**
 * Sample values for every Terraform reference of the vectordb-api user_data, per environment, keyed without the
 * logical-id hash. Only leaves: variables, resource and data source attributes. The host's locals the script reads
 * (the image, the Docker platform, the awslogs settings of each log group, the ECR registry) are not sampled: their
 * synthesized expressions are inlined (see {@link inlineLocals}), so the real Terraform engine evaluates the stack's
 * own `jsonencode`, conditionals and nested templates around these leaves. Variables take the environment's tfvars
 * value or the stack's default (a test checks that), except image_tag (the tfvars say CHANGE_ME).
 */
export const VECTORDB_USER_DATA_SAMPLES: Readonly<Record<VectordbEnvironment, Readonly<Record<string, SampleValue>>>> = {
  dev: {
    "var.environment": "dev",
    "var.aws_region": "us-east-1",
    "var.instance_type": "t3.medium",
    "var.ecr_repository": "vectordb-api",
    "var.image_tag": SAMPLE_IMAGE_TAG,
    "var.aws_account_id": "",
    "data.aws_caller_identity.account.account_id": SAMPLE_ACCOUNT_ID,
    "var.metabase_url": "https://metabase.example.com",
    "var.pinecone_index_name": "vectors-dev",
    "var.pinecone_namespace": "v2",
    "var.chunk_size": "1000",
    "var.batch_size": "100",
    "var.max_workers": "4",
    "var.task_timeout": "1800",
    "var.openai_rate_limit": "5",
    "aws_ebs_volume.api_DataVolume.id": "vol-0a1b2c3d4e5f60718",
    "aws_dynamodb_table.tasks.name": "vectordb-tasks-dev",
    "aws_s3_bucket.csv_bucket.bucket": sampleCsvBucket("dev"),
    "aws_elasticache_replication_group.cache.primary_endpoint_address": sampleCacheEndpoint("dev"),
    "aws_secretsmanager_secret.api_secrets[*].arn": [sampleSecretArn("dev")],
  },
  prod: {
    "var.environment": "prod",
    "var.aws_region": "us-east-1",
    "var.instance_type": "t3.large",
    "var.ecr_repository": "vectordb-api",
    "var.image_tag": SAMPLE_IMAGE_TAG,
    "var.aws_account_id": "",
    "data.aws_caller_identity.account.account_id": SAMPLE_ACCOUNT_ID,
    "var.metabase_url": "https://metabase.example.com",
    "var.pinecone_index_name": "vectors-prod",
    "var.pinecone_namespace": "v2",
    "var.chunk_size": "1000",
    "var.batch_size": "100",
    "var.max_workers": "4",
    "var.task_timeout": "1800",
    "var.openai_rate_limit": "5",
    "aws_ebs_volume.api_DataVolume.id": "vol-0f9e8d7c6b5a49382",
    "aws_dynamodb_table.tasks.name": "vectordb-tasks-prod",
    "aws_s3_bucket.csv_bucket.bucket": sampleCsvBucket("prod"),
    "aws_elasticache_replication_group.cache.primary_endpoint_address": sampleCacheEndpoint("prod"),
    "aws_secretsmanager_secret.api_secrets[*].arn": [sampleSecretArn("prod")],
  },
};

/** A local value read inside an interpolation: `local.api_image_1EB5B5DE`. */
const LOCAL = /\blocal\.([A-Za-z0-9_]+)/g;

/** A Terraform string template (a synthesized local's value) as one HCL expression. */
function templateAsExpression(template: string): string {
  const spans = interpolationSpans(template);
  if (spans.length === 1 && spans[0][0] === 0 && spans[0][1] === template.length) return `(${template.slice(2, -1)})`;
  const literal = (s: string) => s.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
  let out = "";
  let last = 0;
  for (const [start, end] of spans) {
    out += literal(template.slice(last, start)) + template.slice(start, end);
    last = end;
  }
  return `"${out}${literal(template.slice(last))}"`;
}

/**
 * The text with every `local.<name>` inside its interpolations replaced by that local's synthesized expression
 * (recursively: a local reading another local), so only variables and resource attributes remain to be sampled.
 */
export function inlineLocals(text: string, locals: Readonly<Record<string, unknown>>, seen: readonly string[] = []): string {
  let out = "";
  let last = 0;
  for (const [start, end] of interpolationSpans(text)) {
    const expression = text.slice(start, end).replace(LOCAL, (_m, name: string) => {
      const value = locals[name];
      if (typeof value !== "string") throw new Error(`local.${name} is not a string local of the stack (found ${JSON.stringify(value)})`);
      if (seen.includes(name)) throw new Error(`local.${name} refers to itself through ${seen.join(" -> ")}`);
      return templateAsExpression(inlineLocals(value, locals, [...seen, name]));
    });
    out += text.slice(last, start) + expression;
    last = end;
  }
  return out + text.slice(last);
}

/** The boot script as the stack synthesizes it, with the stack's locals inlined. */
export function vectordbUserDataTemplate(environment: VectordbEnvironment, json: TfJson = synthVectordb(environment)): string {
  return inlineLocals(bootScriptOf(json), json.locals ?? {});
}

/**
 * Fails with a message that says what to do when the vectordb-api user_data gained a reference with no sample value
 * (a new `${var.…}` or resource attribute, also inside an expression or one of the locals it reads).
 */
export function assertVectordbSamplesCover(text: string, environment: VectordbEnvironment, samples = VECTORDB_USER_DATA_SAMPLES[environment]): void {
  const missing = references(text).filter((key) => !(key in samples));
  if (missing.length) {
    throw new Error(
      `vectordb-api-${environment} user_data references ${missing.join(", ")} with no sample value: add a realistic value for ` +
        `${missing.length === 1 ? "it" : "each"} (key without the logical-id hash; a list for a [*] splat) to ` +
        `VECTORDB_USER_DATA_SAMPLES.${environment} in __tests__/support/vectordb-user-data.ts`,
    );
  }
}

/** The stack's user_data for an environment, rendered by the real Terraform engine with the sample values (and overrides). */
export async function renderVectordbUserData(environment: VectordbEnvironment, overrides: Readonly<Record<string, SampleValue>> = {}): Promise<string> {
  const text = vectordbUserDataTemplate(environment);
  const samples = { ...VECTORDB_USER_DATA_SAMPLES[environment], ...overrides };
  assertVectordbSamplesCover(text, environment, samples);
  return renderExpressionsWithTerraform(text, samples);
}
