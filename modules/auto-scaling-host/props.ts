import { Switch } from "../core/index.js";
import type { HostSoftwareProps } from "../compose-host/index.js";

/** Target tracking for the group: each given target is a policy of its own; the group scales out on whichever asks most. */
export interface AutoScalingTargets {
  /**
   * Average CPU utilisation of the group to hold, in percent (more than 0, at most 100).
   * @default - no CPU policy
   */
  readonly cpuTargetPercent?: number;
  /**
   * Requests per instance and minute to hold, counted by a load balancer target group (ALBRequestCountPerTarget).
   * The target group must be one of targetGroupArns.
   * @default - no request-count policy
   */
  readonly requestsPerTarget?: {
    /** The target group's arn_suffix, `targetgroup/<name>/<id>`. */
    readonly targetGroupArnSuffix: string;
    /** The load balancer's arn_suffix, `app/<name>/<id>`. */
    readonly loadBalancerArnSuffix: string;
    /** Requests per target (more than 0). */
    readonly value: number;
    /**
     * Whether the policy exists (a Terraform boolean makes it `count`, so a variable can switch it).
     * @default true
     */
    readonly enabled?: Switch;
  };
}

/**
 * A group of identical, stateless instances running the compose host's software. The software props (application,
 * secrets, container logs, ECR, role description, compose version) are ComposeHost's; there is no data volume (an
 * instance may be replaced at any time) and no Elastic IP (reach the group through a load balancer).
 */
export interface AutoScalingHostsProps extends Omit<HostSoftwareProps, "dataVolume" | "volumeWaitSeconds"> {
  /**
   * EC2 instance type of every instance. The CPU architecture, AMI and container platform follow it: Graviton
   * families (t4g, m7g, c6gn, …) are arm64, everything else x86_64.
   * @default "t4g.small"
   */
  readonly instanceType?: string;
  /** Subnets the group launches into (private ones, one per availability zone the group may use). */
  readonly subnetIds: readonly string[];
  /** Security groups of every instance. */
  readonly securityGroupIds: readonly string[];
  /**
   * EC2 key pair for SSH. "" means none: access goes through SSM Session Manager.
   * @default ""
   */
  readonly keyPairName?: string;
  /**
   * Root volume (gp3, encrypted, deleted with the instance) in GiB: OS, Docker images, container logs. 8-16384.
   * @default 20
   */
  readonly rootVolumeSizeGiB?: number;
  /**
   * CloudWatch detailed (1-minute) monitoring; costs extra.
   * @default false
   */
  readonly detailedMonitoring?: Switch;
  /** Fewest instances (a whole number >= 0; a Terraform number is fine). */
  readonly minSize: number;
  /** Most instances (a whole number >= minSize; a Terraform number is fine). */
  readonly maxSize: number;
  /**
   * Instances at creation, between minSize and maxSize. Terraform sets it when it creates the group and then leaves
   * it to scaling (ignore_changes): a later change here does not move a running group.
   * @default - minSize
   */
  readonly desiredCapacity?: number;
  /**
   * Load balancer target groups every instance is registered with.
   * @default [] - none
   */
  readonly targetGroupArns?: readonly string[];
  /**
   * Seconds after launch before the group acts on failed health checks (the boot script pulls images and starts the
   * service in that time). A whole number >= 0.
   * @default 300
   */
  readonly healthCheckGracePeriodSeconds?: number;
  /**
   * Share of the group kept in service while an instance refresh replaces instances (0-100).
   * @default 50
   */
  readonly instanceRefreshMinHealthyPercentage?: number;
  /**
   * Share of the group an instance refresh may run above its size (100-200): with 200 and a minimum of 100, new
   * instances are launched and healthy before old ones stop, so a group of one or two keeps serving.
   * @default - AWS's default (100: old instances stop before new ones start)
   */
  readonly instanceRefreshMaxHealthyPercentage?: number;
  /**
   * Target-tracking scaling policies.
   * @default - none: the group stays at its desired capacity
   */
  readonly scaling?: AutoScalingTargets;
}

/** Defaults, applied in one place. */
export const AUTO_SCALING_HOSTS_DEFAULTS = {
  instanceType: "t4g.small",
  keyPairName: "",
  rootVolumeSizeGiB: 20,
  detailedMonitoring: false,
  healthCheckGracePeriodSeconds: 300,
  instanceRefreshMinHealthyPercentage: 50,
} as const;

/** Root device of Amazon Linux 2023 AMIs. */
export const AL2023_ROOT_DEVICE_NAME = "/dev/xvda";
