import { Construct } from "constructs";
import { Fn, Op, ref, TerraformCount, TerraformResource, Token } from "cdktf";
// Provider docs: https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/vpc
import { Vpc } from "@cdktf/provider-aws/lib/vpc";
// https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/subnet
import { Subnet } from "@cdktf/provider-aws/lib/subnet";
// https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/internet_gateway
import { InternetGateway } from "@cdktf/provider-aws/lib/internet-gateway";
// https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/route_table (routes as aws_route, never inline)
import { RouteTable } from "@cdktf/provider-aws/lib/route-table";
import { Route } from "@cdktf/provider-aws/lib/route";
import { RouteTableAssociation } from "@cdktf/provider-aws/lib/route-table-association";
// https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/nat_gateway
import { NatGateway } from "@cdktf/provider-aws/lib/nat-gateway";
import { Eip } from "@cdktf/provider-aws/lib/eip";
// https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/vpc_endpoint
import { VpcEndpoint } from "@cdktf/provider-aws/lib/vpc-endpoint";
// https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/default_security_group
import { DefaultSecurityGroup } from "@cdktf/provider-aws/lib/default-security-group";
// https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/flow_log
import { FlowLog } from "@cdktf/provider-aws/lib/flow-log";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
// https://registry.terraform.io/providers/hashicorp/aws/latest/docs/data-sources/availability_zones
import { DataAwsAvailabilityZones } from "@cdktf/provider-aws/lib/data-aws-availability-zones";
import { DataAwsVpc } from "@cdktf/provider-aws/lib/data-aws-vpc";
import { DataAwsSubnet } from "@cdktf/provider-aws/lib/data-aws-subnet";
import { countWhen, choose, isEmpty, isKnown, isNonEmpty, oneOf, pascalCase, splat, Switch } from "../core/index.js";
import { CostEstimate, costKey, PUBLIC_IPV4_USD_PER_MONTH } from "../cost-estimate/index.js";
import { NAT_GATEWAY_USD_PER_MONTH, NetworkProps, PRIVATE_BLOCK, PUBLIC_BLOCK, SUBNET_NEWBITS, withDefaults } from "./props.js";
import { validateNetworkProps } from "./validate-props.js";

/** `n` when the switch is on, else 0: a literal when both are known, a Terraform conditional otherwise. */
function scaled(on: Switch, n: number): number {
  if (on === false) return 0;
  if (on === true) return n;
  return Token.asNumber(Fn.conditional(on, n, 0));
}

/** Both switches; a Terraform `&&` only when both are tokens. */
function both(a: Switch, b: Switch): Switch {
  if (a === false || b === false) return false;
  if (a === true) return b;
  if (b === true) return a;
  return Op.and(a, b);
}

/** `attribute` of instance `index` of a counted resource: `type.name[index].attribute`. */
function nth(resource: TerraformResource, index: number, attribute: string): string {
  const address = `${resource.terraformResourceType}.${resource.friendlyUniqueId}`;
  // A literal index as `[0]` (lookupNested would write the legacy `.0`).
  if (isKnown(index)) return Token.asString(ref(`${address}[${index}].${attribute}`));
  return Token.asString(Fn.lookupNested(ref(address), [index, attribute]));
}

/** `count.index + offset`, without a literal 0 operand (cdktf renders it as `undefined`). */
function plus(index: number, offset: number): number {
  return offset === 0 ? index : Token.asNumber(Op.add(index, offset));
}

const round2 = (usd: number) => Math.round(usd * 100) / 100;

/**
 * The VPC a load-balanced system runs in: public and private subnets in the region's first two or three zones,
 * an internet gateway and one public route table, NAT gateways (none, one shared, or one per zone) with a private
 * route table per zone, free gateway endpoints (S3, DynamoDB) on the private route tables, the default security
 * group emptied so nothing uses it by accident, and optional flow logs to CloudWatch Logs.
 *
 * Subnets are `cidrsubnet(cidr, 4, n)`: the public subnet of zone i is block i, the private one block 8 + i
 * (10.0.0.0/16: public 10.0.0.0/20, 10.0.16.0/20, 10.0.32.0/20; private 10.0.128.0/20, 10.0.144.0/20, 10.0.160.0/20).
 * Public subnets give no public IPs on launch: only load balancers and NAT gateways live there. Private subnet i
 * routes 0.0.0.0/0 to NAT gateway `i % natGateways`; with no NAT gateway, private subnets have no internet and
 * need interface VPC endpoints for the AWS APIs they call.
 *
 * With `existing` (a VPC id that is usually a variable), a non-empty id creates nothing (every resource counted 0)
 * and the outputs are the given ids; the VPC's range and the private subnets' zones are looked up.
 *
 * Provider docs: [aws_vpc](https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/vpc),
 * [aws_subnet](https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/subnet),
 * [aws_nat_gateway](https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/nat_gateway),
 * [aws_route](https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/route),
 * [aws_vpc_endpoint](https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/vpc_endpoint),
 * [aws_default_security_group](https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/default_security_group),
 * [aws_flow_log](https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/flow_log).
 */
export class Network extends Construct {
  /** The VPC (counted 0/1 with `existing`: then refer to {@link vpcId}). */
  readonly vpc: Vpc;
  /** Whether the module creates the network: true, or a Terraform boolean with `existing`. */
  readonly created: Switch;
  /** The VPC's id: the created one or `existing.vpcId`. */
  readonly vpcId: string;
  /** The VPC's IPv4 range (with an existing VPC, from a lookup). */
  readonly vpcCidr: string;
  /** Public subnet ids, one per zone (a Terraform list). */
  readonly publicSubnetIds: string[];
  /** Private subnet ids, one per zone (a Terraform list). */
  readonly privateSubnetIds: string[];
  /** Zone names of the private subnets, in order (a Terraform list). */
  readonly availabilityZones: string[];
  /** NAT gateways created: a number, or a Terraform number expression. */
  readonly natGatewayCount: number;
  /** The zone lookup, the region's available zones without opt-in (Local and Wavelength) zones. */
  readonly zones: DataAwsAvailabilityZones;

  constructor(scope: Construct, id: string, props: NetworkProps) {
    super(scope, id);
    const p = withDefaults(props);
    validateNetworkProps(this, p);
    const zoneCount = p.zoneCount;
    const named = (name: string) => ({ ...p.tags, Name: name });

    const existingVpcId = p.existing?.vpcId;
    this.created = existingVpcId === undefined ? true : isKnown(existingVpcId) ? existingVpcId === "" : isEmpty(existingVpcId);
    const created = this.created;
    const usesExisting: Switch = created === true ? false : created === false ? true : isNonEmpty(existingVpcId!);
    /** An attribute of a resource counted 0/1 by `created` (or not counted at all without `existing`). */
    const the = (resource: TerraformResource, attribute: string) => (created === true ? resource.getStringAttribute(attribute) : oneOf(resource, attribute));
    const perZone = () => TerraformCount.of(scaled(created, zoneCount));

    this.zones = new DataAwsAvailabilityZones(this, "Zones", {
      state: "available",
      filter: [{ name: "opt-in-status", values: ["opt-in-not-required"] }],
    });
    // `names[count.index]`, not element(): a region with fewer zones fails the plan instead of reusing a zone.
    const zoneAt = (index: number): string => Token.asString(Fn.lookupNested(this.zones.names, [index]));

    this.vpc = new Vpc(this, "Resource", {
      cidrBlock: p.cidr,
      // Both on: interface endpoints with private DNS and Route 53 private zones need them.
      enableDnsSupport: true,
      enableDnsHostnames: true,
      tags: named(p.name),
    });
    const vpcId = the(this.vpc, "id");

    // Takes over the VPC's default group and removes its rules: anything launched without a group gets no traffic.
    new DefaultSecurityGroup(this, "DefaultSecurityGroup", { vpcId, tags: named(`${p.name}-default-unused`) });

    const subnets = (tier: "public" | "private", block: number) => {
      const count = perZone();
      return new Subnet(this, `${pascalCase(tier)}Subnet`, {
        count,
        vpcId,
        availabilityZone: zoneAt(count.index),
        cidrBlock: Fn.cidrsubnet(p.cidr, SUBNET_NEWBITS, plus(count.index, block)),
        mapPublicIpOnLaunch: false,
        tags: named(`${p.name}-${tier}-${zoneAt(count.index)}`),
      });
    };
    const publicSubnet = subnets("public", PUBLIC_BLOCK);
    const privateSubnet = subnets("private", PRIVATE_BLOCK);

    // Public: one route table for every zone, its default route to the internet gateway.
    const internetGateway = new InternetGateway(this, "InternetGateway", { vpcId, tags: named(p.name) });
    const publicRouteTable = new RouteTable(this, "PublicRouteTable", { vpcId, tags: named(`${p.name}-public`) });
    new Route(this, "PublicInternetRoute", {
      routeTableId: the(publicRouteTable, "id"),
      destinationCidrBlock: "0.0.0.0/0",
      gatewayId: the(internetGateway, "id"),
    });
    const publicAssociation = perZone();
    new RouteTableAssociation(this, "PublicRouteTableAssociation", {
      count: publicAssociation,
      subnetId: nth(publicSubnet, publicAssociation.index, "id"),
      routeTableId: the(publicRouteTable, "id"),
    });

    // Private: a route table per zone, so going from one NAT gateway to one per zone changes routes, not associations.
    const privateTables = perZone();
    const privateRouteTable = new RouteTable(this, "PrivateRouteTable", {
      count: privateTables,
      vpcId,
      tags: named(`${p.name}-private-${zoneAt(privateTables.index)}`),
    });
    const privateAssociation = perZone();
    new RouteTableAssociation(this, "PrivateRouteTableAssociation", {
      count: privateAssociation,
      subnetId: nth(privateSubnet, privateAssociation.index, "id"),
      routeTableId: nth(privateRouteTable, privateAssociation.index, "id"),
    });

    // NAT gateways: min(natGateways, zoneCount), in the first zones' public subnets.
    const nat = p.natGateways;
    const natWanted = isKnown(nat) ? Math.min(nat, zoneCount) : Token.asNumber(Fn.min([nat, zoneCount]));
    this.natGatewayCount = isKnown(natWanted) && natWanted === 0 ? 0 : scaled(created, natWanted);
    if (this.natGatewayCount !== 0) {
      const ips = TerraformCount.of(this.natGatewayCount);
      const ip = new Eip(this, "NatIp", {
        count: ips,
        domain: "vpc",
        tags: named(`${p.name}-nat-${zoneAt(ips.index)}`),
        // AWS: an EIP in a VPC may need the internet gateway to exist first.
        dependsOn: [internetGateway],
      });
      const gateways = TerraformCount.of(this.natGatewayCount);
      const natGateway = new NatGateway(this, "NatGateway", {
        count: gateways,
        connectivityType: "public",
        allocationId: nth(ip, gateways.index, "id"),
        subnetId: nth(publicSubnet, gateways.index, "id"),
        tags: named(`${p.name}-nat-${zoneAt(gateways.index)}`),
        dependsOn: [internetGateway],
      });
      const natOn: Switch = isKnown(natWanted) ? natWanted >= 1 : Op.gte(natWanted, 1);
      const routes = TerraformCount.of(scaled(both(created, natOn), zoneCount));
      // Zone i uses NAT gateway i % count: one gateway serves every zone, one per zone keeps each zone's traffic in it.
      const natIndex = !isKnown(natWanted) || (natWanted !== 1 && natWanted !== zoneCount) ? Token.asNumber(Op.mod(routes.index, natWanted)) : natWanted === 1 ? 0 : routes.index;
      new Route(this, "PrivateInternetRoute", {
        count: routes,
        routeTableId: nth(privateRouteTable, routes.index, "id"),
        destinationCidrBlock: "0.0.0.0/0",
        natGatewayId: nth(natGateway, natIndex, "id"),
      });
    }

    for (const service of p.gatewayEndpoints) {
      new VpcEndpoint(this, `${pascalCase(service)}Endpoint`, {
        vpcId,
        serviceName: `com.amazonaws.${p.region}.${service}`,
        vpcEndpointType: "Gateway",
        routeTableIds: splat(privateRouteTable, "id"),
        tags: named(`${p.name}-${service}`),
      });
    }

    if (p.flowLogs !== undefined) this.addFlowLogs(p.name, p.region, p.accountId, p.flowLogs.retentionDays, vpcId, named, the);

    // Every resource of the module exists only when it creates the network (the counted ones already say so).
    if (created !== true) {
      for (const child of this.node.children) if (child instanceof TerraformResource && child.count === undefined) child.count = countWhen(created);
    }

    // The network's outputs: the created resources, or the existing network's ids.
    const existing = p.existing;
    let existingZones: string[] = [];
    const pick = (mine: string[], theirs: string[]): string[] => (created === true ? mine : created === false ? theirs : Token.asList(Fn.conditional(created, mine, theirs)));
    if (existing === undefined || created === true) {
      this.vpcId = this.vpc.id;
      this.vpcCidr = this.vpc.cidrBlock;
    } else {
      const existingVpc = new DataAwsVpc(this, "ExistingVpc", { id: existing.vpcId });
      existingVpc.count = countWhen(usesExisting);
      // The private subnets' zones, in the order given; the lookup also fails the plan for a subnet of another VPC.
      const ids = existing.privateSubnetIds;
      const lookups = TerraformCount.of(scaled(usesExisting, isKnown(ids) ? ids.length : Token.asNumber(Fn.lengthOf(ids))));
      const existingPrivate = new DataAwsSubnet(this, "ExistingPrivateSubnet", {
        count: lookups,
        id: Token.asString(Fn.element(ids, lookups.index)),
        vpcId: existing.vpcId,
      });
      this.vpcId = choose(created, oneOf(this.vpc, "id"), existing.vpcId);
      this.vpcCidr = choose(created, oneOf(this.vpc, "cidr_block"), oneOf(existingVpc, "cidr_block"));
      existingZones = splat(existingPrivate, "availability_zone");
    }
    this.publicSubnetIds = pick(splat(publicSubnet, "id"), existing?.publicSubnetIds ?? []);
    this.privateSubnetIds = pick(splat(privateSubnet, "id"), existing?.privateSubnetIds ?? []);
    this.availabilityZones = pick(Token.asList(Fn.slice(this.zones.names, 0, zoneCount)), existingZones);

    const monthly = (usdEach: number) =>
      isKnown(natWanted) ? scaled(created, round2(natWanted * usdEach)) : scaled(created, Token.asNumber(Op.mul(natWanted, usdEach)));
    CostEstimate.of(this).add(
      {
        key: costKey(this, "nat-gateways"),
        usd: monthly(NAT_GATEWAY_USD_PER_MONTH),
        description: `NAT gateways, $${NAT_GATEWAY_USD_PER_MONTH}/month each (us-east-1 $0.045/h; data processing $0.045/GB not counted)`,
      },
      {
        key: costKey(this, "nat-public-ipv4"),
        usd: monthly(PUBLIC_IPV4_USD_PER_MONTH),
        description: `Public IPv4 addresses of the NAT gateways, $${PUBLIC_IPV4_USD_PER_MONTH}/month each`,
      },
    );
  }

  /** Flow logs of every packet (accepted and rejected) to a log group, written by a role that may do nothing else. */
  private addFlowLogs(
    name: string,
    region: string,
    accountId: string,
    retentionDays: number,
    vpcId: string,
    named: (name: string) => Record<string, string>,
    the: (resource: TerraformResource, attribute: string) => string,
  ): void {
    const logGroup = new CloudwatchLogGroup(this, "FlowLogGroup", { name: `/vpc/${name}/flow-logs`, retentionInDays: retentionDays, tags: named(`${name}-flow-logs`) });
    const logGroupArn = the(logGroup, "arn");
    const role = new IamRole(this, "FlowLogRole", {
      namePrefix: `${name}-flow-logs-`,
      description: "VPC flow logs: write to the network's flow-log group",
      assumeRolePolicy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Allow",
            Principal: { Service: "vpc-flow-logs.amazonaws.com" },
            Action: "sts:AssumeRole",
            // Only for this account's flow logs in this region (confused deputy).
            Condition: {
              StringEquals: { "aws:SourceAccount": accountId },
              ArnLike: { "aws:SourceArn": `arn:*:ec2:${region}:${accountId}:vpc-flow-log/*` },
            },
          },
        ],
      }),
      tags: named(`${name}-flow-logs`),
    });
    new IamRolePolicy(this, "FlowLogPolicy", {
      name: "write-flow-logs",
      role: the(role, "id"),
      policy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "WriteFlowLogs",
            Effect: "Allow",
            Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
            // The group (DescribeLogStreams) and its streams (log-group:<name>:log-stream:<stream>).
            Resource: [logGroupArn, `${logGroupArn}:*`],
          },
        ],
      }),
    });
    new FlowLog(this, "FlowLog", {
      vpcId,
      trafficType: "ALL",
      logDestinationType: "cloud-watch-logs",
      logDestination: logGroupArn,
      iamRoleArn: the(role, "arn"),
      maxAggregationInterval: 600,
      tags: named(`${name}-flow-logs`),
    });
  }
}
