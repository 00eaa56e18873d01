import { IConstruct } from "constructs";
import { isKnown, LOG_RETENTION_DAYS, validateAll } from "../core/index.js";
import { GATEWAY_ENDPOINT_SERVICES, MAX_ZONES, MIN_ZONES, ResolvedNetworkProps } from "./props.js";

const NAME = /^[a-z0-9][a-z0-9-]*$/;
const IPV4_CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;
const VPC_ID = /^vpc-[0-9a-f]{8,17}$/;
const SUBNET_ID = /^subnet-[0-9a-f]{8,17}$/;
/** The flow-log role's name prefix `<name>-flow-logs-`: IAM allows 38 characters before its 26-character suffix. */
const MAX_NAME_WITH_FLOW_LOGS = 38 - "-flow-logs-".length;

/** What is wrong with an IPv4 VPC range, or undefined when it is a /16-/24 network address. */
export function cidrProblem(cidr: string): string | undefined {
  const m = IPV4_CIDR.exec(cidr);
  const octets = m ? m.slice(1, 5).map(Number) : [];
  if (!m || octets.some((o) => o > 255)) return `cidr "${cidr}" is not an IPv4 CIDR: use a network address such as "10.0.0.0/16".`;
  const prefix = Number(m[5]);
  if (prefix < 16 || prefix > 24) return `cidr "${cidr}" is a /${prefix}: use a /16 to /24 range (AWS allows /16 at most; below /24 the subnets get too small).`;
  const address = octets.reduce((a, o) => a * 256 + o, 0);
  const size = 2 ** (32 - prefix);
  const network = address - (address % size);
  if (network !== address) {
    const dotted = [24, 16, 8, 0].map((shift) => Math.floor(network / 2 ** shift) % 256).join(".");
    return `cidr "${cidr}" is not a network address (host bits are set): use "${dotted}/${prefix}".`;
  }
  return undefined;
}

/** Checks what can be checked at synth; values that are Terraform tokens are left to Terraform and AWS. */
export function validateNetworkProps(scope: IConstruct, props: ResolvedNetworkProps): void {
  const { name, cidr, zoneCount, natGateways, flowLogs, existing } = props;
  const endpoints = props.gatewayEndpoints;
  const repeated = endpoints.filter((e, i) => endpoints.indexOf(e) !== i);
  const zoneCountValid = isKnown(zoneCount) && Number.isInteger(zoneCount) && zoneCount >= MIN_ZONES && zoneCount <= MAX_ZONES;
  const maxNat = zoneCountValid ? zoneCount : MAX_ZONES;
  const cidrMessage = isKnown(cidr) ? cidrProblem(cidr) : undefined;
  validateAll(scope, [
    { failed: isKnown(name) && !NAME.test(name), message: `name "${name}" must be lower-case letters, digits and dashes, e.g. "shop-prod" (it starts every Name tag).` },
    {
      failed: flowLogs !== undefined && isKnown(name) && name.length > MAX_NAME_WITH_FLOW_LOGS,
      message: `name "${name}" is too long for flow logs: at most ${MAX_NAME_WITH_FLOW_LOGS} characters (it prefixes the flow-log role's name).`,
    },
    { failed: cidrMessage !== undefined, message: cidrMessage ?? "" },
    { failed: !isKnown(zoneCount), message: "zoneCount must be a number known at synth, not a Terraform expression: it lays out the subnets." },
    { failed: isKnown(zoneCount) && !zoneCountValid, message: `zoneCount ${zoneCount} must be ${MIN_ZONES} or ${MAX_ZONES}: load balancers need two zones, and the subnet layout has room for three.` },
    {
      failed: isKnown(natGateways) && !(Number.isInteger(natGateways) && natGateways >= 0 && natGateways <= maxNat),
      message: `natGateways ${natGateways} must be a whole number from 0 to ${maxNat} (zoneCount): 0 (no internet from private subnets), 1 (one shared) or ${maxNat} (one per zone).`,
    },
    ...endpoints.map((e) => ({
      failed: !(GATEWAY_ENDPOINT_SERVICES as readonly string[]).includes(e),
      message: `gatewayEndpoints "${e}" has no gateway endpoint: use ${GATEWAY_ENDPOINT_SERVICES.map((s) => `"${s}"`).join(" or ")} (other services need interface endpoints).`,
    })),
    { failed: repeated.length > 0, message: `gatewayEndpoints must be unique; repeated: ${[...new Set(repeated)].join(", ")}.` },
    {
      failed: flowLogs !== undefined && isKnown(flowLogs.retentionDays) && !LOG_RETENTION_DAYS.includes(flowLogs.retentionDays),
      message: `flowLogs.retentionDays ${flowLogs?.retentionDays} is not a CloudWatch Logs retention: use one of ${LOG_RETENTION_DAYS.join(", ")}.`,
    },
    ...(existing === undefined
      ? []
      : [
          {
            failed: isKnown(existing.vpcId) && existing.vpcId !== "" && !VPC_ID.test(existing.vpcId),
            message: `existing.vpcId "${existing.vpcId}" is not a VPC id: use e.g. "vpc-0123456789abcdef0", or "" to create the network.`,
          },
          ...(["publicSubnetIds", "privateSubnetIds"] as const).flatMap((key) => {
            const ids = existing[key];
            const known = isKnown(ids) ? ids.filter((id) => isKnown(id)) : [];
            return [
              {
                failed: known.some((id) => !SUBNET_ID.test(id)),
                message: `existing.${key} ${JSON.stringify(known.filter((id) => !SUBNET_ID.test(id)))} are not subnet ids: use e.g. "subnet-0123456789abcdef0".`,
              },
              {
                failed: isKnown(existing.vpcId) && existing.vpcId !== "" && isKnown(ids) && ids.length === 0,
                message: `existing.${key} is empty: give the existing VPC's ${key === "publicSubnetIds" ? "public" : "private"} subnets.`,
              },
            ];
          }),
        ]),
  ]);
}
