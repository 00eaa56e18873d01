import { Token } from "cdktf";
import { IConstruct } from "constructs";
import { isKnown, isPort, LOG_RETENTION_DAYS, validateAll, ValidationRule } from "../core/index.js";
import { CONTAINER_DEPENDENCY_CONDITIONS, CPU_ARCHITECTURES, FargateServiceProps, ResolvedContainerSpec, ResolvedFargateServiceProps } from "./props.js";

const NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$/;
const CONTAINER_NAME = /^[A-Za-z0-9_-]{1,255}$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const ACCOUNT_ID = /^\d{12}$/;
const LOG_GROUP_NAME = /^[.\-_/#A-Za-z0-9]{1,512}$/;
const CLUSTER_ARN = /^arn:[a-z-]+:ecs:[a-z0-9-]+:\d{12}:cluster\/[A-Za-z0-9_-]{1,255}$/;
const TARGET_GROUP_ARN = /^arn:[a-z-]+:elasticloadbalancing:[a-z0-9-]+:\d{12}:targetgroup\/[^/]+\/[^/]+$/;
const TARGET_GROUP_SUFFIX = /^targetgroup\/[^/]+\/[^/]+$/;
const LOAD_BALANCER_SUFFIX = /^app\/[^/]+\/[^/]+$/;
const ECR_REPOSITORY_ARN = /^arn:[a-z-]+:ecr:[a-z0-9-]+:\d{12}:repository\/.+$/;
const KMS_KEY_ARN = /^arn:[a-z-]+:kms:[a-z0-9-]+:\d{12}:key\/.+$/;
/** A Secrets Manager secret ARN, optionally followed by `:json-key:version-stage:version-id`. */
export const SECRET_VALUE_FROM = /^(arn:[a-z-]+:secretsmanager:[a-z0-9-]+:\d{12}:secret:[^:]+)(:[^:]*:[^:]*:[^:]*)?$/;

/** Fargate's CPU units → the memory sizes (MiB) it allows with them. */
export const FARGATE_MEMORY_BY_CPU: Readonly<Record<number, readonly number[]>> = {
  256: [512, 1024, 2048],
  512: range(1024, 4096, 1024),
  1024: range(2048, 8192, 1024),
  2048: range(4096, 16384, 1024),
  4096: range(8192, 30720, 1024),
  8192: range(16384, 61440, 4096),
  16384: range(32768, 122880, 8192),
};

function range(from: number, to: number, step: number): number[] {
  const out: number[] = [];
  for (let v = from; v <= to; v += step) out.push(v);
  return out;
}

/** "2048-16384 in steps of 1024" or "512, 1024, 2048". */
function describeMemory(cpu: number): string {
  const sizes = FARGATE_MEMORY_BY_CPU[cpu]!;
  if (sizes.length <= 3) return sizes.join(", ");
  return `${sizes[0]}-${sizes[sizes.length - 1]} in steps of ${sizes[1]! - sizes[0]!}`;
}

const wholeAtLeast = (value: number | undefined, min: number) => isKnown(value) && (!Number.isInteger(value) || value < min);
const wholeBetween = (value: number | undefined, min: number, max: number) => isKnown(value) && (!Number.isInteger(value) || value < min || value > max);

/**
 * Checks what can be checked at synth, reporting every problem at once; Terraform tokens are left to Terraform and
 * ECS. `given` are the props as the caller wrote them (to tell a default from a choice).
 */
export function validateFargateServiceProps(scope: IConstruct, p: ResolvedFargateServiceProps, given: FargateServiceProps): void {
  const { cpu, memoryMiB: memory, minTasks: min, maxTasks: max, desiredTasks: desired } = p;
  const cpus = Object.keys(FARGATE_MEMORY_BY_CPU).map(Number);
  const names = p.containers.map((c) => c.name);
  const lb = p.loadBalancer;
  const lbContainer = lb === undefined ? undefined : p.containers.find((c) => c.name === lb.containerName);
  const scaling = p.scaling;
  const requests = scaling?.requestsPerTarget;
  const minHealthy = p.deploymentMinimumHealthyPercent;
  const maxPercent = p.deploymentMaximumPercent;
  const hasSecrets = p.containers.some((c) => Object.keys(c.secrets).length > 0);
  const ports = p.containers.flatMap((c) => c.portMappings.filter((port) => isKnown(port)).map((port) => [c.name, port] as const));
  const taken = (port: number) => [...new Set(ports.filter(([, q]) => q === port).map(([n]) => n))];
  const duplicatePorts = [...new Set(ports.map(([, q]) => q))].filter((q) => taken(q).length > 1);
  const containerCpu = p.containers.map((c) => c.cpu);
  const containerMemory = p.containers.map((c) => c.memoryReservationMiB);
  const sum = (values: (number | undefined)[]) => values.reduce<number>((a, v) => a + (v ?? 0), 0);

  validateAll(scope, [
    {
      failed: isKnown(p.name) && !NAME.test(p.name),
      message: `name "${p.name}" must be 1-32 letters, digits, hyphens and underscores, starting with a letter or digit (it prefixes the roles' names), e.g. "shop-api".`,
    },
    { failed: isKnown(p.accountId) && !ACCOUNT_ID.test(p.accountId), message: `accountId "${p.accountId}" must be the 12-digit AWS account ID.` },
    {
      failed: p.clusterArn !== undefined && isKnown(p.clusterArn) && !CLUSTER_ARN.test(p.clusterArn),
      message: `clusterArn "${p.clusterArn}" must be an ECS cluster's ARN, arn:<partition>:ecs:<region>:<account>:cluster/<name> (aws_ecs_cluster.arn), or be left out to create one.`,
    },
    {
      failed: p.clusterArn !== undefined && given.containerInsights !== undefined,
      message: "containerInsights is set with clusterArn: Container Insights is a setting of the cluster, which the module does not create then. Turn it on where the cluster is defined, or leave clusterArn out.",
    },
    {
      failed: isKnown(cpu) && !cpus.includes(cpu),
      message: `cpu ${cpu} is not a Fargate task size: use ${cpus.join(", ")} CPU units (1024 = 1 vCPU).`,
    },
    {
      failed: isKnown(cpu) && cpus.includes(cpu) && isKnown(memory) && !FARGATE_MEMORY_BY_CPU[cpu]!.includes(memory),
      message: `memoryMiB ${memory} is not allowed with cpu ${cpu} on Fargate: use ${isKnown(cpu) && cpus.includes(cpu) ? describeMemory(cpu) : ""} MiB, or another cpu.`,
    },
    {
      failed: isKnown(p.cpuArchitecture) && !CPU_ARCHITECTURES.includes(p.cpuArchitecture),
      message: `cpuArchitecture "${p.cpuArchitecture}" must be ${CPU_ARCHITECTURES.map((a) => `"${a}"`).join(" or ")}.`,
    },
    { failed: p.containers.length === 0, message: "containers is empty: give at least the main container ({ name, image })." },
    {
      failed: p.containers.length > 0 && p.containers[0]!.essential === false,
      message: `containers[0] "${p.containers[0]?.name}" is the main container and must be essential: remove essential: false, or put the main container first.`,
    },
    ...p.containers.flatMap((c, i) => containerRules(c, i, names, p.containers)),
    ...[...new Set(names.filter((n, i) => isKnown(n) && names.indexOf(n) !== i))].map((n) => ({
      failed: true,
      message: `containers: the name "${n}" is used more than once: each container of a task needs its own name.`,
    })),
    ...duplicatePorts.map((q) => ({
      failed: true,
      message: `containers: port ${q} is mapped by ${taken(q).map((n) => `"${n}"`).join(" and ")}: the containers of a task share one network, so a port belongs to one container.`,
    })),
    {
      failed: isKnown(cpu) && containerCpu.every((v) => isKnown(v) || v === undefined) && sum(containerCpu) > cpu,
      message: `containers' cpu add up to ${sum(containerCpu)}, more than the task's cpu ${cpu}: lower them or raise cpu.`,
    },
    {
      failed: isKnown(memory) && containerMemory.every((v) => isKnown(v) || v === undefined) && sum(containerMemory) > memory,
      message: `containers' memoryReservationMiB add up to ${sum(containerMemory)}, more than the task's memoryMiB ${memory}: lower them or raise memoryMiB.`,
    },
    { failed: isKnown(p.logGroup.name) && !LOG_GROUP_NAME.test(p.logGroup.name), message: `logGroup.name "${p.logGroup.name}" must be 1-512 letters, digits and . _ - / #, e.g. "/ecs/shop-api".` },
    {
      failed: isKnown(p.logGroup.retentionDays) && !LOG_RETENTION_DAYS.includes(p.logGroup.retentionDays),
      message: `logGroup.retentionDays ${p.logGroup.retentionDays} is not a CloudWatch Logs retention: use one of ${LOG_RETENTION_DAYS.join(", ")}.`,
    },
    {
      failed: isKnown(p.logKmsKeyArn) && p.logKmsKeyArn !== "" && !KMS_KEY_ARN.test(p.logKmsKeyArn),
      message: `logKmsKeyArn "${p.logKmsKeyArn}" must be a KMS key ARN, arn:<partition>:kms:<region>:<account>:key/<id> (not an alias).`,
    },
    { failed: p.subnetIds.length === 0, message: "subnetIds is empty: give the (private) subnets the tasks run in." },
    { failed: p.securityGroupIds.length === 0, message: "securityGroupIds is empty: give the security groups of the tasks." },
    ...loadBalancerRules(p, lbContainer),
    {
      failed: lb === undefined && p.healthCheckGracePeriodSeconds !== undefined,
      message: "healthCheckGracePeriodSeconds is set without loadBalancer: it delays load balancer health checks only. Remove it or add loadBalancer.",
    },
    { failed: wholeAtLeast(p.healthCheckGracePeriodSeconds, 0), message: `healthCheckGracePeriodSeconds ${p.healthCheckGracePeriodSeconds} must be a whole number of seconds >= 0.` },
    { failed: wholeAtLeast(min, 0), message: `minTasks ${min} must be a whole number >= 0.` },
    { failed: wholeAtLeast(max, 1), message: `maxTasks ${max} must be a whole number >= 1.` },
    { failed: isKnown(min) && isKnown(max) && min > max, message: `maxTasks ${max} is below minTasks ${min}: raise maxTasks or lower minTasks.` },
    {
      // Only as given: the default (minTasks) is out of range only when minTasks and maxTasks are, reported above.
      failed: given.desiredTasks !== undefined && isKnown(desired) && (!Number.isInteger(desired) || (isKnown(min) && desired < min) || (isKnown(max) && desired > max)),
      message: `desiredTasks ${desired} must be a whole number between minTasks ${min} and maxTasks ${max}.`,
    },
    ...scalingRules(p),
    { failed: requests !== undefined && lb === undefined, message: "scaling.requestsPerTarget needs loadBalancer: requests are counted by the service's target group. Add loadBalancer or remove requestsPerTarget." },
    { failed: wholeBetween(minHealthy, 0, 100), message: `deploymentMinimumHealthyPercent ${minHealthy} must be a whole percentage, 0-100.` },
    { failed: wholeBetween(maxPercent, 100, 200), message: `deploymentMaximumPercent ${maxPercent} must be a whole percentage, 100-200.` },
    {
      failed: isKnown(minHealthy) && isKnown(maxPercent) && maxPercent <= minHealthy,
      message: `deploymentMaximumPercent ${maxPercent} must be above deploymentMinimumHealthyPercent ${minHealthy}, or a deployment can neither start a new task nor stop an old one.`,
    },
    ...literalItems(p.ecrRepositoryArns).map((arn) => ({
      failed: isKnown(arn) && !ECR_REPOSITORY_ARN.test(arn),
      message: `ecrRepositoryArns: "${arn}" must be an ECR repository's ARN, arn:<partition>:ecr:<region>:<account>:repository/<name> (ContainerRegistry.repositoryArns), not its URL.`,
    })),
    ...literalItems(p.secretKmsKeyArns).map((arn) => ({
      failed: isKnown(arn) && !KMS_KEY_ARN.test(arn),
      message: `secretKmsKeyArns: "${arn}" must be a KMS key ARN, arn:<partition>:kms:<region>:<account>:key/<id> (not an alias).`,
    })),
    {
      failed: p.secretKmsKeyArns.length > 0 && !hasSecrets,
      message: "secretKmsKeyArns is set but no container has secrets: remove secretKmsKeyArns, or add the secrets they encrypt.",
    },
  ]);
}

function containerRules(c: ResolvedContainerSpec, i: number, names: readonly string[], all: readonly ResolvedContainerSpec[]): ValidationRule[] {
  const at = `containers[${i}]${isKnown(c.name) && c.name ? ` "${c.name}"` : ""}`;
  const hc = c.healthCheck;
  const envNames = Object.keys(c.environment);
  const secretNames = Object.keys(c.secrets);
  return [
    {
      failed: c.name === undefined || (isKnown(c.name) && !CONTAINER_NAME.test(c.name)),
      message: `containers[${i}].name ${c.name === undefined || c.name === "" ? "is missing" : `"${c.name}" is invalid`}: give each container a name of 1-255 letters, digits, hyphens and underscores, e.g. "app".`,
    },
    { failed: c.image === undefined || (isKnown(c.image) && c.image.trim() === ""), message: `${at}.image is empty: give the image reference, e.g. "nginx:1.27" or an ECR repository URL with a tag.` },
    ...c.portMappings.map((port) => ({ failed: isKnown(port) && !isPort(port), message: `${at}.portMappings: ${port} is not a port (1-65535).` })),
    ...[...envNames, ...secretNames].map((n) => ({
      failed: !ENV_NAME.test(n),
      message: `${at}: "${n}" is not an environment variable name: use letters, digits and underscores, not starting with a digit.`,
    })),
    ...envNames
      .filter((n) => secretNames.includes(n))
      .map((n) => ({ failed: true, message: `${at}: "${n}" is both in environment and in secrets: keep it in one of them.` })),
    ...Object.entries(c.secrets).map(([n, valueFrom]) => ({
      failed: isKnown(valueFrom) && !SECRET_VALUE_FROM.test(valueFrom),
      message: `${at}.secrets.${n} "${valueFrom}" must be a Secrets Manager secret's full ARN, optionally with :<json-key>:<version-stage>:<version-id> (e.g. "<arn>:password::").`,
    })),
    ...(hc === undefined
      ? []
      : [
          {
            failed: hc.command.length < 2 || (isKnown(hc.command[0]) && !["CMD", "CMD-SHELL"].includes(hc.command[0]!)),
            message: `${at}.healthCheck.command must start with "CMD" or "CMD-SHELL" followed by the check, e.g. ["CMD-SHELL", "curl -fsS http://localhost:8080/health || exit 1"].`,
          },
          { failed: wholeBetween(hc.intervalSeconds, 5, 300), message: `${at}.healthCheck.intervalSeconds ${hc.intervalSeconds} must be a whole number of seconds, 5-300.` },
          { failed: wholeBetween(hc.timeoutSeconds, 2, 60), message: `${at}.healthCheck.timeoutSeconds ${hc.timeoutSeconds} must be a whole number of seconds, 2-60.` },
          { failed: wholeBetween(hc.retries, 1, 10), message: `${at}.healthCheck.retries ${hc.retries} must be a whole number, 1-10.` },
          { failed: wholeBetween(hc.startPeriodSeconds, 0, 300), message: `${at}.healthCheck.startPeriodSeconds ${hc.startPeriodSeconds} must be a whole number of seconds, 0-300.` },
        ]),
    ...c.dependsOn.flatMap((d): ValidationRule[] => {
      const target = all.find((o) => o.name === d.containerName);
      return [
        {
          failed: isKnown(d.containerName) && !names.includes(d.containerName),
          message: `${at}.dependsOn: "${d.containerName}" is not a container of the task: use one of ${names.map((n) => `"${n}"`).join(", ")}.`,
        },
        { failed: d.containerName === c.name, message: `${at}.dependsOn names the container itself: depend on another container.` },
        {
          failed: isKnown(d.condition) && !CONTAINER_DEPENDENCY_CONDITIONS.includes(d.condition),
          message: `${at}.dependsOn "${d.containerName}": condition "${d.condition}" must be one of ${CONTAINER_DEPENDENCY_CONDITIONS.join(", ")}.`,
        },
        {
          failed: d.condition === "HEALTHY" && target !== undefined && target.healthCheck === undefined,
          message: `${at}.dependsOn "${d.containerName}" with condition HEALTHY: that container has no healthCheck, so it never becomes healthy. Give it a healthCheck or use START.`,
        },
        {
          failed: d.condition === "SUCCESS" && target !== undefined && target.essential,
          message: `${at}.dependsOn "${d.containerName}" with condition SUCCESS: that container is essential (its exit stops the task). Make it essential: false or use another condition.`,
        },
      ];
    }),
    { failed: wholeAtLeast(c.cpu, 0), message: `${at}.cpu ${c.cpu} must be a whole number of CPU units >= 0.` },
    { failed: wholeAtLeast(c.memoryReservationMiB, 6), message: `${at}.memoryReservationMiB ${c.memoryReservationMiB} must be a whole number of MiB >= 6.` },
     { failed: isKnown(c.logStreamPrefix) && c.logStreamPrefix === "" && c.name !== "", message: `${at}.logStreamPrefix is empty: leave it out to use the container's name.` },
  ];
}

function loadBalancerRules(p: ResolvedFargateServiceProps, container: ResolvedContainerSpec | undefined): ValidationRule[] {
  const lb = p.loadBalancer;
  if (lb === undefined) return [];
  const names = p.containers.map((c) => `"${c.name}"`).join(", ");
  return [
    {
      failed: isKnown(lb.targetGroupArn) && !TARGET_GROUP_ARN.test(lb.targetGroupArn),
      message: `loadBalancer.targetGroupArn "${lb.targetGroupArn}" must be a target group's ARN, arn:<partition>:elasticloadbalancing:<region>:<account>:targetgroup/<name>/<id>.`,
    },
    {
      failed: isKnown(lb.containerName) && container === undefined,
      message: `loadBalancer.containerName "${lb.containerName}" is not a container of the task: use one of ${names}.`,
    },
    {
      failed: container !== undefined && isKnown(lb.containerPort) && container.portMappings.every((q) => isKnown(q) && q !== lb.containerPort),
      message: `loadBalancer.containerPort ${lb.containerPort} is not mapped by container "${lb.containerName}": add it to that container's portMappings or use one of [${container?.portMappings.join(", ")}].`,
    },
  ];
}

function scalingRules(p: ResolvedFargateServiceProps): ValidationRule[] {
  const s = p.scaling;
  if (s === undefined) return [];
  const r = s.requestsPerTarget;
  const percent = (value: number | undefined) => isKnown(value) && !(value > 0 && value <= 100);
  return [
    {
      failed: s.cpuTargetPercent === undefined && s.memoryTargetPercent === undefined && r === undefined,
      message: "scaling has no target: give cpuTargetPercent, memoryTargetPercent or requestsPerTarget, or leave scaling out.",
    },
    { failed: percent(s.cpuTargetPercent), message: `scaling.cpuTargetPercent ${s.cpuTargetPercent} must be more than 0 and at most 100, e.g. 60.` },
    { failed: percent(s.memoryTargetPercent), message: `scaling.memoryTargetPercent ${s.memoryTargetPercent} must be more than 0 and at most 100, e.g. 70.` },
    { failed: r !== undefined && isKnown(r.value) && !(r.value > 0), message: `scaling.requestsPerTarget.value ${r?.value} must be more than 0.` },
    {
      failed: r !== undefined && isKnown(r.targetGroupArnSuffix) && !TARGET_GROUP_SUFFIX.test(r.targetGroupArnSuffix),
      message: `scaling.requestsPerTarget.targetGroupArnSuffix "${r?.targetGroupArnSuffix}" is not a target group's arn_suffix: use targetgroup/<name>/<id> (aws_lb_target_group.arn_suffix).`,
    },
    {
      failed: r !== undefined && isKnown(r.loadBalancerArnSuffix) && !LOAD_BALANCER_SUFFIX.test(r.loadBalancerArnSuffix),
      message: `scaling.requestsPerTarget.loadBalancerArnSuffix "${r?.loadBalancerArnSuffix}" is not an application load balancer's arn_suffix: use app/<name>/<id> (aws_lb.arn_suffix).`,
    },
    { failed: wholeAtLeast(s.scaleOutCooldownSeconds, 0), message: `scaling.scaleOutCooldownSeconds ${s.scaleOutCooldownSeconds} must be a whole number of seconds >= 0.` },
    { failed: wholeAtLeast(s.scaleInCooldownSeconds, 0), message: `scaling.scaleInCooldownSeconds ${s.scaleInCooldownSeconds} must be a whole number of seconds >= 0.` },
  ];
}

/** The items of a list given literally; none of a Terraform list (its one encoded element is no ARN to check). */
function literalItems(list: readonly string[]): readonly string[] {
  return Token.isUnresolved(list) ? [] : list;
}
