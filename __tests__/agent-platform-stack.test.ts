// The AGENT platform stacks (dev: the document's Option A, prod: its Option B), synthesized: property assertions on
// what each resource is configured to do. The boot scripts are checked rendered in agent-platform-boot.test.ts, the
// variables in agent-platform-variables.test.ts, the plans in offline-terraform/stack-plans.test.ts.
import { readFileSync } from "node:fs";
import { onlyResource, ref, resourcesOf, synthSystem, TfJson, variableDefault } from "./support/synth.js";
import { list, policyDocuments, rolePolicies, Statement } from "./support/policies.js";

/** The outputs the issue lists (the operator's endpoints, commands and costs). */
const ISSUE_OUTPUTS = [
  "app_url", "database_endpoint", "database_secret_arn", "cache_endpoint", "uploads_bucket", "session_manager_command",
  "database_port_forward_command", "dashboard_url", "estimated_monthly_cost_usd", "cost_breakdown", "document_monthly_cost",
];

const dev = synthSystem("agent-platform", "dev");
const prod = synthSystem("agent-platform", "prod");
const both: [string, TfJson][] = [["dev", dev], ["prod", prod]];

const ingressRules = (json: TfJson) => resourcesOf(json, "aws_vpc_security_group_ingress_rule").map(([id, r]) => ({ id, ...r }));
/** The app servers' launch template's user data, before base64gzip: the local it references. */
const appBootScript = (json: TfJson): string => {
  const template = onlyResource(json, "aws_launch_template");
  const local = /^\$\{base64gzip\(local\.([A-Za-z0-9_]+)\)\}$/.exec(template.user_data)![1]!;
  return json.locals[local] as string;
};
/** The one local whose name starts with `prefix` (cdktf appends a hash). */
const localStarting = (json: TfJson, prefix: string): string => {
  const found = Object.entries(json.locals).filter(([n]) => n.startsWith(prefix));
  if (found.length !== 1) throw new Error(`expected one local ${prefix}*, found ${found.length}`);
  return found[0]![1] as string;
};

describe("agent-platform inputs", () => {
  it("documents every variable in environments/agent-platform/terraform.tfvars.example, and nothing else", () => {
    const example = readFileSync("environments/agent-platform/terraform.tfvars.example", "utf8");
    const documented = [...example.matchAll(/^([a-z0-9_]+)\s*=/gm)].map((m) => m[1]).sort();
    expect(documented).toEqual(Object.keys(prod.variable).sort());
  });

  it("names in docs/agent-platform.md the repositories' addresses the first apply targets", () => {
    const docs = readFileSync("docs/agent-platform.md", "utf8");
    const targeted = [...docs.matchAll(/-target='(aws_ecr_repository\.[^']+)'/g)].map((m) => m[1]);
    for (const json of [dev, prod]) expect(targeted).toEqual(resourcesOf(json, "aws_ecr_repository").map(([id]) => `aws_ecr_repository.${id}`));
  });

  it("takes no secret: the database's password is RDS's own", () => {
    for (const json of [dev, prod]) expect(Object.entries(json.variable).filter(([, v]) => (v as { sensitive?: boolean }).sensitive)).toEqual([]);
  });
});

describe.each(both)("agent-platform-%s", (env, json) => {
  const name = `agent-platform-${env}`;
  const appGroup = ref(json, "aws_security_group", "app_security_group", "id");

  it("runs the document's option: dev one t3.xlarge (Option A), prod two to three t3.large (Option B; more would outgrow db.t3.medium's connections)", () => {
    expect({ type: variableDefault(json, "instance_type"), min: variableDefault(json, "app_min_size"), max: variableDefault(json, "app_max_size") }).toEqual(
      env === "dev" ? { type: "t3.xlarge", min: 1, max: 1 } : { type: "t3.large", min: 2, max: 3 },
    );
    expect(variableDefault(json, "db_instance_class")).toBe(env === "dev" ? "db.t3.small" : "db.t3.medium");
    expect(variableDefault(json, "cache_node_type")).toBe("cache.t3.micro");
  });

  it("puts the app servers in an Auto Scaling group in the private subnets, ELB-checked, refreshed when the template changes", () => {
    const group = onlyResource(json, "aws_autoscaling_group");
    expect(group).toMatchObject({
      min_size: "${var.app_min_size}",
      max_size: "${var.app_max_size}",
      health_check_type: "ELB",
      instance_refresh: { strategy: "Rolling" },
      launch_template: { version: expect.stringMatching(/\.latest_version\}$/) },
      lifecycle: { ignore_changes: ["desired_capacity"] },
    });
    expect(group.vpc_zone_identifier).toMatch(/network_PrivateSubnet_[0-9A-F]+\[\*\]\.id : var\.private_subnet_ids/);
    expect(group.target_group_arns).toEqual([ref(json, "aws_lb_target_group", "target-frontend", "arn"), ref(json, "aws_lb_target_group", "target-backend", "arn")]);
  });

  it("launches Amazon Linux 2023 with IMDSv2 (one hop), an encrypted gp3 root volume and no public address", () => {
    const template = onlyResource(json, "aws_launch_template");
    expect(template.metadata_options).toEqual({ http_endpoint: "enabled", http_tokens: "required", http_put_response_hop_limit: 1 });
    expect(template.block_device_mappings).toEqual([
      { device_name: "/dev/xvda", ebs: { volume_type: "gp3", volume_size: "${var.root_volume_size}", encrypted: "true", delete_on_termination: "true" } },
    ]);
    expect(template.image_id).toMatch(/^\$\{data\.aws_ssm_parameter\.app_Al2023Ami_[0-9A-F]+\.insecure_value\}$/);
    expect(template).not.toHaveProperty("network_interfaces");
    expect(template.vpc_security_group_ids).toEqual([appGroup]);
  });

  it("scales on CPU always and on requests per server when scaling_requests_per_target is set", () => {
    const policies = Object.fromEntries(resourcesOf(json, "aws_autoscaling_policy").map(([, p]) => [p.name, p]));
    expect(policies[`${name}-cpu-target`]).toMatchObject({
      target_tracking_configuration: { predefined_metric_specification: { predefined_metric_type: "ASGAverageCPUUtilization" }, target_value: "${var.scaling_cpu_target}" },
    });
    expect(policies[`${name}-cpu-target`].count).toBeUndefined();
    expect(policies[`${name}-requests-per-target`]).toMatchObject({
      count: "${(var.scaling_requests_per_target >= 1) ? 1 : 0}",
      target_tracking_configuration: { predefined_metric_specification: { predefined_metric_type: "ALBRequestCountPerTarget" }, target_value: "${var.scaling_requests_per_target}" },
    });
  });

  it("routes /api and /api/* to the backend (8000) and everything else to the frontend (3000), health-checked on their paths", () => {
    const rule = onlyResource(json, "aws_lb_listener_rule");
    expect(rule.condition).toEqual([{ path_pattern: { values: ["/api", "/api/*"] } }]);
    expect(rule.action).toEqual([{ type: "forward", target_group_arn: ref(json, "aws_lb_target_group", "target-backend", "arn") }]);
    const groups = Object.fromEntries(resourcesOf(json, "aws_lb_target_group").map(([id, g]) => [id.includes("backend") ? "backend" : "frontend", g]));
    expect(groups.backend).toMatchObject({ port: 8000, health_check: { path: "${var.backend_health_path}", matcher: "200" } });
    expect(groups.frontend).toMatchObject({ port: 3000, health_check: { path: "${var.frontend_health_path}", matcher: "200" } });
    const listeners = resourcesOf(json, "aws_lb_listener").map(([, l]) => l);
    expect(listeners.find((l) => l.port === 443)).toMatchObject({ protocol: "HTTPS", ssl_policy: expect.stringMatching(/TLS13|TLS-1-2/) });
  });

  it("opens the app servers to the load balancer only, and the database, cache and ChromaDB to the app servers only", () => {
    const rules = ingressRules(json);
    const lbGroup = ref(json, "aws_security_group", "load_balancer_SecurityGroup", "id");
    const to = (port: number) => rules.filter((r) => r.from_port === port && !r.id.startsWith("load_balancer"));
    expect(to(8000).map((r) => r.referenced_security_group_id).sort()).toEqual([lbGroup, appGroup].sort());
    expect(to(3000).map((r) => r.referenced_security_group_id)).toEqual([lbGroup]);
    expect(to(5432).map((r) => r.referenced_security_group_id)).toEqual([appGroup]);
    expect(to(6379).map((r) => r.referenced_security_group_id)).toEqual([appGroup]);
    // Only the load balancer takes traffic from an address range.
    expect(rules.filter((r) => r.cidr_ipv4 || r.cidr_ipv6).every((r) => r.id.startsWith("load_balancer_SecurityGroup"))).toBe(true);
  });

  it("keeps PostgreSQL private, encrypted, TLS-only, backed up 7 days, its password RDS's own, rotated on Sunday after the backups", () => {
    const db = onlyResource(json, "aws_db_instance");
    expect(db).toMatchObject({
      engine: "postgres",
      engine_version: "${var.db_engine_version}",
      auto_minor_version_upgrade: true,
      storage_type: "gp3",
      storage_encrypted: true,
      publicly_accessible: false,
      manage_master_user_password: true,
      backup_retention_period: "${var.db_backup_retention_days}",
      max_allocated_storage: "${var.db_max_allocated_storage}",
      deletion_protection: env === "prod",
      skip_final_snapshot: env !== "prod",
    });
    expect(db).not.toHaveProperty("password");
    expect(onlyResource(json, "aws_db_parameter_group").parameter).toEqual([{ name: "rds.force_ssl", value: "1" }]);
    expect(onlyResource(json, "aws_secretsmanager_secret_rotation")).toMatchObject({ rotate_immediately: false, rotation_rules: { schedule_expression: "cron(0 4 ? * SUN *)", duration: "1h" } });
    expect(variableDefault(json, "db_backup_retention_days")).toBe(7);
  });

  it("keeps the cache in Valkey with TLS in transit and encryption at rest", () => {
    expect(onlyResource(json, "aws_elasticache_replication_group")).toMatchObject({ engine: "valkey", transit_encryption_enabled: true, at_rest_encryption_enabled: "true", node_type: "${var.cache_node_type}" });
  });

  it("names the ChromaDB host in a private zone, so a replaced host keeps the app servers' CHROMA_SERVER_HOST", () => {
    expect(resourcesOf(json, "aws_route53_zone").find(([id]) => id.startsWith("private_zone"))![1]).toMatchObject({ name: `${name}.internal`, vpc: [{ vpc_id: expect.any(String) }] });
    expect(resourcesOf(json, "aws_route53_record").find(([id]) => id.startsWith("chroma_record"))![1]).toMatchObject({ name: `chroma.${name}.internal`, type: "A", records: [expect.stringMatching(/aws_instance\.chroma_[0-9A-F]+\.private_ip/)] });
  });

  it("rolls the app servers out launch-before-terminate (100-200 %), so one or two servers keep serving", () => {
    expect(onlyResource(json, "aws_autoscaling_group").instance_refresh.preferences).toEqual({ min_healthy_percentage: 100, max_healthy_percentage: 200 });
  });

  it("runs ChromaDB on its own private host, its data on a volume of its own with daily snapshots", () => {
    const chroma = onlyResource(json, "aws_instance");
    expect(chroma.associate_public_ip_address).toBe(false);
    expect(chroma.instance_type).toBe("${var.chroma_instance_type}");
    expect(chroma.metadata_options).toMatchObject({ http_tokens: "required" });
    expect(onlyResource(json, "aws_ebs_volume")).toMatchObject({ size: "${var.chroma_volume_size}", encrypted: true, type: "gp3" });
    expect(ingressRules(json).filter((r) => r.id.startsWith("chroma")).map((r) => [r.from_port, r.referenced_security_group_id])).toEqual([[8000, appGroup]]);
    expect(onlyResource(json, "aws_dlm_lifecycle_policy").policy_details.target_tags).toEqual({ "agent-platform:snapshot-policy": `${name}-chroma-data` });
  });

  it("moves uploads to Glacier Instant Retrieval after uploads_glacier_days, old versions away after 30 days", () => {
    const rules = onlyResource(json, "aws_s3_bucket_lifecycle_configuration").rule;
    expect(rules).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ id: "old-uploads", status: "Enabled", transition: [{ days: "${var.uploads_glacier_days}", storage_class: "GLACIER_IR" }] }),
      ]),
    );
    expect(JSON.stringify(rules)).toMatch(/"noncurrent_days":30/);
  });

  it("creates the backend and frontend repositories with immutable tags and a lifecycle keeping keep_images", () => {
    const repositories = resourcesOf(json, "aws_ecr_repository").map(([, r]) => r);
    expect(repositories.map((r) => r.name).sort()).toEqual([`${name}/backend`, `${name}/frontend`]);
    for (const r of repositories) expect(r).toMatchObject({ image_tag_mutability: "IMMUTABLE", image_scanning_configuration: { scan_on_push: true } });
    for (const [, p] of resourcesOf(json, "aws_ecr_lifecycle_policy")) expect(p.policy).toMatch(/imageCountMoreThan.*var\.keep_images/);
  });

  it("grants the app servers' role no wildcard action and names only its bucket, images, the database's secret and its log groups", () => {
    const policies = rolePolicies(json);
    const app: Record<string, Statement[]> = Object.fromEntries(
      resourcesOf(json, "aws_iam_role_policy")
        .filter(([id]) => id.startsWith("app_Role"))
        .map(([, p]) => [p.name as string, policies[p.name]!]),
    );
    expect(Object.keys(app).sort()).toEqual(["database-secret", "ecr-pull", "frontend-images", "publish-cwagent-metrics", "ssm-agent", "uploads", "write-container-logs"]);
    expect(Object.values(app).flat().flatMap((s) => list(s.Action)).filter((a) => a.includes("*"))).toEqual([]);
    expect(app["database-secret"]).toEqual([{ Sid: "ReadDatabaseSecret", Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: expect.stringMatching(/master_user_secret\[0\]\.secret_arn\}$/) }]);
    const bucket = ref(json, "aws_s3_bucket", "uploads", "arn");
    expect(app.uploads!.flatMap((s) => list(s.Resource))).toEqual([bucket, `${bucket}/*`]);
    expect(app["frontend-images"]!.flatMap((s) => list(s.Resource)).filter((r) => r !== "*")).toEqual([ref(json, "aws_ecr_repository", "frontend", "arn")]);
    expect(JSON.stringify(json)).not.toMatch(/FullAccess/);
  });

  it("allows a wildcard action only in KMS key policies", () => {
    const wildcards = policyDocuments(json).filter((d) => d.statements.some((s) => s.Effect === "Allow" && list(s.Action).some((a) => a.includes("*"))));
    expect(wildcards.map((d) => d.type).every((t) => t === "aws_kms_key")).toBe(true);
  });

  it("gives the backend its settings by the document's names, DATABASE_URL only from the secret at start", () => {
    const script = appBootScript(json);
    for (const setting of ["DB_POOL_SIZE=${var.db_pool_size}", "DB_MAX_OVERFLOW=${var.db_max_overflow}", `CHROMA_SERVER_HOST=chroma.agent-platform-${env}.internal`, "CHROMA_SERVER_PORT=8000", "REDIS_HOST=", "REDIS_PORT=6379", "REDIS_DB=${var.redis_db}", "AWS_S3_BUCKET=${aws_s3_bucket.", "WEB_CONCURRENCY=${var.backend_workers}"]) {
      expect(script).toContain(setting);
    }
    expect(script).not.toMatch(/^DATABASE_URL=/m);
    expect(script).toContain("/usr/local/sbin/agent-platform-database-url >/dev/null");
    expect(script).toContain("systemctl enable --now agent-platform-follow-password.timer");
    // The ChromaDB host's boot script is ComposeHost's own.
    expect(localStarting(json, "chroma_user_data_")).toContain("image: chromadb/chroma:1.5.9");
  });

  it("logs the backend, frontend and ChromaDB to CloudWatch, kept log_retention_days", () => {
    const groups = resourcesOf(json, "aws_cloudwatch_log_group").map(([, g]) => [g.name, g.retention_in_days]);
    expect(groups.sort()).toEqual([`/agent-platform/${env}/backend`, `/agent-platform/${env}/chroma`, `/agent-platform/${env}/frontend`].map((g) => [g, "${var.log_retention_days}"]));
  });

  it("alarms on the document's benchmarks: p95 over 2 s, 5xx, unhealthy hosts, app and database CPU, storage, connections, cache memory", () => {
    const alarms: Record<string, any> = Object.fromEntries(resourcesOf(json, "aws_cloudwatch_metric_alarm").map(([, a]) => [a.alarm_name, a]));
    const names = Object.keys(alarms);
    expect(names.every((n) => n.startsWith(`${name}-`))).toBe(true);
    for (const suffix of ["app-cpu", "database-cpu", "database-free-storage", "database-connections", "cache-memory"]) expect(names).toContain(`${name}-${suffix}`);
    const p95 = Object.values(alarms).filter((a) => a.extended_statistic === "p95");
    expect(p95.map((a) => [a.alarm_name, a.threshold]).sort()).toEqual([[`${name}-api-p95`, 2], [`${name}-response-time`, 2]]);
    expect(alarms[`${name}-api-p95`].dimensions).toEqual({ LoadBalancer: expect.any(String), TargetGroup: expect.stringMatching(/target-backend/) });
    expect(alarms[`${name}-database-free-storage`]).toMatchObject({ comparison_operator: "LessThanThreshold", threshold: "${(var.db_allocated_storage * 107374182.4)}" });
    // 80 % of max_connections, estimated from the class (about 101 per GiB): 404 for db.t3.medium.
    expect(alarms[`${name}-database-connections`].threshold).toBe("${floor((local.database_max_connections * 0.8))}");
    expect(json.locals.database_max_connections).toMatch(/"db\.t3\.medium" = 404/);
    for (const a of Object.values(alarms)) expect(a.alarm_actions, a.alarm_name).toBeDefined();
  });

  it("warns at plan time when app_max_size servers' connection pools would not fit in the database's max_connections", () => {
    expect((json as TfJson & { check: Record<string, { assert: unknown }> }).check.database_connections.assert).toEqual([
      {
        condition: "${var.app_max_size * var.backend_workers * (var.db_pool_size + var.db_max_overflow) <= local.database_max_connections}",
        error_message: expect.stringContaining("choose a larger db_instance_class"),
      },
    ]);
  });

  it("alerts by e-mail at 80 % and 100 % of the monthly budget, and on a forecast over it, when budget_emails are given", () => {
    const budget = onlyResource(json, "aws_budgets_budget");
    expect(budget).toMatchObject({ budget_type: "COST", time_unit: "MONTHLY", limit_amount: "${tostring(var.budget_limit_usd)}", count: "${(length(var.budget_emails) >= 1) ? 1 : 0}" });
    expect(budget.notification.map((n: { notification_type: string; threshold: number }) => [n.notification_type, n.threshold])).toEqual([["ACTUAL", 80], ["ACTUAL", 100], ["FORECASTED", 100]]);
    expect(variableDefault(json, "budget_limit_usd")).toBe(500);
  });

  it("checks both health paths through the load balancer after apply (the health gate and health-check.sh), paths from the variables", () => {
    expect(json.locals.health_checks_https).toBe(
      '${jsonencode([{"name" = "frontend", "protocol" = "https", "port" = 443, "path" = var.frontend_health_path}, {"name" = "backend", "protocol" = "https", "port" = 443, "path" = var.backend_health_path}])}',
    );
    expect(json.output.health_checks.value.checks).toMatch(/local\.health_checks_https : local\.health_checks_http\)\}$/);
  });

  it("gives the outputs the issue lists, each described, and the document's own estimate beside the stack's", () => {
    for (const output of ISSUE_OUTPUTS) {
      expect(json.output[output], output).toBeDefined();
      expect(json.output[output].description, output).toBeTruthy();
    }
    expect(json.output.document_monthly_cost.value).toMatch(env === "dev" ? /^Option A: ~\$348\/month/ : /^Option B: ~\$245\/month/);
    expect(Object.keys(json.output.cost_breakdown.value)).toEqual(expect.arrayContaining(["network-nat-gateways", "network-nat-public-ipv4", "load_balancer-public-ipv4", "chroma-instance", "chroma-volumes"]));
  });
});
