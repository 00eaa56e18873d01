import { Construct } from "constructs";
import { TerraformVariable } from "cdktf";
import { emailRule, HOST_NAME, instanceTypeRule, logRetentionRule, Rule, secret, variable, wholeNumberRule } from "../variables.js";
import { httpsVariables, networkVariables } from "../web-variables.js";
import { H3PipelineProfile } from "./profiles.js";

/**
 * The stack's inputs. The application's settings keep the names of the document's environment variables in lower
 * case (`CLICKHOUSE_HOST` is `clickhouse_host`); the ClickHouse password is sensitive and ephemeral, written only
 * through `secret_string_wo`, and injected into the tasks by ECS from Secrets Manager.
 */
export type H3PipelineVariables = ReturnType<typeof createH3PipelineVariables>;

/** Fargate's task sizes from the document's 1 vCPU / 2 GB to 4 vCPU / 8 GB (CPU units -> MiB allowed with it). */
export const TASK_SIZES: Readonly<Record<number, readonly number[]>> = {
  1024: [2048, 3072, 4096, 5120, 6144, 7168, 8192],
  2048: [4096, 5120, 6144, 7168, 8192],
  4096: [8192],
};

const WHOLE = (name: string, min: number, max: number, example: number): Rule =>
  wholeNumberRule(name, min, max, `${name} must be a whole number from ${min} to ${max}, e.g. ${example}.`);

export function createH3PipelineVariables(scope: Construct, profile: H3PipelineProfile) {
  const v = (name: string, config: ConstructorParameters<typeof TerraformVariable>[2], rules: readonly Rule[] = []) => variable(scope, name, config, rules);
  const sizes = Object.entries(TASK_SIZES).map(([cpu, memories]) => `${cpu} = [${memories.join(", ")}]`).join(", ");
  return {
    ...networkVariables(scope, {
      privateUse: "the tasks, the ClickHouse nodes and the PrivateLink endpoint",
      privateTwoZonesReason: "the service spreads its tasks over them",
      natDefault: profile.natGateways,
      natReason: "the tasks need outbound internet for ECR, ClickHouse Cloud and AWS APIs",
    }),
    ...httpsVariables(scope, { what: "the pipeline's API", exampleDomain: "h3.example.com", protect: profile.protect, httpRisk: "uploads and query results would cross the internet unencrypted" }),
    // --- Service ----------------------------------------------------------------------------------------------
    imageTag: v("image_tag", { type: "string", description: "Tag of the application's image in the stack's ECR repository (ecr_repository_url). Never \"latest\": rolling back is setting the previous tag and applying." }, [
      ['can(regex("^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$", var.image_tag)) && var.image_tag != "latest"', "image_tag must be an image tag (letters, digits, _ . -, at most 128) other than \"latest\", e.g. \"v1.4.2\" or a commit id."],
    ]),
    taskCpu: v("task_cpu", { type: "number", default: profile.taskCpu, description: "CPU units of a task: 1024 (1 vCPU), 2048 or 4096 (the document's 1-4 vCPU)." }, [
      ["contains([1024, 2048, 4096], var.task_cpu)", "task_cpu must be 1024, 2048 or 4096 (1, 2 or 4 vCPU; the document's range)."],
    ]),
    taskMemory: v("task_memory", { type: "number", default: profile.taskMemory, description: "Memory of a task in MiB, 2048-8192 (the document's 2-8 GB), as Fargate allows it with task_cpu." }, [
      [
        `contains(lookup({${sizes}}, var.task_cpu, []), var.task_memory)`,
        "task_memory does not go with task_cpu on Fargate: 1024 takes 2048-8192 MiB, 2048 takes 4096-8192, 4096 takes 8192 (in steps of 1024).",
      ],
    ]),
    minTasks: v("min_tasks", { type: "number", default: profile.minTasks, description: "Fewest tasks (the document's minimum is 2: one per zone, so a zone or a task can fail)." }, [WHOLE("min_tasks", 1, 100, 2)]),
    maxTasks: v("max_tasks", { type: "number", default: profile.maxTasks, description: "Most tasks autoscaling may run (the document says 20, and elsewhere 10)." }, [
      WHOLE("max_tasks", 1, 100, 20),
      ["var.max_tasks >= var.min_tasks", "max_tasks is below min_tasks: raise max_tasks or lower min_tasks."],
    ]),
    cpuTarget: v("cpu_target", { type: "number", default: 70, description: "Average CPU (%) of the tasks that autoscaling holds (the document's 70)." }, [WHOLE("cpu_target", 10, 95, 70)]),
    memoryTarget: v("memory_target", { type: "number", default: 80, description: "Average memory (%) of the tasks that autoscaling holds (the document's 80)." }, [WHOLE("memory_target", 10, 95, 80)]),
    scaleOutCooldown: v("scale_out_cooldown", { type: "number", default: 60, description: "Seconds after a scale-out before the next (the document's 60)." }, [WHOLE("scale_out_cooldown", 0, 3600, 60)]),
    scaleInCooldown: v("scale_in_cooldown", { type: "number", default: 300, description: "Seconds after a scale-in before the next (the document's 300)." }, [WHOLE("scale_in_cooldown", 0, 3600, 300)]),
    healthCheckPath: v("health_check_path", { type: "string", default: "/health", description: "The application's health endpoint (PORT 3000), checked by the load balancer every 30 s." }, [
      ['length(var.health_check_path) <= 1024 && can(regex("^/[A-Za-z0-9._~/-]*$", var.health_check_path))', 'health_check_path must be a URL path starting with / (letters, digits, . _ ~ - /, at most 1024 characters), e.g. "/health".'],
    ]),
    // --- ClickHouse (Cloud) --------------------------------------------------------------------------------------
    clickhouseDeployment: v("clickhouse_deployment", { type: "string", default: profile.clickhouseDeployment, description: "Where ClickHouse runs: \"cloud\" (the document's option B: ClickHouse Cloud, clickhouse_host) or \"self-hosted\" (option A: three nodes in the private subnets, made here)." }, [
      ['contains(["cloud", "self-hosted"], var.clickhouse_deployment)', 'clickhouse_deployment must be "cloud" (ClickHouse Cloud, the document\'s option B) or "self-hosted" (three EC2 nodes, option A).'],
      ['var.clickhouse_deployment != "self-hosted" || var.vpc_id == "" || length(var.private_subnet_ids) >= 3', "clickhouse_deployment is \"self-hosted\" in an existing VPC with fewer than three private subnets: give three, in three zones, so that a zone's outage leaves Keeper two of its three members."],
    ]),
    clickhouseHost: v("clickhouse_host", { type: "string", default: "", description: "CLICKHOUSE_HOST with ClickHouse Cloud: the service's host name (its connection details), or its PrivateLink DNS name with clickhouse_privatelink_service_name. Self-hosted: leave empty (the nodes' private DNS name is used)." }, [
      [`var.clickhouse_host == "" || (can(regex("^${HOST_NAME}$", var.clickhouse_host)) && length(var.clickhouse_host) <= 253)`, 'clickhouse_host must be a host name without scheme or port, e.g. "abc123.us-east-1.aws.clickhouse.cloud".'],
      ['var.clickhouse_deployment != "cloud" || var.clickhouse_host != ""', "clickhouse_deployment is \"cloud\" but clickhouse_host is empty: give the ClickHouse Cloud service's host (its connection details)."],
      ['var.clickhouse_deployment != "self-hosted" || var.clickhouse_host == ""', "clickhouse_host is set but clickhouse_deployment is \"self-hosted\": the tasks connect to the nodes' own DNS name; remove clickhouse_host, or choose \"cloud\"."],
    ]),
    clickhousePort: v("clickhouse_port", { type: "number", default: 9440, description: "CLICKHOUSE_PORT: 9440, the native protocol over TLS (the document's 9000 is plaintext, which ClickHouse Cloud does not offer), or 8443 for a client that speaks HTTPS such as @clickhouse/client." }, [
      ["contains([9440, 8443], var.clickhouse_port)", "clickhouse_port must be 9440 (native protocol over TLS) or 8443 (HTTPS): the tasks reach ClickHouse, Cloud or self-hosted, over TLS only, never on a plaintext port such as the document's 9000."],
    ]),
    clickhouseUser: v("clickhouse_user", { type: "string", default: "default", description: "CLICKHOUSE_USER." }, [
      ['can(regex("^[A-Za-z_][A-Za-z0-9_.-]{0,63}$", var.clickhouse_user))', 'clickhouse_user must be a ClickHouse user name (a letter or _, then letters, digits, _ . -, at most 64), e.g. "default".'],
      ['var.clickhouse_user != "local_backup"', 'clickhouse_user "local_backup" is the self-hosted nodes\' own backup user (no password, on the node only): choose another name, e.g. "default".'],
    ]),
    clickhouseDatabase: v("clickhouse_database", { type: "string", default: "default", description: "CLICKHOUSE_DATABASE." }, [
      ['can(regex("^[A-Za-z_][A-Za-z0-9_]{0,63}$", var.clickhouse_database))', 'clickhouse_database must be a database name (a letter or _, then letters, digits and _, at most 64), e.g. "default".'],
    ]),
    clickhousePassword: secret(scope, "clickhouse_password", { type: "string", default: "", description: "CLICKHOUSE_PASSWORD (required). Secret: TF_VAR_clickhouse_password. ClickHouse Cloud: the service's password; self-hosted: the application user's, chosen by you." }, [
      ['length(var.clickhouse_password) <= 4096', "clickhouse_password must be at most 4096 characters."],
      ['var.clickhouse_password != ""', "clickhouse_password is empty: export TF_VAR_clickhouse_password (ClickHouse Cloud: the service's password; self-hosted: the one the nodes give the application's user)."],
    ]),
    clickhousePasswordVersion: v("clickhouse_password_version", { type: "number", default: 1, description: "Bump to write clickhouse_password to the secret again (write-only values are not compared), then the tasks restart with it." }, [
      WHOLE("clickhouse_password_version", 1, 1000000, 1),
    ]),
    privatelinkServiceName: v("clickhouse_privatelink_service_name", { type: "string", default: "", description: "The ClickHouse Cloud service's PrivateLink endpoint service (com.amazonaws.vpce.<region>.vpce-svc-...; Scale or Enterprise plan). Empty: the tasks reach ClickHouse Cloud over the internet (TLS), through NAT." }, [
      ['can(regex("^(com\\\\.amazonaws\\\\.vpce\\\\.[a-z0-9-]+\\\\.vpce-svc-[0-9a-f]{8,17})?$", var.clickhouse_privatelink_service_name))', 'clickhouse_privatelink_service_name must look like "com.amazonaws.vpce.us-east-1.vpce-svc-0123456789abcdef0", or be empty.'],
      ['var.clickhouse_privatelink_service_name == "" || var.clickhouse_deployment == "cloud"', "clickhouse_privatelink_service_name is for ClickHouse Cloud: remove it, or set clickhouse_deployment = \"cloud\"."],
      ['var.clickhouse_privatelink_service_name == "" || var.clickhouse_deployment != "cloud" || endswith(var.clickhouse_host, ".vpce.aws.clickhouse.cloud")', "clickhouse_privatelink_service_name is set but clickhouse_host is not the service's PrivateLink DNS name (<id>.<region>.vpce.aws.clickhouse.cloud, from the console's Private Endpoint settings): set it, so the tasks connect through the endpoint."],
    ]),
    // --- ClickHouse (self-hosted) ----------------------------------------------------------------------------------
    clickhouseInstanceType: v("clickhouse_instance_type", { type: "string", default: "r6i.2xlarge", description: "Self-hosted node type (the document's r6i.2xlarge or larger: 8 vCPU, 64 GiB)." }, [
      instanceTypeRule("clickhouse_instance_type", '"r6i.2xlarge" or "r7g.2xlarge"'),
    ]),
    clickhouseVolumeSize: v("clickhouse_volume_size", { type: "number", default: 1000, description: "Self-hosted: each node's gp3 data volume in GiB (the document's 1-5 TB). It can grow, never shrink." }, [
      WHOLE("clickhouse_volume_size", 1000, 5000, 1000),
    ]),
    clickhouseVolumeIops: v("clickhouse_volume_iops", { type: "number", default: 3000, description: "Self-hosted: each data volume's provisioned IOPS (the document's 3000-10000; above 3000 costs $0.005 per IOPS-month)." }, [
      WHOLE("clickhouse_volume_iops", 3000, 10000, 3000),
    ]),
    clickhouseVolumeThroughput: v("clickhouse_volume_throughput", { type: "number", default: 250, description: "Self-hosted: each data volume's throughput in MiB/s (125 included; more costs $0.04 per MiB/s-month), at most IOPS / 4." }, [
      WHOLE("clickhouse_volume_throughput", 125, 1000, 250),
      ["var.clickhouse_volume_throughput <= var.clickhouse_volume_iops / 4", "clickhouse_volume_throughput may be at most clickhouse_volume_iops / 4 MiB/s on gp3: raise the IOPS or lower the throughput."],
    ]),
    clickhouseCaCert: v("clickhouse_ca_cert", { type: "string", default: "", description: "Self-hosted: the cluster CA's certificate (PEM, from scripts/make-private-ca.sh). The nodes' certificates are issued by it; the tasks get it as CLICKHOUSE_CA_CERT to verify them." }, [
      ['var.clickhouse_ca_cert == "" || (startswith(var.clickhouse_ca_cert, "-----BEGIN CERTIFICATE-----") && strcontains(var.clickhouse_ca_cert, "-----END CERTIFICATE-----"))', "clickhouse_ca_cert must be a PEM certificate (-----BEGIN CERTIFICATE----- ... -----END CERTIFICATE-----), as scripts/make-private-ca.sh writes ca.crt."],
      ['var.clickhouse_deployment != "self-hosted" || var.clickhouse_ca_cert != ""', "clickhouse_deployment is \"self-hosted\" but clickhouse_ca_cert is empty: make the cluster's CA with scripts/make-private-ca.sh and give its ca.crt (and TF_VAR_clickhouse_ca_key)."],
    ]),
    clickhouseCaKey: secret(scope, "clickhouse_ca_key", { type: "string", default: "", description: "Self-hosted: the cluster CA's private key (PEM). Secret: TF_VAR_clickhouse_ca_key=\"$(cat ca.key)\"; written only to a secret the nodes read at start." }, [
      ['var.clickhouse_ca_key == "" || (startswith(var.clickhouse_ca_key, "-----BEGIN") && strcontains(var.clickhouse_ca_key, "PRIVATE KEY-----") && !strcontains(var.clickhouse_ca_key, "ENCRYPTED"))', "clickhouse_ca_key must be an unencrypted PEM private key (-----BEGIN ... PRIVATE KEY-----), as scripts/make-private-ca.sh writes ca.key: the nodes read it without a passphrase."],
      ['var.clickhouse_deployment != "self-hosted" || var.clickhouse_ca_key != ""', "clickhouse_deployment is \"self-hosted\" but clickhouse_ca_key is empty: export TF_VAR_clickhouse_ca_key=\"$(cat ca.key)\" (scripts/make-private-ca.sh made it with ca.crt); the nodes issue their certificates with it."],
    ]),
    clickhouseCaKeyVersion: v("clickhouse_ca_key_version", { type: "number", default: 1, description: "Self-hosted: bump to write clickhouse_ca_key to its secret again (write-only values are not compared)." }, [
      WHOLE("clickhouse_ca_key_version", 1, 1000000, 1),
    ]),
    clickhouseBackupTime: v("clickhouse_backup_time", { type: "string", default: "02:00", description: "Self-hosted: when node 1 backs the databases up to the bucket's backups/ every night (HH:MM, UTC)." }, [
      ['can(regex("^([01][0-9]|2[0-3]):[0-5][0-9]$", var.clickhouse_backup_time))', 'clickhouse_backup_time must be a UTC time HH:MM, e.g. "02:00".'],
    ]),
    // --- Storage ---------------------------------------------------------------------------------------------------
    uploadsGlacierDays: v("uploads_glacier_days", { type: "number", default: 30, description: "Days after which uploads/ moves to S3 Glacier Flexible Retrieval (the document's 30)." }, [WHOLE("uploads_glacier_days", 1, 3650, 30)]),
    processedExpirationDays: v("processed_expiration_days", { type: "number", default: 90, description: "Days after which processed/ files are deleted (the document's 90)." }, [WHOLE("processed_expiration_days", 1, 3650, 90)]),
    backupsGlacierDays: v("backups_glacier_days", { type: "number", default: 7, description: "Days after which backups/ moves to S3 Glacier Instant Retrieval (the document's 7; Instant Retrieval so a RESTORE reads an old backup at once)." }, [WHOLE("backups_glacier_days", 1, 3650, 7)]),
    // --- Operations ---------------------------------------------------------------------------------------------
    logRetentionDays: v("log_retention_days", { type: "number", default: 30, description: "Days CloudWatch Logs keeps the application's and the collector's logs." }, [logRetentionRule("log_retention_days")]),
    alarmEmail: v("alarm_email", { type: "string", default: "", description: "E-mail subscribed to the encrypted alarm topic; confirm the subscription mail. Empty: no topic (alarms still show in the console)." }, [
      emailRule("alarm_email", "ops@example.com", true),
    ]),
    enableMonitoring: v("enable_monitoring", { type: "bool", default: profile.monitoring, description: "Alarms on the tasks' CPU and memory, running tasks, the load balancer's 5xx rate and p95 latency." }),
    enableHealthGate: v("enable_health_gate", { type: "bool", default: false, description: "After apply, check health_check_path through the load balancer from the machine running Terraform; apply fails if it never answers." }),
  };
}
