import { Construct } from "constructs";
import { TerraformVariable } from "cdktf";
import { networkVariables, httpsVariables } from "../web-variables.js";
import { emailRule, HOST_NAME, instanceTypeRule, logRetentionRule, secret, variable, wholeNumberRule } from "../variables.js";
import { VectordbProfile } from "./profiles.js";

/**
 * The stack's inputs. The application's settings keep the names of the document's `.env.production` (lower case:
 * `PINECONE_INDEX_NAME` is `pinecone_index_name`); the four API keys are sensitive, ephemeral and optional: empty,
 * the secret is created with empty values for the operator to fill (`aws secretsmanager put-secret-value`).
 */
export type VectordbVariables = ReturnType<typeof createVectordbVariables>;

const POSITIVE = (name: string, max: number, example: number) =>
  wholeNumberRule(name, 1, max, `${name} must be a whole number from 1 to ${max}, e.g. ${example}.`);
const NO_QUOTES = (name: string) => [`!can(regex("['\\"\\\\n\\\\r\\\\\\\\]", var.${name}))`, `${name} must not contain quotes, backslashes or line breaks (it is written to the application's env file).`] as const;

export function createVectordbVariables(scope: Construct, profile: VectordbProfile) {
  const v = (name: string, config: ConstructorParameters<typeof TerraformVariable>[2], rules: Parameters<typeof variable>[3] = []) => variable(scope, name, config, rules);
  return {
    ...networkVariables(scope, {
      privateUse: "the instance and the cache",
      privateTwoZonesReason: "the cache's subnet group spans them",
      natDefault: profile.natGateways,
      natReason: "the instance needs outbound internet for OpenAI and Pinecone",
    }),
    ...httpsVariables(scope, { what: "the API", exampleDomain: "api.example.com", protect: profile.protect, httpRisk: "API keys would cross the internet unencrypted" }),
    // --- Instance ---------------------------------------------------------------------------------------------
    instanceType: v("instance_type", { type: "string", default: profile.instanceType, description: "EC2 instance type: t3.large is the document's minimum for prod (8 GiB), m5.xlarge its recommendation." }, [
      instanceTypeRule("instance_type", '"t3.large" or "m5.xlarge"'),
    ]),
    rootVolumeSize: v("root_volume_size", { type: "number", default: 30, description: "Root volume (gp3, encrypted) in GiB: OS, images, container logs." }, [
      wholeNumberRule("root_volume_size", 8, 16384, "root_volume_size must be a whole number of GiB from 8 to 16384."),
    ]),
    dataVolumeSize: v("data_volume_size", { type: "number", default: profile.dataVolumeGiB, description: "Data volume (gp3, encrypted) in GiB for temporary CSV files (TMPDIR of the containers)." }, [
      wholeNumberRule("data_volume_size", 1, 16384, "data_volume_size must be a whole number of GiB from 1 to 16384."),
    ]),
    keyPairName: v("key_pair_name", { type: "string", default: "", description: "EC2 key pair for SSH (through Session Manager, or from ssh_allowed_cidr_blocks inside the VPC). Empty: Session Manager shells only." }, [
      ["length(var.key_pair_name) <= 255 && !can(regex(\"[\\\\n\\\\r\\\"' ]\", var.key_pair_name))", "key_pair_name must be the name of an existing EC2 key pair (no spaces or quotes), or empty."],
    ]),
    sshAllowedCidrBlocks: v("ssh_allowed_cidr_blocks", { type: "list(string)", default: [], description: "CIDRs inside the VPC (a VPN or bastion range) allowed to reach SSH on port 22, with key_pair_name. The instance has no public address." }, [
      ["alltrue([for c in var.ssh_allowed_cidr_blocks : can(cidrnetmask(c)) && try(cidrsubnet(c, 0, 0) == c, false) && !endswith(c, \"/0\")])", "ssh_allowed_cidr_blocks must be narrow IPv4 CIDRs given by their network address (never /0), e.g. [\"10.8.0.0/16\"]."],
      ['length(var.ssh_allowed_cidr_blocks) == 0 || var.key_pair_name != ""', "ssh_allowed_cidr_blocks is set but key_pair_name is empty: set the key pair, or use Session Manager (no open port)."],
    ]),
    // --- Image --------------------------------------------------------------------------------------------------
    ecrRepository: v("ecr_repository", { type: "string", default: "vectordb-api", description: "ECR repository of the application's image (app, worker and flower run it)." }, [
      ['can(regex("^[a-z0-9]+([._/-][a-z0-9]+)*$", var.ecr_repository))', "ecr_repository must be an ECR repository name, e.g. \"vectordb-api\"."],
    ]),
    imageTag: v("image_tag", { type: "string", description: "Tag of the image to run (scripts/build-and-push.sh prints it). Never \"latest\": rolling back is setting the previous tag." }, [
      ['can(regex("^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$", var.image_tag)) && var.image_tag != "latest"', "image_tag must be an image tag (letters, digits, _ . -, at most 128) other than \"latest\", e.g. \"v1.4.2\" or a commit id."],
    ]),
    awsAccountId: v("aws_account_id", { type: "string", default: "", description: "Account owning the ECR repository. Empty: the account Terraform deploys into." }, [
      ['can(regex("^([0-9]{12})?$", var.aws_account_id))', "aws_account_id must be 12 digits, or empty."],
    ]),
    // --- Application (.env.production) ----------------------------------------------------------------------
    metabaseUrl: v("metabase_url", { type: "string", description: "METABASE_URL: the Metabase the application reads, e.g. https://metabase.example.com." }, [
      [`can(regex("^https://${HOST_NAME}(:[0-9]{1,5})?(/[^\\\\s'\\"]*)?$", var.metabase_url))`, "metabase_url must be an https:// URL, e.g. \"https://metabase.example.com\"."],
    ]),
    pineconeIndexName: v("pinecone_index_name", { type: "string", description: "PINECONE_INDEX_NAME." }, [
      // Pinecone refuses a name that ends with "-" ("must start and end with an alphanumeric character").
      ['can(regex("^[a-z0-9]([a-z0-9-]{0,43}[a-z0-9])?$", var.pinecone_index_name))', "pinecone_index_name must be a Pinecone index name (lower-case letters, digits and -, starting and ending with a letter or digit, at most 45), e.g. \"vectors-prod\"."],
    ]),
    pineconeNamespace: v("pinecone_namespace", { type: "string", default: "v2", description: "PINECONE_NAMESPACE." }, [NO_QUOTES("pinecone_namespace")]),
    chunkSize: v("chunk_size", { type: "number", default: 1000, description: "CHUNK_SIZE: CSV rows per chunk." }, [POSITIVE("chunk_size", 1000000, 1000)]),
    batchSize: v("batch_size", { type: "number", default: 100, description: "BATCH_SIZE: vectors per Pinecone upsert (Pinecone takes at most 1000 per request)." }, [POSITIVE("batch_size", 1000, 100)]),
    maxWorkers: v("max_workers", { type: "number", default: 4, description: "MAX_WORKERS, and the Celery worker's --concurrency." }, [POSITIVE("max_workers", 64, 4)]),
    taskTimeout: v("task_timeout", { type: "number", default: 1800, description: "TASK_TIMEOUT in seconds, and the worker's --time-limit (its soft limit is 60 s less)." }, [
      wholeNumberRule("task_timeout", 120, 86400, "task_timeout must be a whole number of seconds from 120 to 86400, e.g. 1800."),
    ]),
    openaiRateLimit: v("openai_rate_limit", { type: "number", default: 5, description: "OPENAI_RATE_LIMIT: requests per second to OpenAI." }, [POSITIVE("openai_rate_limit", 1000, 5)]),
    apiKey: secret(scope, "api_key", { type: "string", default: "", description: "API_KEY clients send. Secret: TF_VAR_api_key; empty leaves it for the operator to put in the secret." }, [['!can(regex("[\x27\\n\\r]", var.api_key))', "api_key must not contain single quotes or line breaks (the instance writes it into a single-quoted env line; API_KEY is read from the secret at every start)."]]),
    openaiApiKey: secret(scope, "openai_api_key", { type: "string", default: "", description: "OPENAI_API_KEY. Secret: TF_VAR_openai_api_key, or put it in the secret later." }, [['!can(regex("[\x27\\n\\r]", var.openai_api_key))', "openai_api_key must not contain single quotes or line breaks (the instance writes it into a single-quoted env line; OPENAI_API_KEY is read from the secret at every start)."]]),
    pineconeApiKey: secret(scope, "pinecone_api_key", { type: "string", default: "", description: "PINECONE_API_KEY. Secret: TF_VAR_pinecone_api_key, or put it in the secret later." }, [['!can(regex("[\x27\\n\\r]", var.pinecone_api_key))', "pinecone_api_key must not contain single quotes or line breaks (the instance writes it into a single-quoted env line; PINECONE_API_KEY is read from the secret at every start)."]]),
    metabaseApiKey: secret(scope, "metabase_api_key", { type: "string", default: "", description: "METABASE_API_KEY. Secret: TF_VAR_metabase_api_key, or put it in the secret later." }, [['!can(regex("[\x27\\n\\r]", var.metabase_api_key))', "metabase_api_key must not contain single quotes or line breaks (the instance writes it into a single-quoted env line; METABASE_API_KEY is read from the secret at every start)."]]),
    secretsVersion: v("secrets_version", { type: "number", default: 1, description: "Bump to write the four keys to the secret again (write-only values are not compared)." }, [
      wholeNumberRule("secrets_version", 1, 1000000, "secrets_version must be a whole number from 1 to 1000000; increase it by one to push new keys."),
    ]),
    // --- Storage, cache, operations -------------------------------------------------------------------------------
    csvRetentionDays: v("csv_retention_days", { type: "number", default: 30, description: "Days CSV files stay in the bucket (the document's 30)." }, [POSITIVE("csv_retention_days", 3650, 30)]),
    cacheNodeType: v("cache_node_type", { type: "string", default: "cache.t3.micro", description: "ElastiCache node type (the document's cache.t3.micro)." }, [
      ['can(regex("^cache\\\\.[a-z0-9]+\\\\.[a-z0-9]+$", var.cache_node_type))', "cache_node_type must look like cache.t3.micro."],
    ]),
    logRetentionDays: v("log_retention_days", { type: "number", default: 30, description: "Days CloudWatch Logs keeps /aws/ec2/vectordb-api and /aws/ec2/vectordb-worker." }, [logRetentionRule("log_retention_days")]),
    alarmEmail: v("alarm_email", { type: "string", default: "", description: "E-mail subscribed to the encrypted alarm topic; confirm the subscription mail. Empty: no topic (alarms still show in the console)." }, [
      emailRule("alarm_email", "ops@example.com", true),
    ]),
    enableMonitoring: v("enable_monitoring", { type: "bool", default: profile.monitoring, description: "Alarms on CPU, memory, disks, 5xx rate, p95 latency, unhealthy targets and queue depth." }),
    enableHealthGate: v("enable_health_gate", { type: "bool", default: false, description: "After apply, check /api/v1/health through the load balancer from the machine running Terraform; apply fails if it never answers." }),
  };
}
