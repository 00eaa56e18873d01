import { Construct } from "constructs";
import { Fn, Op, Token } from "cdktf";
// Provider docs: https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/launch_template
import { LaunchTemplate } from "@cdktf/provider-aws/lib/launch-template";
// Provider docs: https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/autoscaling_group
import { AutoscalingGroup } from "@cdktf/provider-aws/lib/autoscaling-group";
// Provider docs: https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/autoscaling_policy
import { AutoscalingPolicy } from "@cdktf/provider-aws/lib/autoscaling-policy";
import { countWhen, isNonEmpty, Switch } from "../core/index.js";
import { HostRole, hostSoftware } from "../compose-host/index.js";
import { CostEstimate, costKey, CUSTOM_METRIC_USD_PER_MONTH, GP3_USD_PER_GIB_MONTH, monthlyInstancePrice } from "../cost-estimate/index.js";
import { AL2023_ROOT_DEVICE_NAME, AUTO_SCALING_HOSTS_DEFAULTS, AutoScalingHostsProps } from "./props.js";
import { validateAutoScalingHostsProps } from "./validate-props.js";

/**
 * ComposeHost's Docker Compose application host as an Auto Scaling group of identical, stateless instances: a launch
 * template (Amazon Linux 2023 for the instance type's CPU, IMDSv2 with one hop, encrypted gp3 root, the boot script
 * gzipped), the group in the given subnets behind load balancer target groups with ELB health checks, rolling
 * instance refreshes when the launch template changes, and optional target-tracking scaling.
 */
export class AutoScalingHosts extends Construct {
  readonly group: AutoscalingGroup;
  readonly launchTemplate: LaunchTemplate;
  /** The instances' role; add the application's permissions with addPolicy. */
  readonly role: HostRole;
  /** Name of the Auto Scaling group. */
  readonly groupName: string;
  readonly launchTemplateId: string;
  /** "arm64" or "x86_64" (Terraform expression). */
  readonly architecture: string;
  /** Name of the container log group (whether or not it is enabled); "" without container logs. */
  readonly logGroupName: string;
  /** The boot script as Terraform renders it (a reference to the local holding it; instances get it gzipped). */
  readonly bootScript: string;
  /** Target-tracking policies, by kind. */
  readonly scalingPolicies: { readonly cpu?: AutoscalingPolicy; readonly requests?: AutoscalingPolicy };

  constructor(scope: Construct, id: string, props: AutoScalingHostsProps) {
    super(scope, id);
    validateAutoScalingHostsProps(this, props);
    const d = AUTO_SCALING_HOSTS_DEFAULTS;
    const instanceType = props.instanceType ?? d.instanceType;
    const keyPairName = props.keyPairName ?? d.keyPairName;
    const rootVolumeSizeGiB = props.rootVolumeSizeGiB ?? d.rootVolumeSizeGiB;
    const desiredCapacity = props.desiredCapacity ?? props.minSize;

    // The same software as ComposeHost (log groups, AMI, secrets, role, boot script), without a data volume.
    const software = hostSoftware(this, { ...props, dataVolume: undefined }, instanceType);
    this.role = software.role;
    this.architecture = software.architecture;
    this.logGroupName = software.logGroupName;
    this.bootScript = software.bootScript();

    this.launchTemplate = new LaunchTemplate(this, "LaunchTemplate", {
      namePrefix: `${props.name}-`,
      description: `${props.title} hosts`,
      // A new AMI release, boot script or setting makes a new version, which the group rolls out (instance refresh):
      // the hosts are stateless, so this is how they get patched.
      imageId: software.ami.insecureValue,
      instanceType,
      keyName: Fn.conditional(isNonEmpty(keyPairName), keyPairName, Token.nullValue()),
      iamInstanceProfile: { arn: this.role.profile.arn },
      vpcSecurityGroupIds: [...props.securityGroupIds],
      monitoring: { enabled: props.detailedMonitoring ?? d.detailedMonitoring },
      metadataOptions: {
        httpEndpoint: "enabled",
        httpTokens: "required",
        // 1 hop: the host's scripts reach IMDS, containers (one more hop) do not.
        httpPutResponseHopLimit: 1,
      },
      blockDeviceMappings: [
        {
          deviceName: AL2023_ROOT_DEVICE_NAME,
          ebs: { volumeType: "gp3", volumeSize: rootVolumeSizeGiB, encrypted: "true", deleteOnTermination: "true" },
        },
      ],
      // EC2 takes 16 KB of user data; cloud-init unpacks gzip by itself.
      userData: Fn.base64gzip(this.bootScript),
      // New versions become the default, so the console and `aws ec2 run-instances` see what the group runs.
      updateDefaultVersion: true,
      tagSpecifications: [{ resourceType: "volume", tags: { Name: props.name } }],
      tags: { Name: props.name },
    });
    this.launchTemplateId = this.launchTemplate.id;

    this.group = new AutoscalingGroup(this, "Resource", {
      namePrefix: `${props.name}-`,
      vpcZoneIdentifier: [...props.subnetIds],
      minSize: props.minSize,
      maxSize: props.maxSize,
      desiredCapacity,
      targetGroupArns: [...(props.targetGroupArns ?? [])],
      // Replace instances the load balancer finds unhealthy, not only those EC2 finds broken.
      healthCheckType: "ELB",
      healthCheckGracePeriod: props.healthCheckGracePeriodSeconds ?? d.healthCheckGracePeriodSeconds,
      // `latest_version` changes with every new launch template version; a launch_template change starts a refresh
      // by itself (no `triggers` needed, those are for other group arguments).
      launchTemplate: { id: this.launchTemplate.id, version: Token.asString(this.launchTemplate.latestVersion) },
      instanceRefresh: {
        strategy: "Rolling",
        preferences: {
          minHealthyPercentage: props.instanceRefreshMinHealthyPercentage ?? d.instanceRefreshMinHealthyPercentage,
          maxHealthyPercentage: props.instanceRefreshMaxHealthyPercentage,
        },
      },
      tag: [{ key: "Name", value: props.name, propagateAtLaunch: true }],
      // Scaling owns the running count; Terraform sets it only when it creates the group.
      lifecycle: { ignoreChanges: ["desired_capacity"] },
    });
    this.groupName = this.group.name;

    this.scalingPolicies = this.addScaling(props);
    this.addCosts(props, instanceType, rootVolumeSizeGiB, desiredCapacity);
  }

  private addScaling(props: AutoScalingHostsProps): AutoScalingHosts["scalingPolicies"] {
    const { cpuTargetPercent, requestsPerTarget } = props.scaling ?? {};
    const policy = (id: string, name: string, predefinedMetricType: string, targetValue: number, resourceLabel?: string, enabled: Switch = true) =>
      new AutoscalingPolicy(this, id, {
        count: enabled === true ? undefined : countWhen(enabled),
        name: `${props.name}-${name}`,
        autoscalingGroupName: this.group.name,
        policyType: "TargetTrackingScaling",
        targetTrackingConfiguration: { predefinedMetricSpecification: { predefinedMetricType, resourceLabel }, targetValue },
      });
    return {
      cpu: cpuTargetPercent === undefined ? undefined : policy("CpuTarget", "cpu-target", "ASGAverageCPUUtilization", cpuTargetPercent),
      requests:
        requestsPerTarget === undefined
          ? undefined
          : policy(
              "RequestsPerTarget",
              "requests-per-target",
              "ALBRequestCountPerTarget",
              requestsPerTarget.value,
              `${requestsPerTarget.loadBalancerArnSuffix}/${requestsPerTarget.targetGroupArnSuffix}`,
              requestsPerTarget.enabled,
            ),
    };
  }

  /** At the configured desired capacity: what the group costs when scaling leaves it there. */
  private addCosts(props: AutoScalingHostsProps, instanceType: string, rootVolumeSizeGiB: number, desiredCapacity: number): void {
    const key = (item: string) => costKey(this, item);
    const times = (usd: number) => perInstance(usd, desiredCapacity);
    CostEstimate.of(this).add(
      { key: key("instances"), usd: times(monthlyInstancePrice(instanceType)), description: `${props.title} instances (on-demand list price x desired capacity)` },
      { key: key("volumes"), usd: times(gp3Usd(rootVolumeSizeGiB)), description: "gp3 root volumes (x desired capacity)" },
      // The agent publishes mem_used_percent and disk_used_percent for / on each instance.
      { key: key("agent-metrics"), usd: times(2 * CUSTOM_METRIC_USD_PER_MONTH), description: "CloudWatch agent custom metrics (x desired capacity)" },
    );
  }
}

/** usd x count; a Terraform expression when either is one. */
function perInstance(usd: number, count: number): number {
  if (!Token.isUnresolved(usd) && !Token.isUnresolved(count)) return usd * count;
  // A literal 0 operand of Op.* renders as `undefined` (see compose-host's volumesUsd): no instances cost nothing.
  if (count === 0) return 0;
  return Token.asNumber(Op.mul(usd, count));
}

function gp3Usd(sizeGiB: number): number {
  return Token.isUnresolved(sizeGiB) ? Token.asNumber(Op.mul(sizeGiB, GP3_USD_PER_GIB_MONTH)) : sizeGiB * GP3_USD_PER_GIB_MONTH;
}
