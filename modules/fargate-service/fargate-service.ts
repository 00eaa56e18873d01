import { Construct } from "constructs";
import { Fn, Op, Token } from "cdktf";
// Provider docs: https://registry.terraform.io/providers/hashicorp/aws/6.25.0/docs/resources/ecs_cluster
import { EcsCluster } from "@cdktf/provider-aws/lib/ecs-cluster";
// Provider docs: https://registry.terraform.io/providers/hashicorp/aws/6.25.0/docs/resources/ecs_task_definition
import { EcsTaskDefinition } from "@cdktf/provider-aws/lib/ecs-task-definition";
// Provider docs: https://registry.terraform.io/providers/hashicorp/aws/6.25.0/docs/resources/ecs_service
import { EcsService } from "@cdktf/provider-aws/lib/ecs-service";
// Provider docs: https://registry.terraform.io/providers/hashicorp/aws/6.25.0/docs/resources/appautoscaling_target
import { AppautoscalingTarget } from "@cdktf/provider-aws/lib/appautoscaling-target";
// Provider docs: https://registry.terraform.io/providers/hashicorp/aws/6.25.0/docs/resources/appautoscaling_policy
import { AppautoscalingPolicy } from "@cdktf/provider-aws/lib/appautoscaling-policy";
// Provider docs: https://registry.terraform.io/providers/hashicorp/aws/6.25.0/docs/resources/cloudwatch_log_group
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { choose, escapeForTerraform, isKnown, Switch, validateAll } from "../core/index.js";
import { PULL_ACTIONS } from "../container-registry/index.js";
import { CostEstimate, costKey, CostItem, CUSTOM_METRIC_USD_PER_MONTH, HOURS_PER_MONTH, PUBLIC_IPV4_USD_PER_MONTH } from "../cost-estimate/index.js";
import {
  CONTAINER_INSIGHTS_ESTIMATED_METRICS,
  FARGATE_USD_PER_HOUR,
  FargateServiceProps,
  ResolvedContainerSpec,
  ResolvedFargateServiceProps,
  withDefaults,
} from "./props.js";
import { SECRET_VALUE_FROM, validateFargateServiceProps } from "./validate-props.js";
import { TaskRole } from "./task-role.js";

/** What ECS Exec's agent in the task needs (Session Manager channels); IAM offers no resource to narrow them to. */
export const ECS_EXEC_ACTIONS = ["ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel", "ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel"];

/**
 * An ECS service on Fargate: any container application, optionally behind a load balancer target group.
 * - a cluster named `name` with Container Insights as chosen (unless clusterArn names an existing one);
 * - a task definition (family `name`, awsvpc, Linux on the chosen CPU architecture) whose containers log to the
 *   module's log group with awslogs and run an init process (clean signal handling, needed by ECS Exec);
 * - the service: Fargate LATEST in the given subnets, the deployment circuit breaker with rollback, ECS Exec,
 *   tags propagated from the service; Terraform sets the desired count at creation and then leaves it to scaling;
 * - a scalable target between minTasks and maxTasks, and a target-tracking policy per given scaling target;
 * - an execution role (logs, the given ECR repositories, exactly the containers' secrets) and a task role the caller
 *   extends with addPolicy, both trusting ECS tasks of this account only, inline policies only.
 */
export class FargateService extends Construct {
  /** The cluster, when the module created it (no clusterArn). */
  readonly cluster?: EcsCluster;
  /** Name of the cluster the service runs in. */
  readonly clusterName: string;
  /** ARN of the cluster the service runs in. */
  readonly clusterArn: string;
  readonly taskDefinition: EcsTaskDefinition;
  /** ARN of the task definition (with its revision). */
  readonly taskDefinitionArn: string;
  readonly service: EcsService;
  /** Name of the service. */
  readonly serviceName: string;
  readonly logGroup: CloudwatchLogGroup;
  /** Name of the log group every container writes to. */
  readonly logGroupName: string;
  /** The role ECS uses to start the tasks: image pulls, logs, secrets. */
  readonly executionRole: TaskRole;
  /** The application's role; add its permissions with `taskRole.addPolicy(id, name, statements)`. */
  readonly taskRole: TaskRole;
  /** The service's desired count as an Application Auto Scaling target (min and max). */
  readonly scalableTarget: AppautoscalingTarget;
  /** Target-tracking policies, by kind. */
  readonly scalingPolicies: { readonly cpu?: AppautoscalingPolicy; readonly memory?: AppautoscalingPolicy; readonly requests?: AppautoscalingPolicy };

  private readonly region: string;
  private readonly containerNames: readonly string[];
  private readonly executeCommand: Switch;

  constructor(scope: Construct, id: string, props: FargateServiceProps) {
    super(scope, id);
    const p = withDefaults(props);
    validateFargateServiceProps(this, p, props);
    this.region = p.region;
    this.containerNames = p.containers.map((c) => c.name);
    this.executeCommand = p.enableExecuteCommand;
    const tags = Object.keys(p.tags).length === 0 ? undefined : { ...p.tags };

    if (p.clusterArn === undefined) {
      this.cluster = new EcsCluster(this, "Cluster", {
        name: p.name,
        setting: [{ name: "containerInsights", value: choose(p.containerInsights, "enabled", "disabled") }],
        tags,
      });
      this.clusterName = this.cluster.name;
      this.clusterArn = this.cluster.arn;
    } else {
      this.clusterArn = p.clusterArn;
      this.clusterName = isKnown(p.clusterArn) ? p.clusterArn.split("/")[1]! : Token.asString(Fn.element(Fn.split("/", p.clusterArn), 1));
    }

    this.logGroup = new CloudwatchLogGroup(this, "LogGroup", {
      name: p.logGroup.name,
      retentionInDays: p.logGroup.retentionDays,
      kmsKeyId: isKnown(p.logKmsKeyArn) && p.logKmsKeyArn === "" ? undefined : p.logKmsKeyArn,
      tags,
    });
    this.logGroupName = this.logGroup.name;

    this.executionRole = new TaskRole(this, "ExecutionRole", {
      namePrefix: `${p.name}-exec-`,
      description: `ECS starts the tasks of ${p.name} with it: image pulls, logs, secrets`,
      accountId: p.accountId,
      tags,
    });
    this.addExecutionPolicies(p);

    this.taskRole = new TaskRole(this, "TaskRole", {
      namePrefix: `${p.name}-task-`,
      description: `The tasks of ${p.name}: what the application may do`,
      accountId: p.accountId,
      tags,
    });
    if (p.enableExecuteCommand !== false) {
      this.taskRole.addPolicy("EcsExec", "ecs-exec", [{ Sid: "EcsExecChannels", Effect: "Allow", Action: ECS_EXEC_ACTIONS, Resource: "*" }], p.enableExecuteCommand);
    }

    this.taskDefinition = new EcsTaskDefinition(this, "TaskDefinition", {
      family: p.name,
      cpu: numberText(p.cpu),
      memory: numberText(p.memoryMiB),
      networkMode: "awsvpc",
      requiresCompatibilities: ["FARGATE"],
      runtimePlatform: { operatingSystemFamily: "LINUX", cpuArchitecture: p.cpuArchitecture },
      executionRoleArn: this.executionRole.arn,
      taskRoleArn: this.taskRole.arn,
      containerDefinitions: containerDefinitionsText(p),
      tags,
    });
    this.taskDefinitionArn = this.taskDefinition.arn;

    const lb = p.loadBalancer;
    this.service = new EcsService(this, "Service", {
      name: p.name,
      cluster: this.clusterArn,
      taskDefinition: this.taskDefinition.arn,
      desiredCount: p.desiredTasks,
      launchType: "FARGATE",
      platformVersion: "LATEST",
      networkConfiguration: { subnets: [...p.subnetIds], securityGroups: [...p.securityGroupIds], assignPublicIp: p.assignPublicIp },
      loadBalancer: lb === undefined ? undefined : [{ targetGroupArn: lb.targetGroupArn, containerName: lb.containerName, containerPort: lb.containerPort }],
      healthCheckGracePeriodSeconds: p.healthCheckGracePeriodSeconds,
      // A deployment whose tasks keep failing stops and rolls back to the last one that reached steady state.
      deploymentCircuitBreaker: { enable: true, rollback: true },
      deploymentMinimumHealthyPercent: p.deploymentMinimumHealthyPercent,
      deploymentMaximumPercent: p.deploymentMaximumPercent,
      enableExecuteCommand: p.enableExecuteCommand,
      propagateTags: "SERVICE",
      enableEcsManagedTags: true,
      waitForSteadyState: p.waitForSteadyState,
      tags,
      // Scaling owns the running count; Terraform sets it only when it creates the service. The task definition stays
      // Terraform's: a new image or setting is a new revision, which the next apply deploys.
      lifecycle: { ignoreChanges: ["desired_count"] },
      // The first tasks need the log group and the execution role's permissions (pull, logs, secrets) at once.
      dependsOn: [this.logGroup, ...this.executionRole.policies],
    });
    this.serviceName = this.service.name;

    this.scalableTarget = new AppautoscalingTarget(this, "ScalableTarget", {
      serviceNamespace: "ecs",
      scalableDimension: "ecs:service:DesiredCount",
      resourceId: `service/${this.clusterName}/${this.service.name}`,
      minCapacity: p.minTasks,
      maxCapacity: p.maxTasks,
    });
    this.scalingPolicies = this.addScaling(p);
    this.addCosts(p);
  }

  /**
   * A shell command that opens a shell (/bin/sh) in `containerName` of one of the service's running tasks with ECS
   * Exec (needs the AWS CLI and its Session Manager plugin, and enableExecuteCommand). Put it in an output.
   */
  execCommand(containerName: string): string {
    validateAll(this, [
      {
        failed: isKnown(containerName) && !this.containerNames.includes(containerName),
        message: `execCommand: "${containerName}" is not a container of the task: use one of ${this.containerNames.map((n) => `"${n}"`).join(", ")}.`,
      },
      { failed: this.executeCommand === false, message: "execCommand needs ECS Exec, but enableExecuteCommand is false: turn it on or leave the command out." },
    ]);
    const where = `--region ${this.region} --cluster ${this.clusterName}`;
    const task = `$(aws ecs list-tasks ${where} --service-name ${this.serviceName} --query 'taskArns[0]' --output text)`;
    return `aws ecs execute-command ${where} --task ${task} --container ${containerName} --interactive --command /bin/sh`;
  }

  /** Logs, ECR pulls (only with ecrRepositoryArns) and the containers' secrets (only when there are some). */
  private addExecutionPolicies(p: ResolvedFargateServiceProps): void {
    this.executionRole.addPolicy("WriteLogs", "write-logs", [
      { Sid: "WriteLogs", Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: `${this.logGroup.arn}:*` },
    ]);

    if (p.ecrRepositoryArns.length > 0) {
      this.executionRole.addPolicy("EcrPull", "ecr-pull", [
        { Sid: "EcrPull", Effect: "Allow", Action: [...PULL_ACTIONS], Resource: [...p.ecrRepositoryArns] },
        // The registry login has no resource in IAM.
        { Sid: "EcrAuthorizationToken", Effect: "Allow", Action: ["ecr:GetAuthorizationToken"], Resource: "*" },
      ]);
    }

    const secretArns = secretArnsOf(p.containers);
    if (secretArns.length > 0) {
      this.executionRole.addPolicy("ReadSecrets", "read-secrets", [
        { Sid: "ReadSecrets", Effect: "Allow", Action: ["secretsmanager:GetSecretValue"], Resource: resourceList(secretArns) },
        ...(p.secretKmsKeyArns.length === 0
          ? []
          : [
              {
                Sid: "DecryptSecrets",
                Effect: "Allow" as const,
                Action: ["kms:Decrypt"],
                Resource: [...p.secretKmsKeyArns],
                Condition: { StringEquals: { "kms:ViaService": `secretsmanager.${p.region}.amazonaws.com` } },
              },
            ]),
      ]);
    }
  }

  private addScaling(p: ResolvedFargateServiceProps): FargateService["scalingPolicies"] {
    const s = p.scaling;
    if (s === undefined) return {};
    const target = this.scalableTarget;
    const policy = (id: string, suffix: string, predefinedMetricType: string, targetValue: number, resourceLabel?: string) =>
      new AppautoscalingPolicy(this, id, {
        name: `${p.name}-${suffix}`,
        policyType: "TargetTrackingScaling",
        serviceNamespace: target.serviceNamespace,
        scalableDimension: target.scalableDimension,
        resourceId: target.resourceId,
        targetTrackingScalingPolicyConfiguration: {
          predefinedMetricSpecification: { predefinedMetricType, resourceLabel },
          targetValue,
          scaleOutCooldown: s.scaleOutCooldownSeconds,
          scaleInCooldown: s.scaleInCooldownSeconds,
        },
      });
    const r = s.requestsPerTarget;
    return {
      cpu: s.cpuTargetPercent === undefined ? undefined : policy("CpuTarget", "cpu-target", "ECSServiceAverageCPUUtilization", s.cpuTargetPercent),
      memory: s.memoryTargetPercent === undefined ? undefined : policy("MemoryTarget", "memory-target", "ECSServiceAverageMemoryUtilization", s.memoryTargetPercent),
      requests:
        r === undefined
          ? undefined
          : policy("RequestsPerTarget", "requests-per-target", "ALBRequestCountPerTarget", r.value, `${r.loadBalancerArnSuffix}/${r.targetGroupArnSuffix}`),
    };
  }

  /** At the desired count: what the service costs when scaling leaves it there. */
  private addCosts(p: ResolvedFargateServiceProps): void {
    const key = (item: string) => costKey(this, item);
    const arch = p.cpuArchitecture;
    const hourly = (dimension: "vcpu" | "gb"): number =>
      isKnown(arch)
        ? FARGATE_USD_PER_HOUR[arch][dimension]
        : Token.asNumber(Fn.lookup(Object.fromEntries(Object.entries(FARGATE_USD_PER_HOUR).map(([a, prices]) => [a, prices[dimension]])), arch));
    const archText = isKnown(arch) ? `${arch}, ` : "";
    const items: CostItem[] = [
      {
        key: key("vcpu"),
        usd: product([p.cpu, 1 / 1024, HOURS_PER_MONTH], [hourly("vcpu")], p.desiredTasks),
        description: `Fargate vCPU (${archText}us-east-1 on-demand per vCPU-hour x cpu/1024 x 730 h x desired tasks)`,
      },
      {
        key: key("memory"),
        usd: product([p.memoryMiB, 1 / 1024, HOURS_PER_MONTH], [hourly("gb")], p.desiredTasks),
        description: `Fargate memory (${archText}us-east-1 on-demand per GB-hour x memoryMiB/1024 x 730 h x desired tasks)`,
      },
    ];
    if (p.assignPublicIp !== false) {
      items.push({
        key: key("public-ipv4"),
        usd: when(p.assignPublicIp, product([PUBLIC_IPV4_USD_PER_MONTH], [], p.desiredTasks)),
        description: "A public IPv4 address per task (assignPublicIp), x desired tasks",
      });
    }
    if (this.cluster !== undefined && p.containerInsights !== false) {
      items.push({
        key: key("container-insights"),
        usd: when(p.containerInsights, Math.round(CONTAINER_INSIGHTS_ESTIMATED_METRICS * CUSTOM_METRIC_USD_PER_MONTH * 100) / 100),
        description: `Container Insights: about ${CONTAINER_INSIGHTS_ESTIMATED_METRICS} custom metrics for the cluster and its one service (an estimate), without its performance log events`,
      });
    }
    CostEstimate.of(this).add(...items);
  }
}

/** The product of the factors and the count: a number when all are known, else a Terraform expression (never a literal 0 operand). */
function product(factors: readonly number[], prices: readonly number[], count: number): number {
  const all = [...factors, ...prices, count];
  const literal = all.filter((f) => !Token.isUnresolved(f)).reduce((a, f) => a * f, 1);
  const tokens = all.filter((f) => Token.isUnresolved(f));
  // A literal 0 operand of Op.* renders as `undefined`: nothing times anything costs nothing.
  if (literal === 0) return 0;
  if (tokens.length === 0) return literal;
  const expression = tokens.reduce((a, t) => Token.asNumber(Op.mul(a, t)));
  return literal === 1 ? expression : Token.asNumber(Op.mul(expression, literal));
}

/** usd when the switch is on, else 0 (a Terraform conditional for a token switch; outermost, so it needs no parentheses). */
function when(on: Switch, usd: number): number {
  if (typeof on === "boolean") return on ? usd : 0;
  return Token.asNumber(Fn.conditional(on, usd, 0));
}

/** A number as the string the task definition takes ("1024"), or the Terraform number as a string. */
function numberText(value: number): string {
  return isKnown(value) ? String(value) : Token.asString(value);
}

/** The secrets' ARNs without `:json-key:version-stage:version-id`: literals sorted and unique, then the Terraform ones. */
function secretArnsOf(containers: readonly ResolvedContainerSpec[]): string[] {
  const valueFroms = containers.flatMap((c) => Object.values(c.secrets));
  const literal = [...new Set(valueFroms.filter((v) => isKnown(v)).map((v) => SECRET_VALUE_FROM.exec(v)?.[1] ?? v))].sort();
  // A secret ARN is seven colon-separated fields (arn:partition:secretsmanager:region:account:secret:name-suffix).
  const tokens = [...new Set(valueFroms.filter((v) => !isKnown(v)))].map((v) => Token.asString(Fn.join(":", Fn.slice(Fn.split(":", v), 0, 7))));
  return [...literal, ...tokens];
}

/** A policy's resource list: as it is when known, `distinct([...])` when Terraform values might repeat one. */
function resourceList(arns: readonly string[]): string[] {
  return arns.every((a) => isKnown(a)) ? [...arns] : Token.asList(Fn.distinct([...arns]));
}

/** The container definitions as JSON text: plain JSON when everything is known at synth, `jsonencode(...)` otherwise. */
function containerDefinitionsText(p: ResolvedFargateServiceProps): string {
  const definitions = p.containers.map((c) => containerDefinition(c, p.logGroup.name, p.region));
  // Literal `${` and `%{` must stay text (an environment value "${HOME}"). Plain JSON text is escaped here; in
  // jsonencode(...) cdktf escapes `${` of literal strings by itself, but not `%{`.
  return containsToken(definitions) ? Fn.jsonencode(escapeDirectives(definitions)) : escapeForTerraform(JSON.stringify(definitions));
}

/** `%{` → `%%{` in every literal string of the value (strings holding a Terraform value are left as they are). */
function escapeDirectives<T>(value: T): T {
  if (typeof value === "string") return (Token.isUnresolved(value) ? value : value.replace(/%\{/g, () => "%%{")) as T;
  if (Array.isArray(value)) return value.map(escapeDirectives) as T;
  if (value !== null && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, escapeDirectives(v)])) as T;
  return value;
}

function containerDefinition(c: ResolvedContainerSpec, logGroupName: string, region: string): Record<string, unknown> {
  const hc = c.healthCheck;
  const byName = (a: { name: string }, b: { name: string }) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  return compact({
    name: c.name,
    image: c.image,
    essential: c.essential,
    command: c.command === undefined ? undefined : [...c.command],
    user: c.user,
    cpu: c.cpu,
    memoryReservation: c.memoryReservationMiB,
    // awsvpc: the host port is the container port (written out, as ECS returns it, so plans show no drift).
    portMappings: c.portMappings.length === 0 ? undefined : c.portMappings.map((port) => ({ containerPort: port, hostPort: port, protocol: "tcp" })),
    environment: Object.keys(c.environment).length === 0 ? undefined : Object.entries(c.environment).map(([name, value]) => ({ name, value })).sort(byName),
    secrets: Object.keys(c.secrets).length === 0 ? undefined : Object.entries(c.secrets).map(([name, valueFrom]) => ({ name, valueFrom })).sort(byName),
    healthCheck:
      hc === undefined
        ? undefined
        : compact({ command: [...hc.command], interval: hc.intervalSeconds, timeout: hc.timeoutSeconds, retries: hc.retries, startPeriod: hc.startPeriodSeconds }),
    dependsOn: c.dependsOn.length === 0 ? undefined : c.dependsOn.map((d) => ({ containerName: d.containerName, condition: d.condition })),
    readonlyRootFilesystem: c.readonlyRootFilesystem,
    // An init process (tini) as PID 1 forwards signals and reaps zombies; ECS Exec's agent relies on it.
    linuxParameters: { initProcessEnabled: true },
    logConfiguration: {
      logDriver: "awslogs",
      options: { "awslogs-group": logGroupName, "awslogs-region": region, "awslogs-stream-prefix": c.logStreamPrefix },
    },
  });
}

/** The object without its undefined fields. */
function compact(object: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(object).filter(([, v]) => v !== undefined));
}

function containsToken(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(containsToken);
  if (value !== null && typeof value === "object") return Object.values(value).some(containsToken);
  return Token.isUnresolved(value);
}
