// The H3 pipeline stacks (dev on ClickHouse Cloud, prod with three self-hosted ClickHouse nodes), synthesized: property
// assertions on what each resource is configured to do. The nodes' boot script is checked rendered in
// h3-pipeline-boot.test.ts, the variables in h3-pipeline-variables.test.ts, the plans in stack-plans.test.ts.
import { readFileSync } from "node:fs";
import { idOf, onlyResource, ref, resourcesOf, synthSystem, TfJson, variableDefault } from "./support/synth.js";
import { list, policyDocuments, rolePolicies } from "./support/policies.js";

/** The outputs the issue lists. */
const ISSUE_OUTPUTS = [
  "app_url", "ecr_repository_url", "cluster_name", "service_name", "ecs_exec_command", "data_bucket", "clickhouse_password_secret_arn",
  "clickhouse_endpoint", "dashboard_url", "estimated_monthly_cost_usd", "cost_breakdown",
];

const dev = synthSystem("h3-pipeline", "dev");
const prod = synthSystem("h3-pipeline", "prod");
const both: [string, TfJson][] = [["dev", dev], ["prod", prod]];

describe("h3-pipeline inputs", () => {
  it("documents every variable but the secrets in environments/h3-pipeline/terraform.tfvars.example, and nothing else", () => {
    const example = readFileSync("environments/h3-pipeline/terraform.tfvars.example", "utf8");
    const documented = [...example.matchAll(/^([a-z0-9_]+)\s*=/gm)].map((m) => m[1]).sort();
    const secrets = Object.entries(prod.variable).filter(([, v]) => (v as { sensitive?: boolean }).sensitive).map(([n]) => n);
    expect(secrets.sort()).toEqual(["clickhouse_ca_key", "clickhouse_password"]);
    expect(documented).toEqual(Object.keys(prod.variable).filter((n) => !secrets.includes(n)).sort());
  });

  it("keeps the secrets sensitive and ephemeral, written only through secret_string_wo", () => {
    for (const name of ["clickhouse_password", "clickhouse_ca_key"]) expect(prod.variable[name]).toMatchObject({ sensitive: true, ephemeral: true });
    const text = JSON.stringify(prod);
    const uses = (name: string) => (text.match(new RegExp(`var\\.${name}\\b`, "g")) ?? []).length;
    // In their own validations, and once each as a write-only value.
    const versions = resourcesOf(prod, "aws_secretsmanager_secret_version").map(([, v]) => v);
    expect(versions.map((v) => v.secret_string_wo).sort()).toEqual(["${var.clickhouse_ca_key}", "${var.clickhouse_password}"]);
    expect(versions.every((v) => v.secret_string === undefined)).toBe(true);
    expect(uses("clickhouse_password")).toBe(1 + (JSON.stringify(prod.variable.clickhouse_password).match(/var\.clickhouse_password\b/g) ?? []).length);
  });

  it("names in docs/h3-pipeline.md the repository the first apply targets", () => {
    const docs = readFileSync("docs/h3-pipeline.md", "utf8");
    const targeted = [...docs.matchAll(/-target='(aws_ecr_repository\.[^']+)'/g)].map((m) => m[1]);
    for (const json of [dev, prod]) expect(targeted).toEqual(resourcesOf(json, "aws_ecr_repository").map(([id]) => `aws_ecr_repository.${id}`));
    expect(docs).toContain(`aws_instance.${idOf(prod, "aws_instance", "clickhouse")}[0]`);
  });
});

describe.each(both)("h3-pipeline-%s", (env, json) => {
  const name = `h3-pipeline-${env}`;
  const tasksGroup = ref(json, "aws_security_group", "tasks_security_group", "id");

  it("defaults to ClickHouse Cloud in dev and to the three self-hosted nodes in prod", () => {
    expect(variableDefault(json, "clickhouse_deployment")).toBe(env === "dev" ? "cloud" : "self-hosted");
    expect([variableDefault(json, "min_tasks"), variableDefault(json, "max_tasks")]).toEqual(env === "dev" ? [1, 2] : [2, 20]);
  });

  it("creates the service after the load balancer's listeners: ECS registers tasks only in a target group with a load balancer", () => {
    const dependsOn: string[] = onlyResource(json, "aws_ecs_service").depends_on;
    expect(dependsOn.filter((d) => d.startsWith("aws_lb_listener.")).map((d) => d.replace(/_[0-9A-F]{8}$/, "")).sort()).toEqual(["aws_lb_listener.load_balancer_Http", "aws_lb_listener.load_balancer_Https"]);
  });

  it(`spreads a created network over ${env === "prod" ? "three zones, one per ClickHouse node" : "two zones"}`, () => {
    const zones = env === "prod" ? 3 : 2;
    for (const [, subnet] of resourcesOf(json, "aws_subnet")) expect(subnet.count).toBe(`\${(length(var.vpc_id) < 1) ? ${zones} : 0}`);
  });

  it("never replaces the ClickHouse nodes all at once for a new boot script (Keeper's quorum): they are rolled one by one", () => {
    expect(onlyResource(json, "aws_instance")).toMatchObject({ user_data_replace_on_change: false, lifecycle: { ignore_changes: ["ami", "user_data_base64"] } });
  });

  it("runs the tasks on Fargate in the private subnets, behind the load balancer on 3000, with circuit breaker, rollback and ECS Exec", () => {
    const service = onlyResource(json, "aws_ecs_service");
    expect(service).toMatchObject({
      launch_type: "FARGATE",
      enable_execute_command: true,
      deployment_circuit_breaker: { enable: true, rollback: true },
      network_configuration: { assign_public_ip: false, security_groups: [tasksGroup] },
      load_balancer: [{ container_name: "app", container_port: 3000, target_group_arn: ref(json, "aws_lb_target_group", "target-app", "arn") }],
      lifecycle: { ignore_changes: ["desired_count"] },
    });
    expect(service.network_configuration.subnets).toMatch(/network_PrivateSubnet_[0-9A-F]+\[\*\]\.id : var\.private_subnet_ids/);
    expect(onlyResource(json, "aws_ecs_task_definition")).toMatchObject({ cpu: "${var.task_cpu}", memory: "${var.task_memory}", network_mode: "awsvpc", requires_compatibilities: ["FARGATE"] });
    expect(onlyResource(json, "aws_lb_target_group")).toMatchObject({ port: 3000, target_type: "ip", health_check: { path: "${var.health_check_path}", interval: 30 } });
  });

  it("gives the application the document's environment, and CLICKHOUSE_PASSWORD only from the secret", () => {
    const definitions: string = onlyResource(json, "aws_ecs_task_definition").container_definitions;
    // Literals quoted, Terraform values as references (never the text of one, as String() of a number token gave).
    for (const [key, value] of [["PORT", '"3000"'], ["NODE_ENV", '"production"'], ["AWS_REGION", "var.aws_region"], ["CLICKHOUSE_PORT", "var.clickhouse_port"], ["CLICKHOUSE_USER", "var.clickhouse_user"], ["CLICKHOUSE_DATABASE", "var.clickhouse_database"]]) {
      expect(definitions, key).toMatch(new RegExp(`"name" = "${key}", "value" = ${value.replace(/[.$]/g, "\\$&")}\\}`));
    }
    expect(definitions).not.toMatch(/"value" = "[^"]*var\./);
    expect(definitions).toMatch(/"name" = "CLICKHOUSE_CA_CERT", "value" = \(var\.clickhouse_deployment == "self-hosted"\) \? var\.clickhouse_ca_cert : ""\}/);
    expect(definitions).toMatch(/"name" = "S3_BUCKET", "value" = aws_s3_bucket\.data_bucket_[0-9A-F]+\.bucket/);
    expect(definitions).toMatch(/"name" = "CLICKHOUSE_HOST", "value" = \(var\.clickhouse_deployment == "self-hosted"\) \? /);
    expect(definitions).toMatch(/"secrets" = \[\{"name" = "CLICKHOUSE_PASSWORD", "valueFrom" = /);
    expect(definitions).not.toMatch(/"name" = "CLICKHOUSE_PASSWORD", "value"/);
    // The tracing collector beside it, not essential (tracing must not take the service down).
    expect(definitions).toMatch(/"name" = "collector", [^\]]*"essential" = false/);
  });

  it("lets only the execution role read the password's secret; the task role reaches its bucket and X-Ray", () => {
    const policies = rolePolicies(json);
    const byRole = (prefix: string) => Object.fromEntries(resourcesOf(json, "aws_iam_role_policy").filter(([id]) => id.startsWith(prefix)).map(([, p]) => [p.name as string, policies[p.name]!]));
    const execution = byRole("service_ExecutionRole");
    const task = byRole("service_TaskRole");
    expect(JSON.stringify(execution)).toMatch(/secretsmanager:GetSecretValue/);
    expect(JSON.stringify(task)).not.toMatch(/secretsmanager/);
    expect(Object.keys(task).sort()).toEqual(["data-bucket", "ecs-exec", "tracing"]);
    const bucket = ref(json, "aws_s3_bucket", "data_bucket", "arn");
    expect(task["data-bucket"]!.flatMap((s) => list(s.Resource))).toEqual([bucket, `${bucket}/*`]);
    expect(task.tracing!.flatMap((s) => list(s.Action)).sort()).toEqual(["xray:GetSamplingRules", "xray:GetSamplingStatisticSummaries", "xray:GetSamplingTargets", "xray:PutTelemetryRecords", "xray:PutTraceSegments"]);
    const actions = Object.values(policies).flat().flatMap((s) => list(s.Action));
    expect(actions.filter((a) => a.includes("*"))).toEqual([]);
    expect(policyDocuments(json).filter((d) => d.type !== "aws_kms_key").flatMap((d) => d.statements).filter((s) => s.Effect === "Allow" && list(s.Action).some((a) => a.includes("*")))).toEqual([]);
  });

  it("scales on 70 % CPU and 80 % memory between min_tasks and max_tasks, out after 60 s and in after 300 s", () => {
    expect(onlyResource(json, "aws_appautoscaling_target")).toMatchObject({ min_capacity: "${var.min_tasks}", max_capacity: "${var.max_tasks}", scalable_dimension: "ecs:service:DesiredCount" });
    const policies = resourcesOf(json, "aws_appautoscaling_policy").map(([, p]) => p.target_tracking_scaling_policy_configuration);
    expect(policies.map((p) => [p.predefined_metric_specification.predefined_metric_type, p.target_value, p.scale_out_cooldown, p.scale_in_cooldown]).sort()).toEqual([
      ["ECSServiceAverageCPUUtilization", "${var.cpu_target}", "${var.scale_out_cooldown}", "${var.scale_in_cooldown}"],
      ["ECSServiceAverageMemoryUtilization", "${var.memory_target}", "${var.scale_out_cooldown}", "${var.scale_in_cooldown}"],
    ]);
  });

  it("keeps the data in a per-environment bucket with the document's lifecycle per prefix", () => {
    expect(onlyResource(json, "aws_s3_bucket").bucket_prefix).toBe(`${name}-trips-`);
    const rules = Object.fromEntries(onlyResource(json, "aws_s3_bucket_lifecycle_configuration").rule.map((r: { id: string }) => [r.id, r]));
    expect(rules.uploads).toMatchObject({ filter: [{ prefix: "uploads/" }], transition: [{ days: "${var.uploads_glacier_days}", storage_class: "GLACIER" }] });
    expect(rules.processed).toMatchObject({ filter: [{ prefix: "processed/" }], expiration: [{ days: "${var.processed_expiration_days}" }] });
    expect(rules.backups).toMatchObject({ filter: [{ prefix: "backups/" }], transition: [{ days: "${var.backups_glacier_days}", storage_class: "GLACIER_IR" }] });
    expect(JSON.stringify(rules)).toMatch(/abort_incomplete_multipart_upload/);
  });

  it("logs the tasks to the document's /ecs/h3-clickhouse-app (with the environment outside prod) and the nodes to /clickhouse/server", () => {
    const groups = resourcesOf(json, "aws_cloudwatch_log_group").map(([, g]) => g.name).sort();
    expect(groups).toContain(env === "prod" ? "/ecs/h3-clickhouse-app" : "/ecs/h3-clickhouse-app-dev");
    expect(groups).toContain("/clickhouse/server");
  });

  it("counts every self-hosted resource on clickhouse_deployment, so a Cloud stack holds none of them", () => {
    expect(json.locals.clickhouse_node_count).toBe('${(var.clickhouse_deployment == "self-hosted") ? 3 : 0}');
    for (const type of ["aws_instance", "aws_ebs_volume", "aws_volume_attachment"]) expect(onlyResource(json, type).count, type).toBe("${local.clickhouse_node_count}");
    for (const id of ["clickhouse_zone", "clickhouse_ca_key_secret"]) expect(resourcesOf(json, "aws_route53_zone").concat(resourcesOf(json, "aws_secretsmanager_secret")).find(([i]) => i.startsWith(id))![1].count).toBe('${(var.clickhouse_deployment == "self-hosted") ? 1 : 0}');
  });

  it("opens the nodes' TLS ports to the tasks only and the cluster's ports to the nodes only", () => {
    const rules = resourcesOf(json, "aws_vpc_security_group_ingress_rule").filter(([id]) => id.startsWith("clickhouse_security_group")).map(([, r]) => [r.from_port, r.referenced_security_group_id]);
    const nodes = ref(json, "aws_security_group", "clickhouse_security_group", "id");
    expect(rules.sort()).toEqual([[8443, tasksGroup], [9000, nodes], [9009, nodes], [9181, nodes], [9234, nodes], [9440, tasksGroup]].sort());
  });

  it("gives the nodes gp3 volumes of the document's size and IOPS, three nodes named in a private zone", () => {
    expect(onlyResource(json, "aws_ebs_volume")).toMatchObject({ type: "gp3", encrypted: true, size: "${var.clickhouse_volume_size}", iops: "${var.clickhouse_volume_iops}", throughput: "${var.clickhouse_volume_throughput}" });
    expect(onlyResource(json, "aws_instance")).toMatchObject({ instance_type: "${var.clickhouse_instance_type}", associate_public_ip_address: false, metadata_options: { http_tokens: "required", http_put_response_hop_limit: 1 } });
    expect(resourcesOf(json, "aws_route53_zone").find(([id]) => id.startsWith("clickhouse_zone"))![1]).toMatchObject({ name: `${name}.internal`, vpc: [{ vpc_id: expect.any(String) }] });
  });

  it("lets the nodes read the CA key and the password, and write only the bucket's backups/", () => {
    const policies = rolePolicies(json);
    expect(policies.backups!.flatMap((s) => list(s.Resource))).toEqual([ref(json, "aws_s3_bucket", "data_bucket", "arn"), `${ref(json, "aws_s3_bucket", "data_bucket", "arn")}/backups/*`]);
    const secrets = resourcesOf(json, "aws_iam_role_policy").find(([, p]) => p.name === "clickhouse-secrets")![1];
    expect(secrets.count).toBe('${(var.clickhouse_deployment == "self-hosted") ? 1 : 0}');
  });

  it("alarms on the tasks' CPU and memory, healthy tasks, 5xx, latency and the nodes' disks below 20 % free", () => {
    const alarms: Record<string, any> = Object.fromEntries(resourcesOf(json, "aws_cloudwatch_metric_alarm").map(([, a]) => [a.alarm_name, a]));
    for (const suffix of ["tasks-cpu", "tasks-memory", "healthy-tasks", "error-rate", "clickhouse-1-disk", "clickhouse-2-disk", "clickhouse-3-disk"]) expect(Object.keys(alarms)).toContain(`${name}-${suffix}`);
    expect(alarms[`${name}-clickhouse-1-disk`]).toMatchObject({ metric_name: "disk_used_percent", threshold: 80 });
    expect(Object.values(alarms).find((a) => a.extended_statistic === "p95")!.threshold).toBe(1);
  });

  it("reaches ClickHouse Cloud through PrivateLink only when its service name is given, private DNS answered by its own zone", () => {
    expect(resourcesOf(json, "aws_vpc_endpoint").find(([id]) => id.startsWith("clickhouse_endpoint"))![1]).toMatchObject({
      count: '${(length(var.clickhouse_privatelink_service_name) >= 1) ? 1 : 0}',
      vpc_endpoint_type: "Interface",
      private_dns_enabled: false,
    });
  });

  it("gives the outputs the issue lists, each described", () => {
    for (const output of ISSUE_OUTPUTS) {
      expect(json.output[output], output).toBeDefined();
      expect(json.output[output].description, output).toBeTruthy();
    }
    expect(Object.keys(json.output.cost_breakdown.value)).toEqual(expect.arrayContaining(["service-vcpu", "service-memory", "load_balancer-hours", "network-nat-gateways", "clickhouse-instances", "clickhouse-volumes"]));
  });
});
