import { Construct } from "constructs";
import { TerraformVariable } from "cdktf";
import { emailRule, instanceTypeRule, logRetentionRule, Rule, variable, wholeNumberRule } from "../variables.js";
import { httpsVariables, networkVariables } from "../web-variables.js";
import { AgentPlatformProfile } from "./profiles.js";

/**
 * The stack's inputs. The application's settings keep the names of the document's backend `.env` (lower case:
 * `DB_POOL_SIZE` is `db_pool_size`). There is no secret among them: the database's password is generated, kept and
 * rotated by RDS in Secrets Manager, and the instances read it at start.
 */
export type AgentPlatformVariables = ReturnType<typeof createAgentPlatformVariables>;


const WHOLE = (name: string, min: number, max: number, example: number): Rule =>
  wholeNumberRule(name, min, max, `${name} must be a whole number from ${min} to ${max}, e.g. ${example}.`);
const HEALTH_PATH = (name: string, example: string): Rule => [
  // RE2 allows at most 1000 repetitions in a counted repeat: the length is checked apart.
  `length(var.${name}) <= 1024 && can(regex("^/[A-Za-z0-9._~/-]*$", var.${name}))`,
  `${name} must be a URL path starting with / (letters, digits, . _ ~ - /, at most 1024 characters), e.g. "${example}".`,
];

export function createAgentPlatformVariables(scope: Construct, profile: AgentPlatformProfile) {
  const v = (name: string, config: ConstructorParameters<typeof TerraformVariable>[2], rules: readonly Rule[] = []) => variable(scope, name, config, rules);
  return {
    ...networkVariables(scope, {
      privateUse: "the app servers, the ChromaDB host, the database and the cache",
      privateTwoZonesReason: "the app servers, the database's and the cache's subnet groups span them",
      natDefault: profile.natGateways,
      natReason: "the servers need outbound internet for images, updates and the application's own calls",
    }),
    ...httpsVariables(scope, { what: "the platform", exampleDomain: "agent.example.com", protect: profile.protect, httpRisk: "sessions and uploads would cross the internet unencrypted" }),
    // --- App servers ------------------------------------------------------------------------------------------
    instanceType: v("instance_type", { type: "string", default: profile.instanceType, description: "App server type: the document's Option A runs one t3.xlarge (or t3.2xlarge), Option B two t3.large." }, [
      instanceTypeRule("instance_type", '"t3.large" or "t3.xlarge"'),
    ]),
    appMinSize: v("app_min_size", { type: "number", default: profile.minSize, description: "Fewest app servers (Option B: 2, one per zone, so a server or a zone can fail)." }, [WHOLE("app_min_size", 1, 20, profile.minSize)]),
    appMaxSize: v("app_max_size", { type: "number", default: profile.maxSize, description: "Most app servers scaling may run (each t3.large adds about $61/month)." }, [
      WHOLE("app_max_size", 1, 20, profile.maxSize),
      ["var.app_max_size >= var.app_min_size", "app_max_size is below app_min_size: raise app_max_size or lower app_min_size."],
    ]),
    scalingCpuTarget: v("scaling_cpu_target", { type: "number", default: 60, description: "Average CPU (%) of the app servers that scaling holds (target tracking); T instances also spend CPU credits above their baseline." }, [
      WHOLE("scaling_cpu_target", 10, 90, 60),
    ]),
    scalingRequestsPerTarget: v("scaling_requests_per_target", { type: "number", default: 0, description: "Requests per app server and minute (frontend and backend) that scaling also holds; 0: CPU only." }, [
      WHOLE("scaling_requests_per_target", 0, 1000000, 1000),
    ]),
    rootVolumeSize: v("root_volume_size", { type: "number", default: 30, description: "Root volume (gp3, encrypted) of each app server in GiB: OS, the two images, container logs." }, [
      WHOLE("root_volume_size", 20, 16384, 30),
    ]),
    backendWorkers: v("backend_workers", { type: "number", default: 4, description: "Gunicorn's uvicorn workers per app server (WEB_CONCURRENCY; the document's -w 4). Each holds up to db_pool_size + db_max_overflow database connections." }, [
      WHOLE("backend_workers", 1, 32, 4),
    ]),
    backendHealthPath: v("backend_health_path", { type: "string", default: "/api/health", description: "The backend's health endpoint (port 8000), checked by the load balancer and by Docker." }, [
      HEALTH_PATH("backend_health_path", "/api/health"),
    ]),
    frontendHealthPath: v("frontend_health_path", { type: "string", default: "/", description: "A frontend page that answers 200 (port 3000), checked by the load balancer and by Docker." }, [
      HEALTH_PATH("frontend_health_path", "/"),
    ]),
    // --- Images -------------------------------------------------------------------------------------------------
    imageTag: v("image_tag", { type: "string", description: "Tag of the backend and frontend images to run (one release tags both). Never \"latest\": rolling back is setting the previous tag and applying." }, [
      ['can(regex("^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$", var.image_tag)) && var.image_tag != "latest"', "image_tag must be an image tag (letters, digits, _ . -, at most 128) other than \"latest\", e.g. \"v1.4.2\" or a commit id."],
    ]),
    keepImages: v("keep_images", { type: "number", default: 20, description: "Images each created repository keeps (older ones expire): the tags you can roll back to." }, [WHOLE("keep_images", 2, 1000, 20)]),
    // --- Application (.env) -----------------------------------------------------------------------------------
    dbPoolSize: v("db_pool_size", { type: "number", default: 20, description: "DB_POOL_SIZE: SQLAlchemy's pool per worker." }, [WHOLE("db_pool_size", 1, 200, 20)]),
    dbMaxOverflow: v("db_max_overflow", { type: "number", default: 10, description: "DB_MAX_OVERFLOW: connections a worker may open beyond its pool." }, [WHOLE("db_max_overflow", 0, 200, 10)]),
    redisDb: v("redis_db", { type: "number", default: 0, description: "REDIS_DB: the cache's logical database." }, [WHOLE("redis_db", 0, 15, 0)]),
    logLevel: v("log_level", { type: "string", default: "INFO", description: "LOG_LEVEL of the backend." }, [
      ['contains(["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"], var.log_level)', 'log_level must be one of "DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL".'],
    ]),
    // --- Database -----------------------------------------------------------------------------------------------
    dbInstanceClass: v("db_instance_class", { type: "string", default: profile.dbInstanceClass, description: "RDS PostgreSQL class (Option B: db.t3.medium, 2 vCPU and 4 GiB)." }, [
      ['can(regex("^db\\\\.[a-z0-9]+\\\\.[a-z0-9]+$", var.db_instance_class))', "db_instance_class must look like db.t3.medium."],
    ]),
    dbEngineVersion: v("db_engine_version", { type: "string", default: "16", description: "PostgreSQL major version (minor versions are applied by RDS in the maintenance window). Raising it is a major upgrade: snapshot first." }, [
      ['contains(["14", "15", "16", "17"], var.db_engine_version)', 'db_engine_version must be a PostgreSQL major version RDS offers: "14", "15", "16" or "17".'],
    ]),
    dbName: v("db_name", { type: "string", default: "agent", description: "The application's database, created with the instance." }, [
      ['can(regex("^[A-Za-z][A-Za-z0-9_]{0,62}$", var.db_name))', "db_name must start with a letter and hold only letters, digits and _ (at most 63), e.g. \"agent\"."],
    ]),
    dbUsername: v("db_username", { type: "string", default: "agent_admin", description: "Master user of the database (its password is managed by RDS in Secrets Manager). Changing it replaces the database." }, [
      [
        'can(regex("^[A-Za-z][A-Za-z0-9_]{0,62}$", var.db_username)) && !contains(["admin", "rdsadmin", "postgres", "public", "user"], lower(var.db_username)) && !startswith(lower(var.db_username), "rds") && !startswith(lower(var.db_username), "pg_")',
        "db_username must start with a letter, hold only letters, digits and _ (at most 63), and not be a name RDS reserves (admin, rdsadmin, postgres, public, user, rds*, pg_*), e.g. \"agent_admin\".",
      ],
    ]),
    dbAllocatedStorage: v("db_allocated_storage", { type: "number", default: 20, description: "Storage (gp3, encrypted) at creation, GiB; RDS grows it up to db_max_allocated_storage." }, [WHOLE("db_allocated_storage", 20, 65535, 20)]),
    dbMaxAllocatedStorage: v("db_max_allocated_storage", { type: "number", default: 100, description: "Ceiling of storage autoscaling, GiB." }, [
      WHOLE("db_max_allocated_storage", 21, 65536, 100),
      ["var.db_max_allocated_storage > var.db_allocated_storage", "db_max_allocated_storage must be above db_allocated_storage (the headroom RDS may grow into)."],
    ]),
    dbMultiAz: v("db_multi_az", { type: "bool", default: false, description: "A standby in a second zone that RDS fails over to (doubles the database's price)." }),
    dbBackupRetentionDays: v("db_backup_retention_days", { type: "number", default: 7, description: "Days of automated backups and point-in-time recovery (the document's 7)." }, [WHOLE("db_backup_retention_days", 1, 35, 7)]),
    // --- Cache, vector store, uploads -------------------------------------------------------------------------------
    cacheNodeType: v("cache_node_type", { type: "string", default: "cache.t3.micro", description: "ElastiCache (Valkey) node type: the document's cache.t3.micro." }, [
      ['can(regex("^cache\\\\.[a-z0-9]+\\\\.[a-z0-9]+$", var.cache_node_type))', "cache_node_type must look like cache.t3.micro."],
    ]),
    chromaInstanceType: v("chroma_instance_type", { type: "string", default: profile.chromaInstanceType, description: "ChromaDB host type (its index lives in memory: size it to the collections)." }, [
      instanceTypeRule("chroma_instance_type", '"t4g.medium" or "r7g.large"'),
    ]),
    chromaVolumeSize: v("chroma_volume_size", { type: "number", default: profile.chromaVolumeGiB, description: "ChromaDB's data volume (gp3, encrypted, kept when the host is replaced), GiB. It can grow, never shrink." }, [
      WHOLE("chroma_volume_size", 1, 16384, profile.chromaVolumeGiB),
    ]),
    uploadsGlacierDays: v("uploads_glacier_days", { type: "number", default: 90, description: "Days after which uploads move to S3 Glacier Instant Retrieval (the document's \"old files to Glacier\"; still readable at once)." }, [
      WHOLE("uploads_glacier_days", 1, 3650, 90),
    ]),
    // --- Operations -------------------------------------------------------------------------------------------------
    logRetentionDays: v("log_retention_days", { type: "number", default: 30, description: "Days CloudWatch Logs keeps the containers' logs." }, [logRetentionRule("log_retention_days")]),
    alarmEmail: v("alarm_email", { type: "string", default: "", description: "E-mail subscribed to the encrypted alarm topic; confirm the subscription mail. Empty: no topic (alarms still show in the console)." }, [
      emailRule("alarm_email", "ops@example.com", true),
    ]),
    enableMonitoring: v("enable_monitoring", { type: "bool", default: profile.monitoring, description: "Alarms on p95 response time, 5xx rate, unhealthy hosts, app and database CPU, database storage and connections, cache memory, the ChromaDB host." }),
    budgetLimitUsd: v("budget_limit_usd", { type: "number", default: 500, description: "Monthly AWS Budgets limit in USD (the document's $500): e-mails at 80 % and 100 % of actual spend, and when the forecast passes 100 %." }, [
      ["var.budget_limit_usd > 0 && var.budget_limit_usd <= 1000000", "budget_limit_usd must be more than 0 and at most 1000000 (USD per month), e.g. 500."],
    ]),
    budgetEmails: v("budget_emails", { type: "list(string)", default: [], description: "E-mails the budget alerts (at most 10). Empty: no budget." }, [
      ['alltrue([for e in var.budget_emails : can(regex("^[^@,\\\\s]+@[^@,\\\\s]+\\\\.[^@,\\\\s]+$", e))]) && length(var.budget_emails) <= 10', 'budget_emails must be at most 10 e-mail addresses, e.g. ["finance@example.com"].'],
    ]),
    enableHealthGate: v("enable_health_gate", { type: "bool", default: false, description: "After apply, check both health paths through the load balancer from the machine running Terraform; apply fails if they never answer." }),
  };
}
