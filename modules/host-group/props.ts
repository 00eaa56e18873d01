import { Switch } from "../core/index.js";
import type { DataVolumeOptions, HostSoftwareProps } from "../compose-host/index.js";

/**
 * Written in the application's files (compose file, config files, preStart, context): each node's boot script has it
 * replaced by the node's number, 1 to nodeCount (Terraform's `replace()` on the one shared boot script). The number is
 * also the instance's `Node` tag, readable from the instance metadata (`/latest/meta-data/tags/instance/Node`).
 */
export const NODE_NUMBER_PLACEHOLDER = "@@NODE_NUMBER@@";

/**
 * Stands for the node's own data volume id in the shared boot script (given to the boot script as the data volume's
 * id); each node's user data has it replaced by its volume's id. Internal to the group: applications need not use it.
 */
export const DATA_VOLUME_ID_PLACEHOLDER = "@@DATA_VOLUME_ID@@";

/**
 * Each node's own data volume: gp3, encrypted, created in the node's availability zone and surviving the replacement
 * of its instance. Mounting (mountPoint, directory, label, growOnStart) is ComposeHost's, by the same boot script.
 */
export interface HostGroupDataVolume extends Pick<DataVolumeOptions, "sizeGiB" | "mountPoint" | "directory" | "label" | "growOnStart" | "tags"> {
  /**
   * Provisioned IOPS of each volume: a whole number, 3000-16000, at most 500 per GiB of sizeGiB (above 3000).
   * IOPS above 3000 are billed.
   * @default 3000 - gp3's baseline, included in the storage price
   */
  readonly iops?: number;
  /**
   * Provisioned throughput of each volume in MiB/s: a whole number, 125-1000, at most 0.25 MiB/s per IOPS (so above
   * 750 it needs more than the baseline 3000 IOPS). Throughput above 125 MiB/s is billed.
   * @default 125 - gp3's baseline, included in the storage price
   */
  readonly throughput?: number;
  /**
   * KMS key (ARN) that encrypts the volumes and their snapshots. The role of the nodes needs no use of it (EBS uses it
   * on the nodes' behalf through grants).
   * @default - a key of the group, created with it (like ComposeHost's data key), that the account administers
   */
  readonly kmsKeyArn?: string;
  /**
   * Snapshot each volume when Terraform destroys it (so also when the group is switched off with nodeCount 0).
   * @default true
   */
  readonly finalSnapshot?: Switch;
  /**
   * One tag that marks the volumes for a snapshot policy (modules/volume-snapshots targets it).
   * @default - none
   */
  readonly snapshotTag?: { readonly key: string; readonly value: string };
}

/** Private DNS names of the nodes, in a Route 53 hosted zone. */
export interface HostGroupDns {
  /** Hosted zone id (a private zone of the VPC, usually). */
  readonly zoneId: string;
  /** First label of the names: node n is `<namePrefix>-<n>.<domain>`, the group `<namePrefix>.<domain>`. */
  readonly namePrefix: string;
  /** Domain of the names: the zone's name or a subdomain of it, without a trailing dot, e.g. `prod.internal`. */
  readonly domain: string;
  /**
   * TTL of the records in seconds.
   * @default 60
   */
  readonly ttlSeconds?: number;
}

/**
 * A fixed number of identical stateful compose hosts (e.g. the members of a replicated database). The software props
 * (application, secrets, container logs, ECR, role and service descriptions, compose version, volume wait) are
 * ComposeHost's, so every node runs ComposeHost's boot script; its node number is {@link NODE_NUMBER_PLACEHOLDER}.
 */
export interface HostGroupProps extends Omit<HostSoftwareProps, "dataVolume"> {
  /**
   * Number of nodes: a whole number >= 0, literal or a Terraform number (e.g. a variable). 0 switches the group off:
   * no instances, volumes (snapshotted first, see dataVolume.finalSnapshot), DNS records or KMS key; the role, the
   * secrets and the log groups stay (they cost nothing unused). Lowering it removes the nodes with the highest numbers.
   */
  readonly nodeCount: number;
  /**
   * EC2 instance type of every node. The CPU architecture, AMI and container platform follow it: Graviton families
   * (t4g, m7g, c6gn, …) are arm64, everything else x86_64.
   * @default "t4g.small"
   */
  readonly instanceType?: string;
  /**
   * Subnets the nodes spread over, round-robin: node n is in subnetIds[(n - 1) % length] (Terraform's element()).
   * Private ones: the nodes get no public address.
   */
  readonly subnetIds: readonly string[];
  /** The availability zone of each of subnetIds, in the same order: node n's data volume is created there. */
  readonly availabilityZones: readonly string[];
  /** Security groups of every node. */
  readonly securityGroupIds: readonly string[];
  /**
   * EC2 key pair for SSH. "" means none: access goes through SSM Session Manager.
   * @default ""
   */
  readonly keyPairName?: string;
  /**
   * Root volume of each node (gp3, encrypted, deleted with the instance) in GiB: OS, Docker images, container logs. 8-16384.
   * @default 20
   */
  readonly rootVolumeSizeGiB?: number;
  /**
   * CloudWatch detailed (1-minute) monitoring; costs extra.
   * @default false
   */
  readonly detailedMonitoring?: Switch;
  /** Each node's own data volume. */
  readonly dataVolume: HostGroupDataVolume;
  /**
   * Route 53 A records: one per node (`<namePrefix>-<n>.<domain>` → its private IP) and one for the group
   * (`<namePrefix>.<domain>` → every node's private IP).
   * @default - no DNS records
   */
  readonly dns?: HostGroupDns;
  /**
   * Whether a changed boot script replaces the nodes at the next apply (all of them at once, their volumes kept). false
   * leaves running nodes as they are (Terraform ignores user data changes): a node takes the new script when it is
   * replaced on purpose (`terraform apply -replace=...[n]`), one at a time, as a replicated set of nodes needs.
   * @default true
   */
  readonly replaceOnBootScriptChange?: boolean;
}

/** Defaults, applied in one place (the group's constructor, through hostGroupDefaults). */
export const HOST_GROUP_DEFAULTS = {
  instanceType: "t4g.small",
  keyPairName: "",
  rootVolumeSizeGiB: 20,
  detailedMonitoring: false,
  dataVolumeIops: 3000,
  dataVolumeThroughput: 125,
  dataVolumeFinalSnapshot: true,
  dnsTtlSeconds: 60,
} as const;
