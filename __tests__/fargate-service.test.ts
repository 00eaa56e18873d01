// The generic Fargate service on a bare stack: synth-only property assertions (no terraform process).
import { TerraformOutput, TerraformStack, TerraformVariable } from "cdktf";
import { FargateService, FargateServiceProps } from "../modules/fargate-service/index.js";
import { CostEstimate } from "../modules/cost-estimate/index.js";
import { bareStack, problemsOf } from "./support/bare-stack.js";
import { onlyResource, resourcesOf, synthStack, TfJson } from "./support/synth.js";
import { list, parseHclValue, Statement, statementsOf } from "./support/policies.js";

const ACCOUNT = "123456789012";
const REPO_ARN = `arn:aws:ecr:us-east-1:${ACCOUNT}:repository/shop/api`;
const DB_SECRET = `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:shop/db-AbCdEf`;
const API_KEY_SECRET = `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:shop/api-key-GhIjKl`;
const TARGET_GROUP_ARN = `arn:aws:elasticloadbalancing:us-east-1:${ACCOUNT}:targetgroup/shop-api/0123456789abcdef`;
const KMS_KEY = `arn:aws:kms:us-east-1:${ACCOUNT}:key/11111111-2222-3333-4444-555555555555`;

const MINIMAL: FargateServiceProps = {
  name: "shop-api",
  region: "us-east-1",
  partition: "aws",
  accountId: ACCOUNT,
  cpu: 512,
  memoryMiB: 1024,
  containers: [{ name: "app", image: "nginx:1.27", portMappings: [8080] }],
  logGroup: { name: "/ecs/shop-api", retentionDays: 30 },
  subnetIds: ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"],
  securityGroupIds: ["sg-0123456789abcdef0"],
  minTasks: 2,
  maxTasks: 6,
};

const FULL: FargateServiceProps = {
  ...MINIMAL,
  cpu: 1024,
  memoryMiB: 3072,
  cpuArchitecture: "ARM64",
  containers: [
    {
      name: "app",
      image: `${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/shop/api:1.4.2`,
      portMappings: [8080],
      environment: { PORT: "8080", LOG_LEVEL: "info", APP_ENV: "test" },
      secrets: { DB_PASSWORD: `${DB_SECRET}:password::`, DB_USER: `${DB_SECRET}:username::`, API_KEY: API_KEY_SECRET },
      command: ["serve", "--port", "8080"],
      healthCheck: { command: ["CMD-SHELL", "curl -fsS http://localhost:8080/health || exit 1"], startPeriodSeconds: 30 },
      dependsOn: [
        { containerName: "migrate", condition: "SUCCESS" },
        { containerName: "proxy", condition: "HEALTHY" },
      ],
      cpu: 512,
      memoryReservationMiB: 1024,
      readonlyRootFilesystem: true,
      user: "1000:1000",
    },
    { name: "migrate", image: `${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/shop/api:1.4.2`, essential: false, command: ["migrate"], logStreamPrefix: "jobs" },
    {
      name: "proxy",
      image: "envoyproxy/envoy:v1.31.0",
      portMappings: [9901],
      healthCheck: { command: ["CMD", "/bin/true"], intervalSeconds: 10, timeoutSeconds: 3, retries: 5 },
    },
  ],
  loadBalancer: { targetGroupArn: TARGET_GROUP_ARN, containerName: "app", containerPort: 8080 },
  scaling: {
    cpuTargetPercent: 60,
    memoryTargetPercent: 75,
    requestsPerTarget: { loadBalancerArnSuffix: "app/shop/0123456789abcdef", targetGroupArnSuffix: "targetgroup/shop-api/0123456789abcdef", value: 500 },
  },
  ecrRepositoryArns: [REPO_ARN],
  secretKmsKeyArns: [KMS_KEY],
  desiredTasks: 3,
};

function synthService(props: FargateServiceProps, extend?: (stack: TerraformStack, service: FargateService) => void): TfJson {
  const stack = bareStack((s) => {
    const service = new FargateService(s, "api", props);
    extend?.(s, service);
    CostEstimate.of(s).writeOutputs(s, "test");
  });
  return synthStack(stack);
}

/** The stack's inline policies by name, with the role each belongs to (its construct id). */
function policies(json: TfJson): Record<string, { role: string; statements: Statement[] }> {
  return Object.fromEntries(
    resourcesOf(json, "aws_iam_role_policy").map(([, p]) => [p.name, { role: /aws_iam_role\.api_(\w+?)_[0-9A-F]+\.id/.exec(p.role)?.[1] ?? p.role, statements: statementsOf(p.policy) }]),
  );
}

/** The task definition's container definitions, decoded (JSON text or `${jsonencode(...)}`). */
function containersOf(json: TfJson): any[] {
  const text: string = onlyResource(json, "aws_ecs_task_definition").container_definitions;
  const m = /^\$\{jsonencode\(([\s\S]*)\)\}$/.exec(text);
  return m ? (parseHclValue(m[1]!) as any[]) : JSON.parse(text);
}

const allActions = (json: TfJson) => Object.values(policies(json)).flatMap((p) => p.statements.flatMap((s) => list(s.Action)));

describe("FargateService defaults", () => {
  const json = synthService(MINIMAL);
  const taskDefinition = onlyResource(json, "aws_ecs_task_definition");
  const service = onlyResource(json, "aws_ecs_service");

  it("creates a cluster named after the service, Container Insights off", () => {
    expect(onlyResource(json, "aws_ecs_cluster")).toMatchObject({ name: "shop-api", setting: [{ name: "containerInsights", value: "disabled" }] });
  });

  it("registers an awsvpc Fargate task definition for Linux x86_64 with both roles", () => {
    expect(taskDefinition).toMatchObject({
      family: "shop-api",
      cpu: "512",
      memory: "1024",
      network_mode: "awsvpc",
      requires_compatibilities: ["FARGATE"],
      runtime_platform: { operating_system_family: "LINUX", cpu_architecture: "X86_64" },
    });
    expect(taskDefinition.execution_role_arn).toMatch(/^\$\{aws_iam_role\.api_ExecutionRole_[0-9A-F]+\.arn\}$/);
    expect(taskDefinition.task_role_arn).toMatch(/^\$\{aws_iam_role\.api_TaskRole_[0-9A-F]+\.arn\}$/);
  });

  it("writes literal container definitions as plain JSON: awslogs to the log group, an init process", () => {
    expect(taskDefinition.container_definitions.startsWith("[")).toBe(true);
    expect(containersOf(json)).toEqual([
      {
        name: "app",
        image: "nginx:1.27",
        essential: true,
        portMappings: [{ containerPort: 8080, hostPort: 8080, protocol: "tcp" }],
        readonlyRootFilesystem: false,
        linuxParameters: { initProcessEnabled: true },
        logConfiguration: { logDriver: "awslogs", options: { "awslogs-group": "/ecs/shop-api", "awslogs-region": "us-east-1", "awslogs-stream-prefix": "app" } },
      },
    ]);
  });

  it("creates the log group with its retention and no KMS key", () => {
    const group = onlyResource(json, "aws_cloudwatch_log_group");
    expect(group).toMatchObject({ name: "/ecs/shop-api", retention_in_days: 30 });
    expect(group.kms_key_id).toBeUndefined();
  });

  it("runs the service on Fargate LATEST in private subnets, without a load balancer", () => {
    expect(service).toMatchObject({
      name: "shop-api",
      launch_type: "FARGATE",
      platform_version: "LATEST",
      desired_count: 2,
      network_configuration: { subnets: MINIMAL.subnetIds, security_groups: MINIMAL.securityGroupIds, assign_public_ip: false },
      propagate_tags: "SERVICE",
      wait_for_steady_state: false,
    });
    expect(service.cluster).toMatch(/^\$\{aws_ecs_cluster\.api_Cluster_[0-9A-F]+\.arn\}$/);
    expect(service.task_definition).toMatch(/^\$\{aws_ecs_task_definition\.api_TaskDefinition_[0-9A-F]+\.arn\}$/);
    expect(service.load_balancer).toBeUndefined();
    expect(service.health_check_grace_period_seconds).toBeUndefined();
  });

  it("rolls back failed deployments, keeps 100-200 % during them, allows ECS Exec", () => {
    expect(service.deployment_circuit_breaker).toEqual({ enable: true, rollback: true });
    expect(service).toMatchObject({ deployment_minimum_healthy_percent: 100, deployment_maximum_percent: 200, enable_execute_command: true });
  });

  it("leaves the desired count to scaling, never the task definition", () => {
    expect(service.lifecycle).toEqual({ ignore_changes: ["desired_count"] });
  });

  it("waits for the log group and the execution role's policies", () => {
    expect(service.depends_on).toEqual(expect.arrayContaining([expect.stringMatching(/^aws_cloudwatch_log_group\.api_LogGroup_/), expect.stringMatching(/^aws_iam_role_policy\.api_ExecutionRole_WriteLogs_/)]));
  });

  it("registers the desired count as a scalable target between min and max, without policies", () => {
    const target = onlyResource(json, "aws_appautoscaling_target");
    expect(target).toMatchObject({ service_namespace: "ecs", scalable_dimension: "ecs:service:DesiredCount", min_capacity: 2, max_capacity: 6 });
    expect(target.resource_id).toMatch(/^service\/\$\{aws_ecs_cluster\.api_Cluster_[0-9A-F]+\.name\}\/\$\{aws_ecs_service\.api_Service_[0-9A-F]+\.name\}$/);
    expect(resourcesOf(json, "aws_appautoscaling_policy")).toEqual([]);
  });

  it("trusts ECS tasks of this account only, in both roles", () => {
    const roles = resourcesOf(json, "aws_iam_role").map(([, r]) => r);
    expect(roles.map((r) => r.name_prefix).sort()).toEqual(["shop-api-exec-", "shop-api-task-"]);
    for (const role of roles) {
      expect(statementsOf(role.assume_role_policy)).toEqual([
        { Effect: "Allow", Principal: { Service: "ecs-tasks.amazonaws.com" }, Action: "sts:AssumeRole", Condition: { StringEquals: { "aws:SourceAccount": ACCOUNT } } },
      ]);
      expect(role.managed_policy_arns).toBeUndefined();
    }
    expect(resourcesOf(json, "aws_iam_role_policy_attachment")).toEqual([]);
  });

  it("lets the execution role write to its log group only, with no ECR or secret access for public images", () => {
    const byName = policies(json);
    expect(Object.keys(byName).sort()).toEqual(["ecs-exec", "write-logs"]);
    expect(byName["write-logs"]!.role).toBe("ExecutionRole");
    expect(byName["write-logs"]!.statements).toEqual([
      { Sid: "WriteLogs", Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: expect.stringMatching(/^\$\{aws_cloudwatch_log_group\.api_LogGroup_[0-9A-F]+\.arn\}:\*$/) },
    ]);
  });

  it("gives the task role ECS Exec's four ssmmessages actions on * and no wildcard action anywhere", () => {
    const exec = policies(json)["ecs-exec"]!;
    expect(exec.role).toBe("TaskRole");
    expect(exec.statements).toEqual([
      {
        Sid: "EcsExecChannels",
        Effect: "Allow",
        Action: ["ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel", "ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel"],
        Resource: "*",
      },
    ]);
    expect(allActions(json).filter((a) => a.includes("*"))).toEqual([]);
  });

  it("costs vCPU and memory at the x86 us-east-1 prices times the desired count", () => {
    const items = json.output.cost_breakdown.value;
    expect(Object.keys(items).sort()).toEqual(["api-memory", "api-vcpu"]);
    // 0.5 vCPU x $0.04048 x 730 h x 2 tasks; 1 GB x $0.004445 x 730 h x 2 tasks.
    expect(items["api-vcpu"]).toBe(`\${try(format("%.2f", ${0.5 * 730 * 0.04048 * 2}), "unknown")}`);
    expect(items["api-memory"]).toBe(`\${try(format("%.2f", ${1 * 730 * 0.004445 * 2}), "unknown")}`);
  });
});

describe("FargateService with every option", () => {
  const json = synthService(FULL);
  const containers = containersOf(json);
  const app = containers.find((c) => c.name === "app");
  const service = onlyResource(json, "aws_ecs_service");

  it("sizes and places the task on ARM64", () => {
    expect(onlyResource(json, "aws_ecs_task_definition")).toMatchObject({ cpu: "1024", memory: "3072", runtime_platform: { operating_system_family: "LINUX", cpu_architecture: "ARM64" } });
  });

  it("keeps the containers' order, the first the essential main one", () => {
    expect(containers.map((c) => [c.name, c.essential])).toEqual([
      ["app", true],
      ["migrate", false],
      ["proxy", true],
    ]);
  });

  it("renders environment and secrets as name pairs sorted by name", () => {
    expect(app.environment).toEqual([
      { name: "APP_ENV", value: "test" },
      { name: "LOG_LEVEL", value: "info" },
      { name: "PORT", value: "8080" },
    ]);
    expect(app.secrets).toEqual([
      { name: "API_KEY", valueFrom: API_KEY_SECRET },
      { name: "DB_PASSWORD", valueFrom: `${DB_SECRET}:password::` },
      { name: "DB_USER", valueFrom: `${DB_SECRET}:username::` },
    ]);
  });

  it("writes command, user, reservations, read-only root, health checks and dependencies", () => {
    expect(app).toMatchObject({
      command: ["serve", "--port", "8080"],
      user: "1000:1000",
      cpu: 512,
      memoryReservation: 1024,
      readonlyRootFilesystem: true,
      portMappings: [{ containerPort: 8080, hostPort: 8080, protocol: "tcp" }],
      healthCheck: { command: ["CMD-SHELL", "curl -fsS http://localhost:8080/health || exit 1"], interval: 30, timeout: 5, retries: 3, startPeriod: 30 },
      dependsOn: [
        { containerName: "migrate", condition: "SUCCESS" },
        { containerName: "proxy", condition: "HEALTHY" },
      ],
    });
    const proxy = containers.find((c) => c.name === "proxy");
    expect(proxy.healthCheck).toEqual({ command: ["CMD", "/bin/true"], interval: 10, timeout: 3, retries: 5 });
    expect(proxy.portMappings).toEqual([{ containerPort: 9901, hostPort: 9901, protocol: "tcp" }]);
  });

  it("escapes literal ${ in the definitions for Terraform, plain JSON or jsonencode", () => {
    const env = { GREETING: "hello ${USER}", PERCENT: "%{x}" };
    const literal = synthService({ ...MINIMAL, containers: [{ name: "app", image: "nginx:1.27", environment: env }] });
    expect(containersOf(literal)[0].environment).toEqual([
      { name: "GREETING", value: "hello $${USER}" },
      { name: "PERCENT", value: "%%{x}" },
    ]);
    const stack = bareStack((s) => {
      const image = new TerraformVariable(s, "image", { type: "string" }).stringValue;
      new FargateService(s, "api", { ...MINIMAL, containers: [{ name: "app", image, environment: env }] });
    });
    expect(containersOf(synthStack(stack))[0].environment).toEqual([
      { name: "GREETING", value: "hello $${USER}" },
      { name: "PERCENT", value: "%%{x}" },
    ]);
  });

  it("logs every container to the module's log group, under its stream prefix, with an init process", () => {
    expect(containers.map((c) => c.logConfiguration.options["awslogs-stream-prefix"])).toEqual(["app", "jobs", "proxy"]);
    for (const c of containers) {
      expect(c.logConfiguration).toMatchObject({ logDriver: "awslogs", options: { "awslogs-group": "/ecs/shop-api", "awslogs-region": "us-east-1" } });
      expect(c.linuxParameters).toEqual({ initProcessEnabled: true });
    }
  });

  it("registers the main container's port with the target group after a 60 s grace period", () => {
    expect(service.load_balancer).toEqual([{ target_group_arn: TARGET_GROUP_ARN, container_name: "app", container_port: 8080 }]);
    expect(service.health_check_grace_period_seconds).toBe(60);
    expect(service.desired_count).toBe(3);
  });

  it("scales on CPU, memory and requests per target with the default cooldowns", () => {
    const byName: Record<string, any> = Object.fromEntries(resourcesOf(json, "aws_appautoscaling_policy").map(([, p]) => [p.name, p]));
    expect(Object.keys(byName).sort()).toEqual(["shop-api-cpu-target", "shop-api-memory-target", "shop-api-requests-per-target"]);
    const config = (name: string) => byName[name].target_tracking_scaling_policy_configuration;
    expect(config("shop-api-cpu-target")).toEqual({
      predefined_metric_specification: { predefined_metric_type: "ECSServiceAverageCPUUtilization" },
      target_value: 60,
      scale_out_cooldown: 60,
      scale_in_cooldown: 300,
    });
    expect(config("shop-api-memory-target")).toMatchObject({ predefined_metric_specification: { predefined_metric_type: "ECSServiceAverageMemoryUtilization" }, target_value: 75 });
    expect(config("shop-api-requests-per-target")).toMatchObject({
      predefined_metric_specification: { predefined_metric_type: "ALBRequestCountPerTarget", resource_label: "app/shop/0123456789abcdef/targetgroup/shop-api/0123456789abcdef" },
      target_value: 500,
    });
    for (const policy of Object.values(byName)) {
      expect(policy.policy_type).toBe("TargetTrackingScaling");
      expect(policy.resource_id).toMatch(/^\$\{aws_appautoscaling_target\.api_ScalableTarget_[0-9A-F]+\.resource_id\}$/);
      expect(policy.scalable_dimension).toMatch(/\.scalable_dimension\}$/);
      expect(policy.service_namespace).toMatch(/\.service_namespace\}$/);
    }
  });

  it("takes the cooldowns given", () => {
    const custom = synthService({ ...MINIMAL, scaling: { cpuTargetPercent: 50, scaleOutCooldownSeconds: 30, scaleInCooldownSeconds: 600 } });
    expect(onlyResource(custom, "aws_appautoscaling_policy").target_tracking_scaling_policy_configuration).toMatchObject({ scale_out_cooldown: 30, scale_in_cooldown: 600 });
  });

  it("lets the execution role pull from the given repositories and read exactly the containers' secrets", () => {
    const byName = policies(json);
    expect(Object.keys(byName).sort()).toEqual(["ecr-pull", "ecs-exec", "read-secrets", "write-logs"]);
    expect(byName["ecr-pull"]).toEqual({
      role: "ExecutionRole",
      statements: [
        { Sid: "EcrPull", Effect: "Allow", Action: ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"], Resource: [REPO_ARN] },
        { Sid: "EcrAuthorizationToken", Effect: "Allow", Action: ["ecr:GetAuthorizationToken"], Resource: "*" },
      ],
    });
    expect(byName["read-secrets"]).toEqual({
      role: "ExecutionRole",
      statements: [
        // The JSON-key suffixes are stripped and the two keys of one secret are one resource.
        { Sid: "ReadSecrets", Effect: "Allow", Action: ["secretsmanager:GetSecretValue"], Resource: [API_KEY_SECRET, DB_SECRET] },
        { Sid: "DecryptSecrets", Effect: "Allow", Action: ["kms:Decrypt"], Resource: [KMS_KEY], Condition: { StringEquals: { "kms:ViaService": "secretsmanager.us-east-1.amazonaws.com" } } },
      ],
    });
    expect(allActions(json).filter((a) => a.includes("*"))).toEqual([]);
  });

  it("costs ARM64 vCPU and memory at the desired count", () => {
    const items = json.output.cost_breakdown.value;
    expect(items["api-vcpu"]).toBe(`\${try(format("%.2f", ${1024 * (1 / 1024) * 730 * 0.03238 * 3}), "unknown")}`);
    expect(items["api-memory"]).toBe(`\${try(format("%.2f", ${3072 * (1 / 1024) * 730 * 0.00356 * 3}), "unknown")}`);
  });

  it("lets callers extend the task role and gives the outputs", () => {
    const outputs = synthService(MINIMAL, (stack, s) => {
      s.taskRole.addPolicy("ReadBucket", "read-bucket", [{ Sid: "Read", Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::shop/*" }]);
      new TerraformOutput(stack, "exec", { value: s.execCommand("app") });
      new TerraformOutput(stack, "names", { value: [s.clusterName, s.clusterArn, s.serviceName, s.taskDefinitionArn, s.logGroupName, s.executionRole.arn] });
    });
    expect(policies(outputs)["read-bucket"]).toEqual({ role: "TaskRole", statements: [{ Sid: "Read", Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::shop/*" }] });
    const cluster = /\$\{aws_ecs_cluster\.api_Cluster_[0-9A-F]+\.name\}/.source;
    const svc = /\$\{aws_ecs_service\.api_Service_[0-9A-F]+\.name\}/.source;
    expect(outputs.output.exec.value).toMatch(
      new RegExp(
        `^aws ecs execute-command --region us-east-1 --cluster ${cluster} --task \\$\\(aws ecs list-tasks --region us-east-1 --cluster ${cluster} --service-name ${svc} --query 'taskArns\\[0\\]' --output text\\) --container app --interactive --command /bin/sh$`,
      ),
    );
    expect(outputs.output.names.value).toEqual([
      expect.stringMatching(/aws_ecs_cluster\..*\.name/),
      expect.stringMatching(/aws_ecs_cluster\..*\.arn/),
      expect.stringMatching(/aws_ecs_service\..*\.name/),
      expect.stringMatching(/aws_ecs_task_definition\..*\.arn/),
      expect.stringMatching(/aws_cloudwatch_log_group\..*\.name/),
      expect.stringMatching(/aws_iam_role\.api_ExecutionRole_.*\.arn/),
    ]);
  });
});

describe("FargateService switches", () => {
  it("without ECS Exec: no ssmmessages for the task role, exec off on the service", () => {
    const json = synthService({ ...MINIMAL, enableExecuteCommand: false });
    expect(onlyResource(json, "aws_ecs_service").enable_execute_command).toBe(false);
    expect(Object.keys(policies(json))).toEqual(["write-logs"]);
    expect(allActions(json).filter((a) => a.startsWith("ssmmessages:"))).toEqual([]);
  });

  it("counts the ECS Exec policy with a Terraform boolean", () => {
    const json = synthService(MINIMAL, () => undefined);
    expect(resourcesOf(json, "aws_iam_role_policy").find(([, p]) => p.name === "ecs-exec")![1].count).toBeUndefined();
    const stack = bareStack((s) => {
      const exec = new TerraformVariable(s, "exec", { type: "bool" }).booleanValue;
      new FargateService(s, "api", { ...MINIMAL, enableExecuteCommand: exec });
    });
    const switched = synthStack(stack);
    expect(resourcesOf(switched, "aws_iam_role_policy").find(([, p]) => p.name === "ecs-exec")![1].count).toBe("${var.exec ? 1 : 0}");
    expect(onlyResource(switched, "aws_ecs_service").enable_execute_command).toBe("${var.exec}");
  });

  it("turns Container Insights on and costs it; assigns public IPs and costs them", () => {
    const json = synthService({ ...MINIMAL, containerInsights: true, assignPublicIp: true });
    expect(onlyResource(json, "aws_ecs_cluster").setting).toEqual([{ name: "containerInsights", value: "enabled" }]);
    expect(onlyResource(json, "aws_ecs_service").network_configuration.assign_public_ip).toBe(true);
    const items = json.output.cost_breakdown.value;
    expect(items["api-container-insights"]).toBe('${try(format("%.2f", 9), "unknown")}');
    expect(items["api-public-ipv4"]).toBe(`\${try(format("%.2f", ${3.65 * 2}), "unknown")}`);
  });

  it("runs in a given cluster: no cluster created, its name taken from the ARN", () => {
    const clusterArn = `arn:aws:ecs:us-east-1:${ACCOUNT}:cluster/shared`;
    const json = synthService({ ...MINIMAL, clusterArn });
    expect(resourcesOf(json, "aws_ecs_cluster")).toEqual([]);
    expect(onlyResource(json, "aws_ecs_service").cluster).toBe(clusterArn);
    expect(onlyResource(json, "aws_appautoscaling_target").resource_id).toMatch(/^service\/shared\/\$\{aws_ecs_service\./);
    expect(Object.keys(json.output.cost_breakdown.value).sort()).toEqual(["api-memory", "api-vcpu"]);
  });

  it("encrypts the log group with the given key", () => {
    const json = synthService({ ...MINIMAL, logKmsKeyArn: KMS_KEY });
    expect(onlyResource(json, "aws_cloudwatch_log_group").kms_key_id).toBe(KMS_KEY);
  });
});

describe("FargateService with Terraform values", () => {
  const stack = bareStack((s) => {
    const v = (name: string, type: string) => new TerraformVariable(s, name, { type });
    new FargateService(s, "api", {
      ...MINIMAL,
      clusterArn: v("cluster_arn", "string").stringValue,
      cpu: v("cpu", "number").numberValue,
      memoryMiB: v("memory", "number").numberValue,
      minTasks: v("min", "number").numberValue,
      maxTasks: v("max", "number").numberValue,
      desiredTasks: v("desired", "number").numberValue,
      assignPublicIp: v("public_ip", "bool").booleanValue,
      containers: [
        {
          name: "app",
          image: v("image", "string").stringValue,
          portMappings: [8080],
          environment: { RELEASE: v("release", "string").stringValue, MODE: "web" },
          secrets: { TOKEN: v("token_secret_arn", "string").stringValue },
        },
      ],
      loadBalancer: { targetGroupArn: v("target_group_arn", "string").stringValue, containerName: "app", containerPort: 8080 },
      // Lists that are Terraform values: no literal ARN to check at synth.
      ecrRepositoryArns: v("repository_arns", "list(string)").listValue,
      secretKmsKeyArns: v("secret_key_arns", "list(string)").listValue,
    });
    CostEstimate.of(s).writeOutputs(s, "test");
  });
  const json = synthStack(stack);

  it("takes the repository and key ARNs as Terraform lists", () => {
    const read = Object.values(policies(json)).flatMap((p) => p.statements).filter((st) => st.Sid === "ReadSecretsKeys" || JSON.stringify(st.Resource).includes("var.secret_key_arns"));
    expect(JSON.stringify(read)).toContain("var.secret_key_arns");
  });

  it("passes them through untouched", () => {
    expect(onlyResource(json, "aws_ecs_task_definition")).toMatchObject({ cpu: "${var.cpu}", memory: "${var.memory}" });
    expect(onlyResource(json, "aws_ecs_service")).toMatchObject({
      cluster: "${var.cluster_arn}",
      desired_count: "${var.desired}",
      network_configuration: { assign_public_ip: "${var.public_ip}" },
      load_balancer: [{ target_group_arn: "${var.target_group_arn}", container_name: "app", container_port: 8080 }],
    });
    expect(onlyResource(json, "aws_appautoscaling_target")).toMatchObject({ min_capacity: "${var.min}", max_capacity: "${var.max}" });
    expect(onlyResource(json, "aws_appautoscaling_target").resource_id).toMatch(/^service\/\$\{element\(split\("\/", var\.cluster_arn\), 1\)\}\/\$\{aws_ecs_service\./);
  });

  it("encodes the container definitions with jsonencode, the values live", () => {
    expect(onlyResource(json, "aws_ecs_task_definition").container_definitions).toMatch(/^\$\{jsonencode\(/);
    const [app] = containersOf(json);
    expect(app.image).toBe("${var.image}");
    expect(app.environment).toEqual([
      { name: "MODE", value: "web" },
      { name: "RELEASE", value: "${var.release}" },
    ]);
    expect(app.secrets).toEqual([{ name: "TOKEN", valueFrom: "${var.token_secret_arn}" }]);
  });

  it("grants the secret ARN Terraform derives from valueFrom", () => {
    const read = policies(json)["read-secrets"]!;
    expect(read.statements[0]!.Resource).toBe('${distinct([join(":", slice(split(":", var.token_secret_arn), 0, 7))])}');
  });

  it("costs with Terraform expressions of cpu, memory and the desired count", () => {
    const items = json.output.cost_breakdown.value;
    expect(items["api-vcpu"]).toBe(`\${try(format("%.2f", ((var.cpu * var.desired) * ${(1 / 1024) * 730 * 0.04048})), "unknown")}`);
    expect(items["api-memory"]).toBe(`\${try(format("%.2f", ((var.memory * var.desired) * ${(1 / 1024) * 730 * 0.004445})), "unknown")}`);
    expect(items["api-public-ipv4"]).toBe('${try(format("%.2f", var.public_ip ? (var.desired * 3.65) : 0), "unknown")}');
  });

  it("costs nothing for a literal desired count of 0, without a 0 operand", () => {
    const zero = synthStack(
      bareStack((s) => {
        new FargateService(s, "api", { ...MINIMAL, minTasks: 0, cpu: new TerraformVariable(s, "cpu", { type: "number" }).numberValue });
        CostEstimate.of(s).writeOutputs(s, "test");
      }),
    );
    expect(zero.output.cost_breakdown.value["api-vcpu"]).toBe('${try(format("%.2f", 0), "unknown")}');
  });

  it("prices a Terraform CPU architecture by lookup", () => {
    const arch = synthStack(
      bareStack((s) => {
        new FargateService(s, "api", { ...MINIMAL, cpuArchitecture: new TerraformVariable(s, "arch", { type: "string" }).stringValue as "ARM64" });
        CostEstimate.of(s).writeOutputs(s, "test");
      }),
    );
    expect(onlyResource(arch, "aws_ecs_task_definition").runtime_platform.cpu_architecture).toBe("${var.arch}");
    // The price is looked up (an unknown architecture makes the item "unknown"), times 0.5 vCPU x 730 h x 2 tasks = 730.
    expect(arch.output.cost_breakdown.value["api-vcpu"]).toBe('${try(format("%.2f", ({"X86_64" = 0.04048, "ARM64" = 0.03238}[var.arch] * 730)), "unknown")}');
  });
});

describe("FargateService misuse", () => {
  const problems = (props: Partial<FargateServiceProps>) => problemsOf(() => synthService({ ...MINIMAL, ...props }));

  it("rejects a cpu/memory pair Fargate does not offer, naming the allowed sizes", () => {
    expect(problems({ cpu: 256, memoryMiB: 4096 })).toEqual(["memoryMiB 4096 is not allowed with cpu 256 on Fargate: use 512, 1024, 2048 MiB, or another cpu."]);
    expect(problems({ cpu: 2048, memoryMiB: 4000 })).toEqual(["memoryMiB 4000 is not allowed with cpu 2048 on Fargate: use 4096-16384 in steps of 1024 MiB, or another cpu."]);
    expect(problems({ cpu: 8192, memoryMiB: 17408 })[0]).toContain("use 16384-61440 in steps of 4096 MiB");
    expect(problems({ cpu: 300 })).toEqual(["cpu 300 is not a Fargate task size: use 256, 512, 1024, 2048, 4096, 8192, 16384 CPU units (1024 = 1 vCPU)."]);
  });

  it("accepts each of Fargate's edge sizes", () => {
    for (const [cpu, memoryMiB] of [[256, 512], [512, 4096], [1024, 8192], [2048, 16384], [4096, 30720], [8192, 61440], [16384, 32768], [16384, 122880]] as const) {
      expect(() => synthService({ ...MINIMAL, cpu, memoryMiB })).not.toThrow();
    }
  });

  it("rejects max below min and a desired count outside them", () => {
    expect(problems({ minTasks: 4, maxTasks: 2 })).toEqual(["maxTasks 2 is below minTasks 4: raise maxTasks or lower minTasks."]);
    expect(problems({ desiredTasks: 9 })).toEqual(["desiredTasks 9 must be a whole number between minTasks 2 and maxTasks 6."]);
  });

  it("rejects a container without a name, a duplicate name, and an unknown dependency", () => {
    const found = problems({
      containers: [
        { name: "app", image: "nginx:1.27", portMappings: [8080], dependsOn: [{ containerName: "db", condition: "START" }] },
        { name: "", image: "busybox:1.36" } ,
        { name: "app", image: "busybox:1.36" },
      ],
    });
    expect([...found].sort()).toEqual(
      [
        'containers[1].name is missing: give each container a name of 1-255 letters, digits, hyphens and underscores, e.g. "app".',
        'containers[0] "app".dependsOn: "db" is not a container of the task: use one of "app", "", "app".',
        'containers: the name "app" is used more than once: each container of a task needs its own name.',
      ].sort(),
    );
  });

  it("rejects a load balancer container or port that no container maps", () => {
    expect(problems({ loadBalancer: { targetGroupArn: TARGET_GROUP_ARN, containerName: "web", containerPort: 8080 } })).toEqual([
      'loadBalancer.containerName "web" is not a container of the task: use one of "app".',
    ]);
    expect(problems({ loadBalancer: { targetGroupArn: TARGET_GROUP_ARN, containerName: "app", containerPort: 80 } })).toEqual([
      'loadBalancer.containerPort 80 is not mapped by container "app": add it to that container\'s portMappings or use one of [8080].',
    ]);
  });

  it("rejects a dependency on a container without health check, or SUCCESS of an essential one", () => {
    expect(
      problems({
        containers: [
          { name: "app", image: "nginx:1.27", dependsOn: [{ containerName: "side", condition: "HEALTHY" }, { containerName: "side", condition: "SUCCESS" }] },
          { name: "side", image: "busybox:1.36" },
        ],
      }),
    ).toEqual([
      'containers[0] "app".dependsOn "side" with condition HEALTHY: that container has no healthCheck, so it never becomes healthy. Give it a healthCheck or use START.',
      'containers[0] "app".dependsOn "side" with condition SUCCESS: that container is essential (its exit stops the task). Make it essential: false or use another condition.',
    ]);
  });

  it("reports every other problem at once, each naming its prop", () => {
    const found = problems({
      name: "shop api",
      accountId: "1234",
      cpuArchitecture: "arm" as "ARM64",
      containers: [
        {
          name: "app",
          image: "nginx:1.27",
          essential: false,
          portMappings: [70000, 9000],
          environment: { "BAD-NAME": "x", SAME: "1" },
          secrets: { SAME: "arn:aws:ssm:us-east-1:123456789012:parameter/x" },
          healthCheck: { command: ["curl localhost"], intervalSeconds: 1 },
        },
        { name: "side", image: " ", portMappings: [9000] },
      ],
      logGroup: { name: "bad name", retentionDays: 10 },
      subnetIds: [],
      securityGroupIds: [],
      healthCheckGracePeriodSeconds: 30,
      scaling: { cpuTargetPercent: 0, requestsPerTarget: { loadBalancerArnSuffix: "x", targetGroupArnSuffix: "y", value: 0 } },
      deploymentMinimumHealthyPercent: 100,
      deploymentMaximumPercent: 100,
      ecrRepositoryArns: [`${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/shop/api`],
      secretKmsKeyArns: ["alias/x"],
      clusterArn: "shared",
      containerInsights: true,
    });
    for (const expected of [
      'name "shop api"',
      'accountId "1234"',
      'clusterArn "shared"',
      "containerInsights is set with clusterArn",
      'cpuArchitecture "arm"',
      'containers[0] "app" is the main container and must be essential',
      "portMappings: 70000 is not a port",
      '"BAD-NAME" is not an environment variable name',
      '"SAME" is both in environment and in secrets',
      'secrets.SAME "arn:aws:ssm',
      'healthCheck.command must start with "CMD" or "CMD-SHELL"',
      "healthCheck.intervalSeconds 1",
      'containers[1] "side".image is empty',
      'port 9000 is mapped by "app" and "side"',
      'logGroup.name "bad name"',
      "logGroup.retentionDays 10",
      "subnetIds is empty",
      "securityGroupIds is empty",
      "healthCheckGracePeriodSeconds is set without loadBalancer",
      "scaling.cpuTargetPercent 0",
      "scaling.requestsPerTarget.value 0",
      'targetGroupArnSuffix "y"',
      'loadBalancerArnSuffix "x"',
      "scaling.requestsPerTarget needs loadBalancer",
      "deploymentMaximumPercent 100 must be above deploymentMinimumHealthyPercent 100",
      "ecrRepositoryArns:",
      'secretKmsKeyArns: "alias/x"',
    ]) {
      expect(found.some((p) => p.includes(expected)), expected).toBe(true);
    }
  });

  it("rejects scaling without a target and KMS keys without secrets", () => {
    expect(problems({ scaling: {}, secretKmsKeyArns: [KMS_KEY] })).toEqual([
      "scaling has no target: give cpuTargetPercent, memoryTargetPercent or requestsPerTarget, or leave scaling out.",
      "secretKmsKeyArns is set but no container has secrets: remove secretKmsKeyArns, or add the secrets they encrypt.",
    ]);
  });

  it("rejects execCommand for an unknown container or without ECS Exec", () => {
    expect(problemsOf(() => synthService(MINIMAL, (_, s) => s.execCommand("web")))).toEqual(['execCommand: "web" is not a container of the task: use one of "app".']);
    expect(problemsOf(() => synthService({ ...MINIMAL, enableExecuteCommand: false }, (_, s) => s.execCommand("app")))).toEqual([
      "execCommand needs ECS Exec, but enableExecuteCommand is false: turn it on or leave the command out.",
    ]);
  });

  it("leaves Terraform values to plan time", () => {
    expect(() =>
      synthService(MINIMAL, () => undefined),
    ).not.toThrow();
    expect(() =>
      bareStack((s) => {
        new FargateService(s, "api", { ...MINIMAL, cpu: new TerraformVariable(s, "cpu", { type: "number" }).numberValue, memoryMiB: 999, maxTasks: new TerraformVariable(s, "max", { type: "number" }).numberValue });
      }),
    ).not.toThrow();
  });
});
