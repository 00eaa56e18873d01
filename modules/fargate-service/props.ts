import { applyDefaults, Switch } from "../core/index.js";

/** CPU architecture of the tasks: the images must be built for it (or be multi-arch). */
export type CpuArchitecture = "X86_64" | "ARM64";
export const CPU_ARCHITECTURES: readonly CpuArchitecture[] = ["X86_64", "ARM64"];

/** When a container may start, relative to another container of the task. */
export type ContainerDependencyCondition = "START" | "COMPLETE" | "SUCCESS" | "HEALTHY";
export const CONTAINER_DEPENDENCY_CONDITIONS: readonly ContainerDependencyCondition[] = ["START", "COMPLETE", "SUCCESS", "HEALTHY"];

/** A container's Docker health check, run by ECS inside the container. */
export interface ContainerHealthCheck {
  /**
   * The check, starting with "CMD" (run directly) or "CMD-SHELL" (run by the container's shell), e.g.
   * `["CMD-SHELL", "curl -fsS http://localhost:8080/health || exit 1"]`. Exit code 0 is healthy. The tool it calls
   * must be in the image.
   */
  readonly command: readonly string[];
  /**
   * Seconds between checks, 5-300.
   * @default 30
   */
  readonly intervalSeconds?: number;
  /**
   * Seconds a check may take before it counts as failed, 2-60.
   * @default 5
   */
  readonly timeoutSeconds?: number;
  /**
   * Failed checks in a row that make the container unhealthy, 1-10.
   * @default 3
   */
  readonly retries?: number;
  /**
   * Seconds after the start during which failed checks do not count (boot time), 0-300.
   * @default - none: every check counts
   */
  readonly startPeriodSeconds?: number;
}

/** Another container of the task this one waits for. */
export interface ContainerDependency {
  /** Name of the other container (one of `containers`). */
  readonly containerName: string;
  /**
   * START: it has started; COMPLETE: it has exited; SUCCESS: it has exited with 0 (not on an essential container);
   * HEALTHY: its health check passes (it needs a healthCheck).
   */
  readonly condition: ContainerDependencyCondition;
}

/** One container of the task. */
export interface ContainerSpec {
  /** Name, unique in the task: letters, digits, hyphens and underscores, 1-255 characters. */
  readonly name: string;
  /** Image reference, e.g. `<account>.dkr.ecr.<region>.amazonaws.com/shop/api:1.4.2` or `nginx:1.27`. */
  readonly image: string;
  /**
   * Whether the task stops when this container stops. The first container (the main one) must be essential.
   * @default true
   */
  readonly essential?: boolean;
  /**
   * TCP ports the container listens on (awsvpc: the task's own address, host port = container port). Containers of a
   * task share one network namespace, so a port belongs to one container.
   * @default [] - none
   */
  readonly portMappings?: readonly number[];
  /**
   * Environment variables (Terraform strings are fine), rendered as name/value pairs sorted by name. Not for secrets:
   * the task definition shows them to anyone who may describe it.
   * @default {} - none
   */
  readonly environment?: Readonly<Record<string, string>>;
  /**
   * Environment variables read from Secrets Manager when the task starts: variable name → the secret's full ARN
   * (with its random suffix, e.g. ManagedSecret's arn), or `<secret ARN>:<json-key>:<version-stage>:<version-id>`
   * for one key of a JSON secret (`<arn>:password::`). The execution role may read exactly these secrets.
   * @default {} - none
   */
  readonly secrets?: Readonly<Record<string, string>>;
  /**
   * Replaces the image's CMD.
   * @default - the image's CMD
   */
  readonly command?: readonly string[];
  /**
   * Docker health check; a load balancer's own health check is separate (the target group's).
   * @default - none
   */
  readonly healthCheck?: ContainerHealthCheck;
  /**
   * Containers that must reach a condition before this one starts.
   * @default [] - none
   */
  readonly dependsOn?: readonly ContainerDependency[];
  /**
   * CPU units reserved for this container within the task's cpu.
   * @default - none: the containers share the task's CPU
   */
  readonly cpu?: number;
  /**
   * Memory (MiB) reserved for this container within the task's memoryMiB (a soft limit).
   * @default - none: the containers share the task's memory
   */
  readonly memoryReservationMiB?: number;
  /**
   * Mount the container's root filesystem read-only (write to volumes or /tmp mounts only).
   * @default false
   */
  readonly readonlyRootFilesystem?: boolean;
  /**
   * Prefix of the container's log streams in the log group (`<prefix>/<container name>/<task id>`).
   * @default - the container's name
   */
  readonly logStreamPrefix?: string;
  /**
   * User (and group) the container runs as, e.g. "1000" or "1000:1000".
   * @default - the image's USER
   */
  readonly user?: string;
}

/** The load balancer target group the service registers its tasks with (target type "ip"). */
export interface ServiceLoadBalancer {
  /** ARN of the target group (target type "ip", attached to a listener before the service is created). */
  readonly targetGroupArn: string;
  /** The container that receives the traffic (one of `containers`). */
  readonly containerName: string;
  /** The port of that container (one of its portMappings). */
  readonly containerPort: number;
}

/** Target tracking on the service's desired count: each given target is a policy of its own; the most demanding wins. */
export interface ServiceScaling {
  /**
   * Average CPU utilisation of the service to hold, in percent (more than 0, at most 100).
   * @default - no CPU policy
   */
  readonly cpuTargetPercent?: number;
  /**
   * Average memory utilisation of the service to hold, in percent (more than 0, at most 100).
   * @default - no memory policy
   */
  readonly memoryTargetPercent?: number;
  /**
   * Requests per task and minute to hold, counted by the service's target group (ALBRequestCountPerTarget); needs
   * loadBalancer.
   * @default - no request-count policy
   */
  readonly requestsPerTarget?: {
    /** The load balancer's arn_suffix, `app/<name>/<id>`. */
    readonly loadBalancerArnSuffix: string;
    /** The target group's arn_suffix, `targetgroup/<name>/<id>` (the group of loadBalancer.targetGroupArn). */
    readonly targetGroupArnSuffix: string;
    /** Requests per task (more than 0). */
    readonly value: number;
  };
  /**
   * Seconds after a scale-out before another scale-out (a whole number >= 0).
   * @default 60
   */
  readonly scaleOutCooldownSeconds?: number;
  /**
   * Seconds after a scale-in before another scale-in (a whole number >= 0): slow, so a short dip does not drop tasks.
   * @default 300
   */
  readonly scaleInCooldownSeconds?: number;
}

/** The log group every container writes to (awslogs). */
export interface ServiceLogGroup {
  /** Name of the log group the module creates, e.g. "/ecs/shop-api" (1-512 of letters, digits and `._-/#`). */
  readonly name: string;
  /** Days the events are kept: one of the periods CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, …, 3653). */
  readonly retentionDays: number;
}

export interface FargateServiceProps {
  /**
   * Name of the service, and of what belongs to it: the cluster (when created), the task definition family, the
   * roles' name prefixes (`<name>-exec-`, `<name>-task-`) and the scaling policies. Letters, digits, hyphens and
   * underscores, starting with a letter or digit, 1-32 characters. Changing it replaces the service.
   */
  readonly name: string;
  /** AWS region of the stack, e.g. "us-east-1". */
  readonly region: string;
  /** AWS partition, e.g. "aws". */
  readonly partition: string;
  /** AWS account ID (12 digits): the roles trust ECS on behalf of this account only. */
  readonly accountId: string;
  /**
   * ARN of an existing ECS cluster to run in (`arn:<partition>:ecs:<region>:<account>:cluster/<name>`).
   * @default - the module creates a cluster named `name`
   */
  readonly clusterArn?: string;
  /**
   * Container Insights on the cluster the module creates (only without clusterArn): per-task and per-container
   * metrics, billed as custom metrics (about $9/month for one service, see the cost estimate) plus its performance
   * log events. Off by default: the service's CPU and memory utilisation that scaling and alarms use come free in
   * AWS/ECS without it.
   * @default false
   */
  readonly containerInsights?: Switch;
  /**
   * Task CPU units (1024 = 1 vCPU): 256, 512, 1024, 2048, 4096, 8192 or 16384. With memoryMiB one of Fargate's
   * combinations (checked at synth when both are literal).
   */
  readonly cpu: number;
  /**
   * Task memory in MiB, allowed by cpu: 256 → 512, 1024, 2048; 512 → 1024-4096; 1024 → 2048-8192 (each in steps of
   * 1024); 2048 → 4096-16384 and 4096 → 8192-30720 in steps of 1024; 8192 → 16384-61440 in steps of 4096;
   * 16384 → 32768-122880 in steps of 8192.
   */
  readonly memoryMiB: number;
  /**
   * CPU architecture (Linux): ARM64 (Graviton) costs about 20 % less; every image must have an arm64 variant.
   * @default "X86_64"
   */
  readonly cpuArchitecture?: CpuArchitecture;
  /** The task's containers in order; the first is the main one (essential). At least one. */
  readonly containers: readonly ContainerSpec[];
  /** The log group the module creates, which every container logs to. */
  readonly logGroup: ServiceLogGroup;
  /**
   * ARN of a KMS key that encrypts the log group (its key policy must let `logs.<region>.amazonaws.com` use it).
   * @default - encrypted with keys CloudWatch Logs manages
   */
  readonly logKmsKeyArn?: string;
  /** Subnets of the tasks (private ones with a NAT gateway or VPC endpoints to pull images, one per zone). */
  readonly subnetIds: readonly string[];
  /** Security groups of the tasks. */
  readonly securityGroupIds: readonly string[];
  /**
   * Give each task a public IPv4 address (for public subnets without NAT; each address is billed).
   * @default false
   */
  readonly assignPublicIp?: Switch;
  /**
   * Target group the service registers its tasks with.
   * @default - none: the service is not behind a load balancer
   */
  readonly loadBalancer?: ServiceLoadBalancer;
  /**
   * Seconds after a task starts before ECS acts on failed load balancer health checks (only with loadBalancer;
   * a whole number >= 0).
   * @default 60 - with loadBalancer; none without
   */
  readonly healthCheckGracePeriodSeconds?: number;
  /** Fewest tasks (a whole number >= 0; a Terraform number is fine). */
  readonly minTasks: number;
  /** Most tasks (a whole number >= minTasks and >= 1; a Terraform number is fine). */
  readonly maxTasks: number;
  /**
   * Tasks at creation, between minTasks and maxTasks. Terraform sets it when it creates the service and then leaves
   * the count to scaling (ignore_changes on desired_count): a later change here moves nothing; change minTasks.
   * @default - minTasks
   */
  readonly desiredTasks?: number;
  /**
   * Target-tracking scaling. The count always stays between minTasks and maxTasks (a scalable target is registered
   * either way: minTasks = maxTasks makes a fixed count).
   * @default - no scaling policy
   */
  readonly scaling?: ServiceScaling;
  /**
   * Share of the desired count kept running during a deployment, 0-100.
   * @default 100
   */
  readonly deploymentMinimumHealthyPercent?: number;
  /**
   * Most tasks during a deployment as a share of the desired count, 100-200 and above deploymentMinimumHealthyPercent.
   * @default 200
   */
  readonly deploymentMaximumPercent?: number;
  /**
   * ECS Exec (`aws ecs execute-command`, see execCommand): the task role gets the four ssmmessages actions it needs.
   * @default true
   */
  readonly enableExecuteCommand?: Switch;
  /**
   * Whether `terraform apply` waits until the service is steady (the new tasks healthy) and fails otherwise.
   * @default false
   */
  readonly waitForSteadyState?: boolean;
  /**
   * ECR repositories the images come from: the execution role may pull from exactly these (and get the registry
   * login token, which has no resource).
   * @default [] - no ECR permission (public images)
   */
  readonly ecrRepositoryArns?: readonly string[];
  /**
   * Customer managed KMS keys of the containers' secrets: the execution role may decrypt with them through
   * Secrets Manager only (kms:ViaService).
   * @default [] - the secrets use the AWS managed key
   */
  readonly secretKmsKeyArns?: readonly string[];
  /**
   * Tags for the cluster, task definition, service and log group (propagated to the tasks from the service).
   * @default - none beyond the provider's default_tags
   */
  readonly tags?: Readonly<Record<string, string>>;
}

/** Defaults, applied in one place (desiredTasks defaults to minTasks, healthCheckGracePeriodSeconds only with a load balancer). */
export const FARGATE_SERVICE_DEFAULTS = {
  containerInsights: false as Switch,
  cpuArchitecture: "X86_64" as CpuArchitecture,
  logKmsKeyArn: "",
  assignPublicIp: false as Switch,
  deploymentMinimumHealthyPercent: 100,
  deploymentMaximumPercent: 200,
  enableExecuteCommand: true as Switch,
  waitForSteadyState: false,
  ecrRepositoryArns: [] as readonly string[],
  secretKmsKeyArns: [] as readonly string[],
  tags: {} as Readonly<Record<string, string>>,
};

/** Grace period with a load balancer. */
export const HEALTH_CHECK_GRACE_PERIOD_DEFAULT_SECONDS = 60;

/** Defaults of each container. */
export const CONTAINER_DEFAULTS = {
  essential: true,
  portMappings: [] as readonly number[],
  environment: {} as Readonly<Record<string, string>>,
  secrets: {} as Readonly<Record<string, string>>,
  dependsOn: [] as readonly ContainerDependency[],
  readonlyRootFilesystem: false,
};

/** Defaults of a container health check (ECS's own). */
export const CONTAINER_HEALTH_CHECK_DEFAULTS = { intervalSeconds: 30, timeoutSeconds: 5, retries: 3 };

/** Defaults of scaling. */
export const SCALING_DEFAULTS = { scaleOutCooldownSeconds: 60, scaleInCooldownSeconds: 300 };

export type ResolvedContainerHealthCheck = ContainerHealthCheck & Required<Pick<ContainerHealthCheck, keyof typeof CONTAINER_HEALTH_CHECK_DEFAULTS>>;
export type ResolvedContainerSpec = Omit<ContainerSpec, "healthCheck" | "logStreamPrefix"> &
  Required<Pick<ContainerSpec, keyof typeof CONTAINER_DEFAULTS>> & { readonly healthCheck?: ResolvedContainerHealthCheck; readonly logStreamPrefix: string };
export type ResolvedServiceScaling = ServiceScaling & Required<Pick<ServiceScaling, keyof typeof SCALING_DEFAULTS>>;
export type ResolvedFargateServiceProps = Omit<FargateServiceProps, "containers" | "scaling" | "desiredTasks"> &
  Required<Pick<FargateServiceProps, keyof typeof FARGATE_SERVICE_DEFAULTS>> & {
    readonly containers: readonly ResolvedContainerSpec[];
    readonly scaling?: ResolvedServiceScaling;
    readonly desiredTasks: number;
    /** undefined without a load balancer. */
    readonly healthCheckGracePeriodSeconds?: number;
  };

export function withDefaults(props: FargateServiceProps): ResolvedFargateServiceProps {
  const p = applyDefaults(props, FARGATE_SERVICE_DEFAULTS);
  return {
    ...p,
    desiredTasks: props.desiredTasks ?? props.minTasks,
    healthCheckGracePeriodSeconds: props.healthCheckGracePeriodSeconds ?? (props.loadBalancer === undefined ? undefined : HEALTH_CHECK_GRACE_PERIOD_DEFAULT_SECONDS),
    containers: props.containers.map((c) => ({
      ...applyDefaults(c, CONTAINER_DEFAULTS),
      logStreamPrefix: c.logStreamPrefix ?? c.name,
      healthCheck: c.healthCheck === undefined ? undefined : applyDefaults(c.healthCheck, CONTAINER_HEALTH_CHECK_DEFAULTS),
    })),
    scaling: props.scaling === undefined ? undefined : applyDefaults(props.scaling, SCALING_DEFAULTS),
  };
}

/**
 * Fargate's on-demand prices in us-east-1 (Linux), USD per hour: per vCPU and per GB of memory. From AWS's Fargate
 * pricing page as quoted by third parties (vantage.sh "AWS Fargate Pricing Explained", wring.co 2026; the ECS
 * pricing page's example gives $0.000011244 per vCPU-second = $0.04048 per hour); the official page renders its
 * table dynamically, so not read there: verify before relying on them. Other regions cost up to ~30 % more.
 */
export const FARGATE_USD_PER_HOUR: Readonly<Record<CpuArchitecture, { readonly vcpu: number; readonly gb: number }>> = {
  X86_64: { vcpu: 0.04048, gb: 0.004445 },
  ARM64: { vcpu: 0.03238, gb: 0.00356 },
};

/**
 * Container Insights' custom metrics for one cluster with one Fargate service, an estimate: roughly a dozen per
 * cluster, a dozen per service and eight per task definition family (ECS/ContainerInsights: CpuUtilized,
 * MemoryUtilized, Network*, Storage*, RunningTaskCount, DeploymentCount, …). The count is not verified against a
 * bill; the performance log events it writes are not counted.
 */
export const CONTAINER_INSIGHTS_ESTIMATED_METRICS = 30;
