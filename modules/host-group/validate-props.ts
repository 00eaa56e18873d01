import { Token } from "cdktf";
import { IConstruct } from "constructs";
import { isKnown, validateAll, ValidationError } from "../core/index.js";
import { validateComposeHostProps } from "../compose-host/validate-props.js";
import { HOST_GROUP_DEFAULTS, HostGroupProps } from "./props.js";

const wholeIn = (value: number | undefined, min: number, max: number) =>
  isKnown(value) && (!Number.isInteger(value) || value < min || value > max);
const DNS_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const DOMAIN = /^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** gp3's limits (EBS General Purpose SSD volumes). */
export const GP3_LIMITS = {
  minIops: 3000,
  maxIops: 16000,
  maxIopsPerGiB: 500,
  minThroughput: 125,
  maxThroughput: 1000,
  maxThroughputPerIops: 0.25,
} as const;

/** A list whose length is known at synth (a literal list, even of Terraform strings); not a Terraform list. */
const literalLength = (list: readonly string[]): number | undefined => (Token.isUnresolved(list) ? undefined : list.length);

/**
 * Checks what can be checked at synth (Terraform tokens are left to variable validations): ComposeHost's checks of the
 * shared props, then the group's own; every problem is reported at once.
 */
export function validateHostGroupProps(scope: IConstruct, props: HostGroupProps): void {
  const shared = sharedProblems(scope, props);
  const { nodeCount, dataVolume: volume, dns } = props;
  const { iops, throughput, sizeGiB } = volume;
  const subnets = literalLength(props.subnetIds);
  const zones = literalLength(props.availabilityZones);
  const l = GP3_LIMITS;
  // The IOPS the throughput check is against: the given ones, or gp3's baseline.
  const effectiveIops = iops ?? HOST_GROUP_DEFAULTS.dataVolumeIops;
  const iopsForSize = isKnown(sizeGiB) ? Math.max(l.minIops, l.maxIopsPerGiB * sizeGiB) : undefined;
  validateAll(scope, [
    ...shared.map((message) => ({ failed: true, message })),
    {
      failed: isKnown(nodeCount) && (!Number.isInteger(nodeCount) || nodeCount < 0),
      message: `nodeCount ${nodeCount} must be a whole number >= 0 (0 switches the group off).`,
    },
    { failed: subnets === 0, message: "subnetIds is empty: give the subnets the nodes spread over (availabilityZones gives their zones, in the same order)." },
    { failed: zones === 0, message: "availabilityZones is empty: give the availability zone of each of subnetIds, in the same order." },
    {
      failed: subnets !== undefined && zones !== undefined && subnets !== zones,
      message: `subnetIds has ${subnets} entries but availabilityZones has ${zones}: give one zone per subnet, in the same order (node n's volume is created in the zone of its subnet).`,
    },
    {
      failed: wholeIn(iops, l.minIops, l.maxIops),
      message: `dataVolume.iops ${iops} is out of range: gp3 takes a whole number of IOPS, ${l.minIops}-${l.maxIops}.`,
    },
    {
      failed: isKnown(iops) && iopsForSize !== undefined && iops > iopsForSize,
      message: `dataVolume.iops ${iops} is more than ${l.maxIopsPerGiB} IOPS per GiB of dataVolume.sizeGiB ${sizeGiB} (at most ${iopsForSize}): raise sizeGiB to at least ${isKnown(iops) ? Math.ceil(iops / l.maxIopsPerGiB) : "?"} or lower iops.`,
    },
    {
      failed: wholeIn(throughput, l.minThroughput, l.maxThroughput),
      message: `dataVolume.throughput ${throughput} is out of range: gp3 takes a whole number of MiB/s, ${l.minThroughput}-${l.maxThroughput}.`,
    },
    {
      failed: isKnown(throughput) && isKnown(effectiveIops) && throughput > effectiveIops * l.maxThroughputPerIops,
      message: `dataVolume.throughput ${throughput} MiB/s needs at least ${isKnown(throughput) ? Math.ceil(throughput / l.maxThroughputPerIops) : "?"} IOPS (gp3 gives at most ${l.maxThroughputPerIops} MiB/s per IOPS): raise dataVolume.iops (now ${effectiveIops}) or lower throughput to ${isKnown(effectiveIops) ? effectiveIops * l.maxThroughputPerIops : "?"}.`,
    },
    {
      failed: dns !== undefined && isKnown(dns.namePrefix) && !DNS_LABEL.test(dns.namePrefix),
      message: `dns.namePrefix "${dns?.namePrefix}" must be one DNS label: lower-case letters, digits and dashes, at most 63, not starting or ending with a dash (e.g. "db").`,
    },
    {
      failed: dns !== undefined && isKnown(dns.domain) && !DOMAIN.test(dns.domain),
      message: `dns.domain "${dns?.domain}" must be a domain name of lower-case labels without a trailing dot, e.g. "prod.internal".`,
    },
    {
      failed: dns !== undefined && wholeIn(dns.ttlSeconds, 0, 2147483647),
      message: `dns.ttlSeconds ${dns?.ttlSeconds} must be a whole number of seconds >= 0, e.g. 60.`,
    },
  ]);
}

/** ComposeHost's messages for the props the group shares with it (instance type, root volume, data volume, app name, secrets, logs, …). */
function sharedProblems(scope: IConstruct, props: HostGroupProps): readonly string[] {
  try {
    validateComposeHostProps(scope, { ...props, subnetId: "", availabilityZone: "", dataVolume: { ...props.dataVolume } });
    return [];
  } catch (e) {
    if (e instanceof ValidationError) return e.problems;
    throw e;
  }
}
