import { applyDefaults } from "../core/index.js";
import { HOURS_PER_MONTH } from "../cost-estimate/index.js";

/** The AWS services that have (free) gateway endpoints. */
export const GATEWAY_ENDPOINT_SERVICES = ["s3", "dynamodb"] as const;
export type GatewayEndpointService = (typeof GATEWAY_ENDPOINT_SERVICES)[number];

/** VPC flow logs to a CloudWatch log group. */
export interface NetworkFlowLogs {
  /** Days CloudWatch Logs keeps the records: one of `LOG_RETENTION_DAYS` (1, 3, 5, 7, 14, 30, …, 3653). */
  readonly retentionDays: number;
}

/** A network made elsewhere, used instead of creating one. */
export interface ExistingNetwork {
  /**
   * The VPC's id, usually a variable; "" means: create the network. A Terraform token decides at plan time.
   */
  readonly vpcId: string;
  /** Public subnets (for load balancers and NAT gateways), e.g. a list variable. */
  readonly publicSubnetIds: string[];
  /** Private subnets (for instances, tasks, databases); their zones become {@link Network.availabilityZones}. */
  readonly privateSubnetIds: string[];
}

export interface NetworkProps {
  /** Name tag of the VPC and the start of every other Name tag (`<name>-public-<zone>`), e.g. "shop-prod". */
  readonly name: string;
  /** The provider's region, e.g. "us-east-1" (gateway endpoint service names, the flow-log role's trust policy). */
  readonly region: string;
  /** The account the stack deploys into (the flow-log role may only be assumed for this account's flow logs). */
  readonly accountId: string;
  /**
   * The VPC's IPv4 range: a network address with a /16 to /24 prefix. Each subnet is a sixteenth of it
   * (`cidrsubnet(cidr, 4, n)`): a /16 gives /20 subnets (4,091 usable addresses), a /24 gives /28 subnets (11),
   * too small for an Application Load Balancer, which wants at least a /27: use /23 or larger for one.
   * @default "10.0.0.0/16"
   */
  readonly cidr?: string;
  /**
   * How many availability zones the subnets span: 2 or 3, the region's first available zones (Local and
   * Wavelength Zones excluded). A number known at synth. Load balancers need subnets in at least two zones.
   * @default 2
   */
  readonly zoneCount?: number;
  /**
   * How many NAT gateways give the private subnets outbound internet: 0 (none: private subnets reach only the VPC
   * and its endpoints, so anything they need from AWS, such as ECR, SSM, CloudWatch Logs or Secrets Manager, needs
   * an interface VPC endpoint), 1 (one in the first zone, shared by every zone: cheaper, but a zone outage cuts the
   * others' internet) or zoneCount (one per zone: zone-independent). A number known at synth, or a Terraform number
   * (a variable); a token above zoneCount counts as zoneCount (`min(natGateways, zoneCount)`); keep it >= 0 with a
   * variable validation. Each NAT gateway costs $32.85/month plus $3.65 for its public IPv4 and $0.045/GB processed.
   * @default 1
   */
  readonly natGateways?: number;
  /**
   * Gateway VPC endpoints (free), associated with the private route tables: traffic from private subnets to these
   * services stays in AWS's network and bypasses the NAT gateways (no processing charge).
   * @default ["s3", "dynamodb"]
   */
  readonly gatewayEndpoints?: readonly GatewayEndpointService[];
  /**
   * VPC flow logs (all traffic, accepted and rejected) to a CloudWatch log group `/vpc/<name>/flow-logs`.
   * Costs $0.50 per GB ingested plus storage, which depends on the traffic (not in the cost estimate).
   * @default - no flow logs
   */
  readonly flowLogs?: NetworkFlowLogs;
  /**
   * Use an existing network instead: when `existing.vpcId` is non-empty nothing is created (every resource is
   * counted 0) and the outputs are the given ids. `vpcId` is usually a variable ("" when unset), so each environment
   * chooses at plan time.
   * @default - always create the network (nothing is counted, so resource addresses do not move)
   */
  readonly existing?: ExistingNetwork;
  /**
   * Tags for every resource, beside its Name tag.
   * @default - none beyond the provider's default_tags
   */
  readonly tags?: Readonly<Record<string, string>>;
}

/** Defaults, applied in one place. */
export const NETWORK_DEFAULTS = {
  cidr: "10.0.0.0/16",
  zoneCount: 2,
  natGateways: 1,
  gatewayEndpoints: ["s3", "dynamodb"] as readonly GatewayEndpointService[],
  tags: {} as Readonly<Record<string, string>>,
} as const;

/** Props with every default applied. */
export type ResolvedNetworkProps = NetworkProps & Required<Pick<NetworkProps, keyof typeof NETWORK_DEFAULTS>>;

export function withDefaults(props: NetworkProps): ResolvedNetworkProps {
  return applyDefaults(props, NETWORK_DEFAULTS);
}

/** Zones a network may span. */
export const MIN_ZONES = 2;
export const MAX_ZONES = 3;

/**
 * The subnet layout: every subnet is `cidrsubnet(cidr, SUBNET_NEWBITS, n)`; the public subnet of zone i is block
 * PUBLIC_BLOCK + i, the private one PRIVATE_BLOCK + i. Fixed blocks, so adding a zone never moves a subnet; blocks
 * 3-7 and 11-15 stay free (e.g. for database subnets).
 */
export const SUBNET_NEWBITS = 4;
export const PUBLIC_BLOCK = 0;
export const PRIVATE_BLOCK = 8;

/** A NAT gateway, USD per hour (us-east-1); data processing ($0.045/GB) is not counted. Kept here, not in the shared price table. */
export const NAT_GATEWAY_USD_PER_HOUR = 0.045;
/** A NAT gateway, USD per month: 0.045 × 730 hours. */
export const NAT_GATEWAY_USD_PER_MONTH = Math.round(NAT_GATEWAY_USD_PER_HOUR * HOURS_PER_MONTH * 100) / 100;
