import { Construct } from "constructs";
import { Fn, Op, ref, TerraformCount, Token } from "cdktf";
// Provider docs: https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/instance
import { Instance } from "@cdktf/provider-aws/lib/instance";
// Provider docs: https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/ebs_volume
import { EbsVolume } from "@cdktf/provider-aws/lib/ebs-volume";
// Provider docs: https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/volume_attachment
import { VolumeAttachment } from "@cdktf/provider-aws/lib/volume-attachment";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
// Provider docs: https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/route53_record
import { Route53Record } from "@cdktf/provider-aws/lib/route53-record";
import { accountOnlyKeyPolicy, countWhen, isKnown, isNonEmpty, oneOf, splat, Switch } from "../core/index.js";
import { DATA_DEVICE_NAME, HostRole, hostSoftware } from "../compose-host/index.js";
import { SecureParameters } from "../secure-parameters/index.js";
import {
  CostEstimate, costKey, CUSTOM_METRIC_USD_PER_MONTH, GP3_BASELINE_IOPS, GP3_BASELINE_THROUGHPUT_MIBPS, GP3_USD_PER_GIB_MONTH,
  GP3_USD_PER_IOPS_MONTH, GP3_USD_PER_MIBPS_MONTH, KMS_KEY_USD_PER_MONTH, monthlyInstancePrice,
} from "../cost-estimate/index.js";
import { DATA_VOLUME_ID_PLACEHOLDER, HOST_GROUP_DEFAULTS, HostGroupDns, HostGroupProps, NODE_NUMBER_PLACEHOLDER } from "./props.js";
import { validateHostGroupProps } from "./validate-props.js";

/** DNS name of node `node` (1-based; a number, a Terraform number or {@link NODE_NUMBER_PLACEHOLDER}): `<namePrefix>-<node>.<domain>`. */
export function nodeDnsName(dns: Pick<HostGroupDns, "namePrefix" | "domain">, node: number | string): string {
  return `${dns.namePrefix}-${node}.${dns.domain}`;
}

/** DNS name of the whole group, `<namePrefix>.<domain>`: an A record with every node's private IP. */
export function groupDnsName(dns: Pick<HostGroupDns, "namePrefix" | "domain">): string {
  return `${dns.namePrefix}.${dns.domain}`;
}

/**
 * DNS names of nodes 1 to nodeCount, e.g. for a replica set's member list in the application's config: a list for a
 * literal count, a Terraform list (`formatlist()` over `range()`) for a Terraform number.
 */
export function nodeDnsNames(dns: Pick<HostGroupDns, "namePrefix" | "domain">, nodeCount: number): string[] {
  if (isKnown(nodeCount)) return Array.from({ length: nodeCount }, (_, i) => nodeDnsName(dns, i + 1));
  return Token.asList(Fn.formatlist("%s-%d.%s", [dns.namePrefix, Fn.range(1, Token.asNumber(Op.add(nodeCount, 1))), dns.domain]));
}

/**
 * A fixed number of identical stateful Docker Compose hosts, e.g. the members of a replicated database: per node an
 * instance (ComposeHost's boot script and software: Amazon Linux 2023 for the instance type's CPU, IMDSv2 with one
 * hop and instance tags in the metadata, encrypted gp3 root, no public address) in the given subnets round-robin, its
 * own encrypted gp3 data volume in the node's zone that outlives the instance, the attachment, and optionally DNS
 * names. Every per-node resource has `count = nodeCount`, so a Terraform number sizes the group and 0 switches it off.
 */
export class HostGroup extends Construct {
  /** The nodes' instances (count = nodeCount). */
  readonly instances: Instance;
  /** The nodes' data volumes (count = nodeCount; node n's is index n - 1). */
  readonly dataVolumes: EbsVolume;
  /** Attaches each node's data volume to its instance. */
  readonly dataVolumeAttachments: VolumeAttachment;
  /** The KMS key of the data volumes and their snapshots, unless dataVolume.kmsKeyArn was given (count 0 with no nodes). */
  readonly dataKey?: KmsKey;
  /** One A record per node, with dns. */
  readonly nodeRecords?: Route53Record;
  /** The group's A record (every node's private IP), with dns. */
  readonly groupRecord?: Route53Record;
  /** The nodes' role; add the application's permissions with addPolicy. */
  readonly role: HostRole;
  /** The secrets, when there are any. */
  readonly secrets?: SecureParameters;
  /** Instance ids, node 1 first (a Terraform list). */
  readonly instanceIds: string[];
  /** Private IPv4 addresses, node 1 first (a Terraform list). */
  readonly privateIps: string[];
  /** Data volume ids, node 1 first (a Terraform list). */
  readonly dataVolumeIds: string[];
  /** The group's DNS name, `<namePrefix>.<domain>`, with dns. */
  readonly groupDnsName?: string;
  /** "arm64" or "x86_64" (Terraform expression). */
  readonly architecture: string;
  /** Name of the container log group (whether or not it is enabled); "" without container logs. */
  readonly logGroupName: string;
  /** Names of `containerLogs.extraGroups`, by key (whether or not they are enabled). */
  readonly extraLogGroupNames: Readonly<Record<string, string>>;
  /** Instance type as given (Terraform expression or literal). */
  readonly instanceType: string;
  /** Number of nodes as given (literal or Terraform number). */
  readonly nodeCount: number;
  /**
   * The one boot script of every node as Terraform renders it (a reference to the local holding it), with
   * {@link NODE_NUMBER_PLACEHOLDER} and the data volume placeholder still in it; each node gets it with both replaced, gzipped.
   */
  readonly bootScript: string;

  private readonly dns?: HostGroupDns;

  constructor(scope: Construct, id: string, props: HostGroupProps) {
    super(scope, id);
    validateHostGroupProps(this, props);
    const p = hostGroupDefaults(props);
    const { nodeCount, instanceType } = p;
    this.nodeCount = nodeCount;
    this.instanceType = instanceType;
    this.dns = props.dns;
    const count = () => TerraformCount.of(nodeCount);
    const index = TerraformCount.of(nodeCount).index;
    // The node's number, 1 to nodeCount (`count.index + 1`).
    const nodeNumber = Token.asString(Op.add(index, 1));
    const replaceOnChange = props.replaceOnBootScriptChange ?? true;
    const groupOn: Switch = isKnown(nodeCount) ? nodeCount >= 1 : Op.gte(nodeCount, 1);

    // The same software as ComposeHost (log groups, AMI, secrets, role, boot script), with the data volume's options.
    const volume = props.dataVolume;
    const software = hostSoftware(this, { ...props, dataVolume: { ...volume } }, instanceType);
    this.role = software.role;
    this.secrets = software.secrets;
    this.architecture = software.architecture;
    this.logGroupName = software.logGroupName;
    this.extraLogGroupNames = software.extraLogGroupNames;
    // One boot script for every node: the placeholders are replaced per node below.
    this.bootScript = software.bootScript(DATA_VOLUME_ID_PLACEHOLDER);

    if (volume.kmsKeyArn === undefined) {
      this.dataKey = new KmsKey(this, "DataKey", {
        count: countWhen(groupOn),
        description: `${props.name}: data volumes of the nodes and their snapshots`,
        enableKeyRotation: true,
        // Final snapshots outlive the volumes: a month to restore them (or cancel the deletion) after a destroy.
        deletionWindowInDays: 30,
        // The nodes' role is given no use of it.
        policy: accountOnlyKeyPolicy(props.partition, props.accountId),
        tags: { Name: `${props.name}-data` },
      });
    }

    // Created in the zone of the node's subnet and kept there, so a replaced instance finds its volume again.
    this.dataVolumes = new EbsVolume(this, "DataVolume", {
      count: count(),
      availabilityZone: Fn.element([...props.availabilityZones], index),
      size: volume.sizeGiB,
      type: "gp3",
      iops: p.dataVolumeIops,
      throughput: p.dataVolumeThroughput,
      encrypted: true,
      kmsKeyId: this.dataKey ? oneOf(this.dataKey, "arn") : volume.kmsKeyArn,
      // A volume created before its key keeps the key it has: a new key would mean a new, empty volume.
      lifecycle: this.dataKey ? { ignoreChanges: ["kms_key_id"] } : undefined,
      finalSnapshot: p.dataVolumeFinalSnapshot,
      tags: {
        Name: `${props.name}-data-${nodeNumber}`,
        Node: nodeNumber,
        ...volume.tags,
        ...(volume.snapshotTag ? { [volume.snapshotTag.key]: volume.snapshotTag.value } : {}),
      },
    });
    const volumeId = Token.asString(ref(`${this.dataVolumes.terraformResourceType}.${this.dataVolumes.friendlyUniqueId}[count.index].id`));

    this.instances = new Instance(this, "Resource", {
      count: count(),
      ami: software.ami.insecureValue,
      instanceType,
      // Round-robin over the subnets: element() wraps around.
      subnetId: Fn.element([...props.subnetIds], index),
      vpcSecurityGroupIds: [...props.securityGroupIds],
      associatePublicIpAddress: false,
      keyName: Fn.conditional(isNonEmpty(p.keyPairName), p.keyPairName, Token.nullValue()),
      iamInstanceProfile: this.role.profile.name,
      monitoring: p.detailedMonitoring,
      metadataOptions: {
        httpEndpoint: "enabled",
        httpTokens: "required",
        // 1 hop: the host's scripts reach IMDS, containers (one more hop) do not.
        httpPutResponseHopLimit: 1,
        // The node reads its number from its `Node` tag.
        instanceMetadataTags: "enabled",
      },
      maintenanceOptions: { autoRecovery: "default" },
      rootBlockDevice: {
        volumeType: "gp3",
        volumeSize: p.rootVolumeSizeGiB,
        encrypted: true,
        deleteOnTermination: true,
      },
      // The one boot script, made the node's own: its number and its data volume. Gzipped: EC2 takes 16 KB of user
      // data, cloud-init unpacks gzip by itself.
      userDataBase64: Fn.base64gzip(
        Fn.replace(Fn.replace(this.bootScript, NODE_NUMBER_PLACEHOLDER, Fn.tostring(Op.add(index, 1))), DATA_VOLUME_ID_PLACEHOLDER, volumeId),
      ),
      // As ComposeHost by default: safe because the data lives on the node's own volume, a new boot script means fresh
      // instances, every node of the group in the same apply. A replicated set opts out and rolls with `-replace`.
      userDataReplaceOnChange: replaceOnChange,
      tags: { Name: `${props.name}-${nodeNumber}`, Node: nodeNumber },
      // A new AMI release must never replace a running node by surprise; nor a new boot script when opted out.
      lifecycle: { ignoreChanges: replaceOnChange ? ["ami"] : ["ami", "user_data_base64"] },
    });
    const instanceRef = (attribute: string) => ref(`${this.instances.terraformResourceType}.${this.instances.friendlyUniqueId}[count.index].${attribute}`);

    this.dataVolumeAttachments = new VolumeAttachment(this, "DataVolumeAttachment", {
      count: count(),
      deviceName: DATA_DEVICE_NAME,
      volumeId,
      instanceId: Token.asString(instanceRef("id")),
      // Stop first so the filesystem is unmounted cleanly before the volume moves to a new instance.
      stopInstanceBeforeDetaching: true,
      lifecycle: {
        precondition: [
          {
            condition: Op.eq(instanceRef("availability_zone"), ref(`${this.dataVolumes.terraformResourceType}.${this.dataVolumes.friendlyUniqueId}[count.index].availability_zone`)),
            errorMessage: "A node's subnet is not in the availability zone of its data volume: give availabilityZones in the order of subnetIds.",
          },
        ],
      },
    });

    this.instanceIds = splat(this.instances, "id");
    this.privateIps = splat(this.instances, "private_ip");
    this.dataVolumeIds = splat(this.dataVolumes, "id");

    const dns = props.dns;
    if (dns) {
      const ttl = dns.ttlSeconds ?? HOST_GROUP_DEFAULTS.dnsTtlSeconds;
      this.nodeRecords = new Route53Record(this, "NodeRecord", {
        count: count(),
        zoneId: dns.zoneId,
        name: nodeDnsName(dns, nodeNumber),
        type: "A",
        ttl,
        records: [Token.asString(instanceRef("private_ip"))],
      });
      this.groupDnsName = groupDnsName(dns);
      this.groupRecord = new Route53Record(this, "GroupRecord", {
        count: countWhen(groupOn),
        zoneId: dns.zoneId,
        name: this.groupDnsName,
        type: "A",
        ttl,
        records: this.privateIps,
      });
    }

    this.addCosts(props, p);
  }

  /** DNS name of node `node` (1-based), `<namePrefix>-<node>.<domain>`; throws without dns. */
  nodeDnsName(node: number | string): string {
    if (!this.dns) throw new Error(`${this.node.path}: no dns, so the nodes have no DNS names`);
    return nodeDnsName(this.dns, node);
  }

  private addCosts(props: HostGroupProps, p: ReturnType<typeof hostGroupDefaults>): void {
    const key = (item: string) => costKey(this, item);
    const times = (usd: number) => perNode(usd, p.nodeCount);
    const cost = CostEstimate.of(this);
    cost.add(
      { key: key("instances"), usd: times(monthlyInstancePrice(p.instanceType)), description: `${props.title} nodes (on-demand list price x node count)` },
      {
        key: key("volumes"),
        usd: times(nodeVolumesUsd(p.rootVolumeSizeGiB, props.dataVolume.sizeGiB, p.dataVolumeIops, p.dataVolumeThroughput)),
        description: "gp3 root and data volumes, with data IOPS and throughput above the baseline (x node count)",
      },
      // The agent publishes mem_used_percent and disk_used_percent for / and the data volume on each node.
      { key: key("agent-metrics"), usd: times(tidy(3 * CUSTOM_METRIC_USD_PER_MONTH)), description: "CloudWatch agent custom metrics (x node count)" },
    );
    if (this.dataKey) {
      const usd = isKnown(p.nodeCount) ? (p.nodeCount >= 1 ? KMS_KEY_USD_PER_MONTH : 0) : Token.asNumber(Fn.conditional(Op.gte(p.nodeCount, 1), KMS_KEY_USD_PER_MONTH, 0));
      cost.add({ key: key("data-key"), usd, description: "KMS key of the data volumes" });
    }
  }
}

/** The props with every default filled in: the one place the group's defaults are applied. */
function hostGroupDefaults(props: HostGroupProps) {
  const d = HOST_GROUP_DEFAULTS;
  return {
    nodeCount: props.nodeCount,
    instanceType: props.instanceType ?? d.instanceType,
    keyPairName: props.keyPairName ?? d.keyPairName,
    rootVolumeSizeGiB: props.rootVolumeSizeGiB ?? d.rootVolumeSizeGiB,
    detailedMonitoring: props.detailedMonitoring ?? d.detailedMonitoring,
    dataVolumeIops: props.dataVolume.iops ?? d.dataVolumeIops,
    dataVolumeThroughput: props.dataVolume.throughput ?? d.dataVolumeThroughput,
    dataVolumeFinalSnapshot: props.dataVolume.finalSnapshot ?? d.dataVolumeFinalSnapshot,
  };
}

/** usd x count; a Terraform expression when either is one. */
function perNode(usd: number, count: number): number {
  if (!Token.isUnresolved(usd) && !Token.isUnresolved(count)) return tidy(usd * count);
  // A literal 0 operand of Op.* renders as `undefined` (see compose-host's volumesUsd): no nodes cost nothing.
  if (count === 0) return 0;
  // A literal usd of 0 with a Terraform count: nothing to multiply.
  if (usd === 0) return 0;
  return Token.asNumber(Op.mul(usd, count));
}

/** One node's gp3 root and data volumes: storage, plus the data volume's IOPS and throughput above the baseline. */
function nodeVolumesUsd(rootGiB: number, dataGiB: number, iops: number, throughput: number): number {
  const known = (...values: number[]) => !values.some((v) => Token.isUnresolved(v));
  // Each part a number when its inputs are known; the baselines and prices are never 0, so they are safe Op.* operands.
  const parts = [
    known(rootGiB, dataGiB) ? (rootGiB + dataGiB) * GP3_USD_PER_GIB_MONTH : Token.asNumber(Op.mul(Fn.sum([rootGiB, dataGiB]), GP3_USD_PER_GIB_MONTH)),
    known(iops)
      ? Math.max(iops - GP3_BASELINE_IOPS, 0) * GP3_USD_PER_IOPS_MONTH
      : Token.asNumber(Op.mul(Fn.max([Op.sub(iops, GP3_BASELINE_IOPS), 0]), GP3_USD_PER_IOPS_MONTH)),
    known(throughput)
      ? Math.max(throughput - GP3_BASELINE_THROUGHPUT_MIBPS, 0) * GP3_USD_PER_MIBPS_MONTH
      : Token.asNumber(Op.mul(Fn.max([Op.sub(throughput, GP3_BASELINE_THROUGHPUT_MIBPS), 0]), GP3_USD_PER_MIBPS_MONTH)),
  ];
  // Fn.sum, not Op.add: cdktf renders a literal 0 operand of Op.* as `undefined`.
  const tidied = parts.map((part) => (known(part) ? tidy(part) : part));
  return known(...tidied) ? tidy(tidied.reduce((a, b) => a + b, 0)) : Token.asNumber(Fn.sum(tidied));
}

/** A USD amount without floating-point noise (0.8999999999999999 → 0.9), so `terraform plan` shows it plainly. */
function tidy(usd: number): number {
  return Math.round(usd * 1e6) / 1e6;
}
