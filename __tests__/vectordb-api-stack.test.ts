import { parse as parseYaml } from "yaml";
import { METRIC_NAMESPACE, SECRET_KEYS } from "../stacks/vectordb-api/application.js";
import { bootScriptOf, idOf, onlyResource, resourcesOf, synthVectordb, TfJson } from "./support/synth.js";
import { list, policyDocuments, rolePolicies, statementsOf } from "./support/policies.js";

/** The outputs the issue lists (the operator's endpoints, commands and costs). */
const ISSUE_OUTPUTS = [
  "api_url", "health_url", "csv_bucket", "dynamodb_table", "cache_endpoint", "secret_arn", "session_manager_command",
  "flower_port_forward_command", "dashboard_urls", "estimated_monthly_cost_usd", "cost_breakdown",
];
/** The four API keys: sensitive, ephemeral variables, written to the secret as a JSON object of these keys. */
const SECRET_VARIABLES = ["api_key", "openai_api_key", "pinecone_api_key", "metabase_api_key"];

const dev = synthVectordb("dev");
const prod = synthVectordb("prod");
const both: [string, TfJson][] = [["dev", dev], ["prod", prod]];

/** `${expr}` without its delimiters. */
const bare = (token: string) => /^\$\{([\s\S]*)\}$/.exec(token)?.[1] ?? token;
const ingressRules = (json: TfJson) => resourcesOf(json, "aws_vpc_security_group_ingress_rule").map(([, r]) => r);
/** `${aws_security_group.<id>.id}` of the instance's one security group. */
const instanceGroupOf = (json: TfJson): string => onlyResource(json, "aws_instance").vpc_security_group_ids[0];

/** The compose file the boot script writes, as synthesized (Terraform references still in it), parsed. */
function composeOf(json: TfJson): { services: Record<string, { ports?: string[]; command?: string[]; network_mode?: string }> } {
  const m = /^cat > \/opt\/vectordb-api\/docker-compose\.yml <<'YAML'\n([\s\S]*?)\nYAML$/m.exec(bootScriptOf(json));
  if (!m) throw new Error("the boot script writes no /opt/vectordb-api/docker-compose.yml");
  return parseYaml(m[1]!, { merge: true });
}

describe("the policy reader", () => {
  it("reads HCL object syntax with interpolations, bare expressions and escapes, and JSON", () => {
    const hcl = '${jsonencode({"Statement" = [{"Sid" = "A", "Action" = ["s3:GetObject"], "Resource" = [aws_s3_bucket.b[*].arn, "${one(x["k"])}/*"], "Condition" = {"StringEquals" = {"k" = "say \\"hi\\""}}}]})}';
    expect(statementsOf(hcl)).toEqual([
      { Sid: "A", Action: ["s3:GetObject"], Resource: ["${aws_s3_bucket.b[*].arn}", '${one(x["k"])}/*'], Condition: { StringEquals: { k: 'say "hi"' } } },
    ]);
    expect(statementsOf('{"Statement":[{"Effect":"Deny","Action":"s3:*","Resource":"${aws_s3_bucket.b.arn}"}]}')).toEqual([
      { Effect: "Deny", Action: "s3:*", Resource: "${aws_s3_bucket.b.arn}" },
    ]);
  });
});

describe.each(both)("vectordb-api-%s", (env, json) => {
  const name = `vectordb-api-${env}`;
  const suffix = env === "prod" ? "" : `-${env}`;

  it("attaches no managed policy, *FullAccess or other: the role's permissions are its own inline policies", () => {
    expect(json.resource.aws_iam_role_policy_attachment).toBeUndefined();
    expect(json.resource.aws_iam_policy_attachment).toBeUndefined();
    expect(onlyResource(json, "aws_iam_role")).not.toHaveProperty("managed_policy_arns");
    expect(JSON.stringify(json)).not.toMatch(/FullAccess|:iam::aws:policy\//);
  });

  it("grants the instance role no wildcard action", () => {
    const actions = Object.values(rolePolicies(json)).flat().flatMap((s) => list(s.Action));
    expect(actions.length).toBeGreaterThan(20);
    expect(actions.filter((a) => a.includes("*"))).toEqual([]);
  });

  it("allows a wildcard action nowhere but in KMS key policies: the account administering its key, CloudWatch publishing to the topic", () => {
    const wildcards = policyDocuments(json).flatMap((d) =>
      d.statements.filter((s) => s.Effect === "Allow" && list(s.Action).some((a) => a.includes("*"))).map((s) => ({ ...d, statement: s })),
    );
    expect(wildcards.length).toBeGreaterThan(0);
    for (const { type, where, statement } of wildcards) {
      expect(type, where).toBe("aws_kms_key");
      const principal = statement.Principal as { AWS?: string; Service?: string };
      if (principal.AWS) expect([principal.AWS, statement.Action], where).toEqual([expect.stringMatching(/:iam::\$\{data\.aws_caller_identity\.account\.account_id\}:root$/), "kms:*"]);
      else expect(principal.Service, where).toBe("cloudwatch.amazonaws.com");
    }
  });

  it("names in the role's statements only the CSV bucket, the task table and its indexes, the secret and its key, the two log groups", () => {
    const policies = rolePolicies(json);
    const resources = (policy: string) => policies[policy]!.flatMap((s) => list(s.Resource));
    const bucketArn = `aws_s3_bucket.${idOf(json, "aws_s3_bucket")}.arn`;
    const tableArn = `aws_dynamodb_table.${idOf(json, "aws_dynamodb_table")}.arn`;
    const secret = onlyResource(json, "aws_secretsmanager_secret");
    const secretKey = /aws_kms_key\.[A-Za-z0-9_-]+/.exec(secret.kms_key_id)![0];
    const logGroup = (group: string) => `arn:\${data.aws_partition.partition.partition}:logs:\${var.aws_region}:\${data.aws_caller_identity.account.account_id}:log-group:${group}:*`;

    expect(Object.keys(policies).sort()).toEqual(["api-secrets", "csv-bucket", "ecr-pull", "publish-cwagent-metrics", "queue-depth-metric", "ssm-agent", "task-table", "write-container-logs"]);
    expect(resources("csv-bucket")).toEqual([`\${${bucketArn}}`, `\${${bucketArn}}/*`]);
    expect(resources("task-table")).toEqual([`\${${tableArn}}`, `\${${tableArn}}/index/*`]);
    expect(policies["api-secrets"]).toEqual([
      expect.objectContaining({ Action: ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"], Resource: [`\${one(aws_secretsmanager_secret.${idOf(json, "aws_secretsmanager_secret")}[*].arn)}`] }),
      expect.objectContaining({
        Action: ["kms:Decrypt"],
        Resource: `\${${secretKey}[*].arn}`,
        Condition: { StringEquals: { "kms:ViaService": ["secretsmanager.${var.aws_region}.amazonaws.com"] } },
      }),
    ]);
    expect(resources("write-container-logs")).toEqual([logGroup(`/aws/ec2/vectordb-api${suffix}`), logGroup(`/aws/ec2/vectordb-worker${suffix}`)]);
    expect(resources("ecr-pull").filter((r) => r !== "*")).toEqual([expect.stringMatching(/:repository\/\$\{var\.ecr_repository\}$/)]);
  });

  it("names no resource only where AWS allows none (ECR login, Session Manager's agent) or a condition narrows it to a metric namespace", () => {
    const unnamed = Object.values(rolePolicies(json)).flat().filter((s) => list(s.Resource).includes("*"));
    expect(unnamed.map((s) => s.Sid).sort()).toEqual(["CwAgentMetrics", "EcrLogin", "QueueDepth", "SsmAgent"]);
    expect(unnamed.find((s) => s.Sid === "EcrLogin")!.Action).toBe("ecr:GetAuthorizationToken");
    expect(unnamed.find((s) => s.Sid === "QueueDepth")).toMatchObject({ Action: "cloudwatch:PutMetricData", Condition: { StringEquals: { "cloudwatch:namespace": METRIC_NAMESPACE } } });
    expect(unnamed.find((s) => s.Sid === "CwAgentMetrics")).toMatchObject({ Action: "cloudwatch:PutMetricData", Condition: { StringEquals: { "cloudwatch:namespace": "CWAgent" } } });
  });

  it("puts the instance in the first private subnet, with no public address", () => {
    const instance = onlyResource(json, "aws_instance");
    const privateSubnets = onlyResource(json, "aws_elasticache_subnet_group").subnet_ids;
    expect(privateSubnets).toMatch(/^\$\{\(length\(var\.vpc_id\) < 1\) \? aws_subnet\.network_PrivateSubnet_[0-9A-F]{8}\[\*\]\.id : var\.private_subnet_ids\}$/);
    expect(instance.subnet_id).toBe(`\${element(${bare(privateSubnets)}, 0)}`);
    expect(instance.associate_public_ip_address ?? false).toBe(false);
    const created = resourcesOf(json, "aws_subnet").find(([id]) => privateSubnets.includes(`aws_subnet.${id}[*]`))![1];
    expect(created.map_public_ip_on_launch).toBe(false);
    expect(json.resource.aws_eip_association).toBeUndefined();
    expect(resourcesOf(json, "aws_eip").map(([id]) => id)).toEqual([expect.stringMatching(/^network_NatIp_/)]);
  });

  it("opens port 8000 only to the load balancer's security group", () => {
    const balancerGroup = onlyResource(json, "aws_lb").security_groups[0];
    const api = ingressRules(json).filter((r) => r.from_port <= 8000 && 8000 <= r.to_port);
    expect(api).toEqual([expect.objectContaining({ from_port: 8000, to_port: 8000, ip_protocol: "tcp", referenced_security_group_id: balancerGroup, security_group_id: instanceGroupOf(json) })]);
    for (const source of ["cidr_ipv4", "cidr_ipv6", "prefix_list_id"]) expect(api[0]).not.toHaveProperty(source);
    expect(onlyResource(json, "aws_lb_target_group")).toMatchObject({ port: 8000, protocol: "HTTP" });
    expect(onlyResource(json, "aws_lb_target_group_attachment")).toMatchObject({ port: 8000, target_id: `\${aws_instance.${idOf(json, "aws_instance")}.id}` });
  });

  it("opens SSH only with a key pair, to each of ssh_allowed_cidr_blocks", () => {
    const ssh = ingressRules(json).filter((r) => r.from_port <= 22 && 22 <= r.to_port);
    expect(ssh).toEqual([
      expect.objectContaining({
        from_port: 22,
        to_port: 22,
        security_group_id: instanceGroupOf(json),
        cidr_ipv4: "${each.value}",
        for_each: "${toset((length(var.key_pair_name) >= 1) ? var.ssh_allowed_cidr_blocks : [])}",
      }),
    ]);
    expect(onlyResource(json, "aws_instance").key_name).toBe("${(length(var.key_pair_name) >= 1) ? var.key_pair_name : null}");
  });

  it("publishes Flower on 127.0.0.1 only, and the worker on no port", () => {
    const { services } = composeOf(json);
    expect(Object.keys(services).sort()).toEqual(["app", "flower", "worker"]);
    const flower = services.flower!;
    // On the host's network (no published ports) Flower itself binds 127.0.0.1; on a bridge its port is published there.
    if (flower.network_mode === "host") {
      expect(flower.ports).toBeUndefined();
      expect(flower.command).toContain("--address=127.0.0.1");
    } else expect(flower.ports).toEqual(["127.0.0.1:5555:5555"]);
    expect(services.worker!.ports).toBeUndefined();
  });

  it("runs the worker with --concurrency, --time-limit and --soft-time-limit from max_workers and task_timeout", () => {
    const { command } = composeOf(json).services.worker!;
    expect(command!.slice(0, 4)).toEqual(["celery", "-A", "app.celery_config", "worker"]);
    expect(command).toEqual(expect.arrayContaining(["--concurrency=${var.max_workers}", "--time-limit=${var.task_timeout}", "--soft-time-limit=${(var.task_timeout - 60)}"]));
  });

  it("writes the four API keys only through secret_string_wo, from sensitive ephemeral variables, as one JSON object", () => {
    const version = onlyResource(json, "aws_secretsmanager_secret_version");
    const object = SECRET_KEYS.map((key, i) => `"${key}" = var.${SECRET_VARIABLES[i]}`).join(", ");
    expect(version.secret_string_wo).toBe(`\${jsonencode({${object}})}`);
    expect(version.secret_string_wo_version).toBe("${var.secrets_version}");
    expect(version).not.toHaveProperty("secret_string");
    expect(onlyResource(json, "aws_secretsmanager_secret")).toMatchObject({ name: `vectordb-api-secrets-${env}`, kms_key_id: expect.stringContaining("aws_kms_key.") });
    for (const variable of SECRET_VARIABLES) expect(json.variable[variable], variable).toEqual(expect.objectContaining({ type: "string", default: "", sensitive: true, ephemeral: true }));
  });

  it("references the API keys nowhere else: not in user data, locals, outputs or any other resource", () => {
    const { aws_secretsmanager_secret_version: _written, ...others } = json.resource;
    const elsewhere = JSON.stringify({ ...json, resource: others, variable: {} });
    for (const variable of SECRET_VARIABLES) expect(elsewhere, variable).not.toMatch(new RegExp(`\\bvar\\.${variable}\\b`));
  });

  it("keeps the broker in Valkey with TLS in transit and encryption at rest, reachable only from the instance's group", () => {
    const cache = onlyResource(json, "aws_elasticache_replication_group");
    expect(cache).toMatchObject({ engine: "valkey", transit_encryption_enabled: true, transit_encryption_mode: "required", num_cache_clusters: 1, port: 6379 });
    expect(String(cache.at_rest_encryption_enabled)).toBe("true");
    expect(cache.engine_version).toMatch(/^8\./);
    expect(cache.security_group_ids).toHaveLength(1);
    const reaching = ingressRules(json).filter((r) => r.security_group_id === cache.security_group_ids[0]);
    expect(reaching).toEqual([expect.objectContaining({ from_port: 6379, to_port: 6379, referenced_security_group_id: instanceGroupOf(json) })]);
    expect(reaching[0]).not.toHaveProperty("cidr_ipv4");
    expect(reaching[0]).not.toHaveProperty("cidr_ipv6");
  });

  it("gives the application only rediss:// broker URLs", () => {
    const env = /^cat > \/etc\/vectordb-api\/app\.env <<'ENV'\n([\s\S]*?)\nENV$/m.exec(bootScriptOf(json))![1]!;
    const urls = env.split("\n").filter((l) => /^(REDIS_URL|CELERY_BROKER_URL|CELERY_RESULT_BACKEND)=/.test(l));
    expect(urls).toHaveLength(3);
    for (const line of urls) expect(line).toMatch(/^[A-Z_]+=rediss:\/\/\$\{aws_elasticache_replication_group\.[^}]+\.primary_endpoint_address\}:6379\/0/);
    expect(env).toContain("REDIS_SSL=true");
  });

  it("deletes CSV files after csv_retention_days, their old versions and delete markers after 7 days, unfinished uploads", () => {
    const rules = onlyResource(json, "aws_s3_bucket_lifecycle_configuration").rule as any[];
    expect(onlyResource(json, "aws_s3_bucket_versioning").versioning_configuration.status).toBe("Enabled");
    expect(rules.find((r) => r.id === "csv-files")).toMatchObject({ status: "Enabled", expiration: [{ days: "${var.csv_retention_days}" }], filter: [{}] });
    expect(rules.find((r) => r.noncurrent_version_expiration)).toMatchObject({ status: "Enabled", noncurrent_version_expiration: [{ noncurrent_days: 7 }], expiration: [{ expired_object_delete_marker: true }] });
    expect(rules.find((r) => r.abort_incomplete_multipart_upload)).toMatchObject({ status: "Enabled", abort_incomplete_multipart_upload: [{ days_after_initiation: 7 }] });
  });

  it(`keeps tasks in vectordb-tasks-${env} by task_id, with point-in-time recovery and deletion protection ${env === "prod" ? "on" : "off"}`, () => {
    expect(onlyResource(json, "aws_dynamodb_table")).toEqual(
      expect.objectContaining({
        name: `vectordb-tasks-${env}`,
        hash_key: "task_id",
        attribute: [{ name: "task_id", type: "S" }],
        billing_mode: "PAY_PER_REQUEST",
        point_in_time_recovery: { enabled: true },
        deletion_protection_enabled: env === "prod",
      }),
    );
  });

  it("serves HTTPS with a TLS 1.2+ policy whenever it has a certificate, and then redirects HTTP to it", () => {
    const https = resourcesOf(json, "aws_lb_listener").find(([, l]) => l.port === 443)![1];
    const http = resourcesOf(json, "aws_lb_listener").find(([, l]) => l.port === 80)![1];
    expect(https).toMatchObject({ protocol: "HTTPS", ssl_policy: expect.stringMatching(/^ELBSecurityPolicy-TLS13-1-2-/) });
    const hasCertificate = /^\$\{(.*) \? 1 : 0\}$/.exec(https.count)![1]!;
    expect(hasCertificate).toContain("var.certificate_arn");
    expect(hasCertificate).toContain("var.domain_name");
    expect(http.protocol).toBe("HTTP");
    expect(http.default_action[0].dynamic.redirect).toEqual({ for_each: `\${${hasCertificate} ? ["https"] : []}`, content: { port: "443", protocol: "HTTPS", status_code: "HTTP_301" } });
  });

  it("waits 300 s on idle connections and checks /api/v1/health for a 200", () => {
    expect(onlyResource(json, "aws_lb")).toMatchObject({ idle_timeout: 300, internal: false, drop_invalid_header_fields: true });
    expect(onlyResource(json, "aws_lb_target_group").health_check).toMatchObject({ enabled: true, path: "/api/v1/health", matcher: "200", port: "traffic-port" });
  });

  it("stops the plan without a domain or certificate unless allow_http_only, naming what to set", () => {
    const [precondition, ...others] = onlyResource(json, "aws_lb").lifecycle.precondition;
    expect(others).toEqual([]);
    for (const variable of ["var.certificate_arn", "var.domain_name", "var.allow_http_only"]) expect(precondition.condition).toContain(variable);
    for (const variable of ["domain_name", "hosted_zone_name", "certificate_arn", "allow_http_only"]) expect(precondition.error_message).toContain(variable);
  });

  it(`logs to /aws/ec2/vectordb-api${suffix} and /aws/ec2/vectordb-worker${suffix}, kept log_retention_days`, () => {
    const groups = resourcesOf(json, "aws_cloudwatch_log_group").map(([, g]) => g);
    expect(groups.map((g) => g.name).sort()).toEqual([`/aws/ec2/vectordb-api${suffix}`, `/aws/ec2/vectordb-worker${suffix}`]);
    for (const group of groups) expect(group.retention_in_days).toBe("${var.log_retention_days}");
    expect(json.output.log_groups.value).toEqual([`/aws/ec2/vectordb-api${suffix}`, `/aws/ec2/vectordb-worker${suffix}`]);
  });

  it(`names every alarm ${name}-*, the queue depth over 100 tasks among them`, () => {
    const alarms = resourcesOf(json, "aws_cloudwatch_metric_alarm").map(([, a]) => a);
    expect(alarms.length).toBeGreaterThanOrEqual(10);
    for (const alarm of alarms) expect(alarm.alarm_name).toMatch(new RegExp(`^${name}-[a-z0-9-]+$`));
    expect(alarms.find((a) => a.metric_name === "QueueDepth")).toMatchObject({
      alarm_name: `${name}-queue-depth`,
      namespace: METRIC_NAMESPACE,
      dimensions: { Stack: name },
      threshold: 100,
      comparison_operator: "GreaterThanThreshold",
      alarm_actions: expect.stringContaining("aws_sns_topic."),
    });
  });

  it("alarms on CPU over 80 %, memory over 90 %, 5xx over 1 % of requests, p95 response time and unhealthy targets", () => {
    const alarms = Object.fromEntries(resourcesOf(json, "aws_cloudwatch_metric_alarm").map(([, a]) => [a.alarm_name.slice(name.length + 1), a]));
    expect(alarms.cpu).toMatchObject({ metric_name: "CPUUtilization", threshold: 80 });
    expect(alarms.memory).toMatchObject({ metric_name: "mem_used_percent", threshold: 90 });
    expect(alarms["error-rate"]).toMatchObject({ threshold: 1 });
    expect(JSON.stringify(alarms["error-rate"].metric_query)).toContain("HTTPCode_Target_5XX_Count");
    expect(alarms["response-time"]).toMatchObject({ metric_name: "TargetResponseTime", extended_statistic: "p95" });
    expect(alarms["unhealthy-targets-app"]).toMatchObject({ metric_name: "UnHealthyHostCount" });
  });

  it("draws the document's three dashboards: API, processing, infrastructure", () => {
    const dashboards = resourcesOf(json, "aws_cloudwatch_dashboard");
    expect(dashboards.map(([, d]) => d.dashboard_name).sort()).toEqual([`${name}-api`, `${name}-infrastructure`, `${name}-processing`]);
    const urls: string[] = json.output.dashboard_urls.value;
    expect(urls).toHaveLength(3);
    for (const [id] of dashboards) expect(urls.filter((u) => u.includes(`aws_cloudwatch_dashboard.${id}.dashboard_name`))).toHaveLength(1);
  });

  it("gives the outputs the issue lists, each described", () => {
    for (const output of ISSUE_OUTPUTS) {
      expect(json.output, output).toHaveProperty(output);
      expect(json.output[output].description, output).toBeTruthy();
    }
    expect(json.output.health_url.value).toMatch(/\/api\/v1\/health$/);
    expect(json.output.flower_port_forward_command.value).toContain('AWS-StartPortForwardingSession --parameters \'{"portNumber":["5555"],"localPortNumber":["5555"]}\'');
  });
});
