// Network on a bare stack: subnets, routes, NAT gateways, endpoints, the default security group, flow logs, an
// existing network, cost items and validation; then one offline plan in which Terraform computes subnets and counts.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TerraformOutput, TerraformStack, TerraformVariable } from "cdktf";
import { CostEstimate } from "../modules/cost-estimate/index.js";
import { NAT_GATEWAY_USD_PER_MONTH, Network, NetworkProps } from "../modules/network/index.js";
import { initWorkspace, normalizePlan, type PlanStackResult, type Workspace } from "../scripts/offline-terraform/index.js";
import { resourcesOf, synthStack, TfJson } from "./support/synth.js";
import { bareStack, problemsOf } from "./support/bare-stack.js";
import { requireTerraform } from "./support/terraform.js";

const REQUIRED = { name: "shop-prod", region: "us-east-1", accountId: "123456789012" } as const;
const OUTPUTS = ["vpcId", "vpcCidr", "publicSubnetIds", "privateSubnetIds", "availabilityZones", "natGatewayCount"] as const;

/** A network with its outputs (`<id>_<output>`); `props` may build variables on the stack first. */
function addNetwork(stack: TerraformStack, id: string, props: Partial<NetworkProps> | ((stack: TerraformStack) => Partial<NetworkProps>) = {}): Network {
  const network = new Network(stack, id, { ...REQUIRED, ...(typeof props === "function" ? props(stack) : props) });
  for (const output of OUTPUTS) new TerraformOutput(stack, `${id}_${output}`, { value: network[output] });
  return network;
}

function synthNetwork(props: Partial<NetworkProps> | ((stack: TerraformStack) => Partial<NetworkProps>) = {}): TfJson {
  const stack = bareStack();
  addNetwork(stack, "network", props);
  CostEstimate.of(stack).writeOutputs(stack, "test");
  return synthStack(stack);
}

/** The logical id of the network's resource with construct id `id` ("" for the VPC, whose id is Resource). */
const logicalId = (json: TfJson, type: string, id: string, mode: "resource" | "data" = "resource") => {
  const pattern = new RegExp(`^network_${id === "" ? "" : `${id}_`}[0-9A-F]{8}$`);
  const ids = Object.keys(json[mode][type] ?? {}).filter((k) => pattern.test(k));
  if (ids.length !== 1) throw new Error(`expected one ${type} ${id}, found ${ids.length}`);
  return ids[0]!;
};
const resource = (json: TfJson, type: string, id: string) => json.resource[type]![logicalId(json, type, id)];
const address = (json: TfJson, type: string, id: string) => `${type}.${logicalId(json, type, id)}`;
const zoneRef = (json: TfJson) => `data.aws_availability_zones.${logicalId(json, "aws_availability_zones", "Zones", "data")}.names`;
const output = (json: TfJson, name: (typeof OUTPUTS)[number]) => json.output[`network_${name}`].value;

// The offline plan starts first and runs (init, plan, show) while the synth-only tests do; the last test awaits it.
let planDir: string | undefined;
let ws: Promise<Workspace> | undefined;
let planned: Promise<PlanStackResult>;
const ZONES = ["us-east-1a", "us-east-1b", "us-east-1c"];

beforeAll(() => {
  requireTerraform();
  const stack = bareStack();
  // a: the defaults with natGateways from a variable (1) and flow logs; b: a /20 in three zones with a NAT gateway per
  // zone, behind an existing-network variable left ""; c: an existing network given by its variables.
  addNetwork(stack, "a", (s) => ({ natGateways: new TerraformVariable(s, "a_nat_gateways", { type: "number", default: 1 }).numberValue, flowLogs: { retentionDays: 30 } }));
  addNetwork(stack, "b", (s) => ({
    name: "b",
    cidr: "10.20.0.0/20",
    zoneCount: 3,
    natGateways: 3,
    gatewayEndpoints: ["s3"],
    existing: { vpcId: new TerraformVariable(s, "b_vpc_id", { type: "string", default: "" }).stringValue, publicSubnetIds: [], privateSubnetIds: [] },
  }));
  addNetwork(stack, "c", (s) => ({
    name: "c",
    existing: {
      vpcId: new TerraformVariable(s, "c_vpc_id", { type: "string", default: "vpc-0123456789abcdef0" }).stringValue,
      publicSubnetIds: new TerraformVariable(s, "c_public", { type: "list(string)", default: ["subnet-0000000000000000a", "subnet-0000000000000000b"] }).listValue,
      privateSubnetIds: new TerraformVariable(s, "c_private", { type: "list(string)", default: ["subnet-0000000000000000c", "subnet-0000000000000000d"] }).listValue,
    },
  }));
  planDir = mkdtempSync(join(tmpdir(), "network-plan-"));
  writeFileSync(join(planDir, "cdk.tf.json"), JSON.stringify(synthStack(stack)));
  ws = initWorkspace({ stackDir: planDir });
  planned = ws.then((workspace) =>
    workspace.plan({
      // The stand-in answers every data source with one-element lists: give the zones AWS would list instead.
      mutate: (config) => {
        const edited = JSON.parse(JSON.stringify(config).replace(/data\.aws_availability_zones\.\w+\.names/g, "local.zones"));
        Object.assign(config, edited, { locals: { zones: ZONES } });
      },
    }),
  );
  planned.catch(() => undefined); // reported by the test that awaits it
});

afterAll(async () => {
  await planned?.catch(() => undefined);
  (await ws?.catch(() => undefined))?.cleanup();
  if (planDir) rmSync(planDir, { recursive: true, force: true });
});

describe("Network with defaults (two zones, one NAT gateway)", () => {
  const json = synthNetwork();
  const vpc = `${address(json, "aws_vpc", "")}.id`;

  it("creates a /16 VPC with DNS support and hostnames", () => {
    expect(resource(json, "aws_vpc", "")).toEqual({ cidr_block: "10.0.0.0/16", enable_dns_support: true, enable_dns_hostnames: true, tags: { Name: "shop-prod" } });
  });

  it("takes the region's first available zones that need no opt-in", () => {
    expect(json.data.aws_availability_zones[logicalId(json, "aws_availability_zones", "Zones", "data")]).toEqual({
      state: "available",
      filter: [{ name: "opt-in-status", values: ["opt-in-not-required"] }],
    });
    expect(output(json, "availabilityZones")).toBe(`\${slice(${zoneRef(json)}, 0, 2)}`);
  });

  it("carves a public and a private /20 per zone with cidrsubnet, no public IPs on launch", () => {
    const zone = `\${${zoneRef(json)}[count.index]}`;
    expect(resource(json, "aws_subnet", "PublicSubnet")).toEqual({
      count: 2,
      vpc_id: `\${${vpc}}`,
      availability_zone: zone,
      cidr_block: '${cidrsubnet("10.0.0.0/16", 4, count.index)}',
      map_public_ip_on_launch: false,
      tags: { Name: `shop-prod-public-${zone}` },
    });
    expect(resource(json, "aws_subnet", "PrivateSubnet")).toEqual({
      count: 2,
      vpc_id: `\${${vpc}}`,
      availability_zone: zone,
      cidr_block: '${cidrsubnet("10.0.0.0/16", 4, (count.index + 8))}',
      map_public_ip_on_launch: false,
      tags: { Name: `shop-prod-private-${zone}` },
    });
    expect(output(json, "publicSubnetIds")).toBe(`\${${address(json, "aws_subnet", "PublicSubnet")}[*].id}`);
    expect(output(json, "privateSubnetIds")).toBe(`\${${address(json, "aws_subnet", "PrivateSubnet")}[*].id}`);
  });

  it("routes the public subnets through one route table to the internet gateway", () => {
    const table = `\${${address(json, "aws_route_table", "PublicRouteTable")}.id}`;
    expect(resource(json, "aws_internet_gateway", "InternetGateway")).toEqual({ vpc_id: `\${${vpc}}`, tags: { Name: "shop-prod" } });
    expect(resource(json, "aws_route_table", "PublicRouteTable")).toEqual({ vpc_id: `\${${vpc}}`, tags: { Name: "shop-prod-public" } });
    expect(resource(json, "aws_route", "PublicInternetRoute")).toEqual({
      route_table_id: table,
      destination_cidr_block: "0.0.0.0/0",
      gateway_id: `\${${address(json, "aws_internet_gateway", "InternetGateway")}.id}`,
    });
    expect(resource(json, "aws_route_table_association", "PublicRouteTableAssociation")).toEqual({
      count: 2,
      subnet_id: `\${${address(json, "aws_subnet", "PublicSubnet")}[count.index].id}`,
      route_table_id: table,
    });
  });

  it("puts one NAT gateway with its Elastic IP in the first public subnet, and every private route table routes to it", () => {
    const igw = [address(json, "aws_internet_gateway", "InternetGateway")];
    expect(resource(json, "aws_eip", "NatIp")).toMatchObject({ count: 1, domain: "vpc", depends_on: igw });
    expect(resource(json, "aws_nat_gateway", "NatGateway")).toMatchObject({
      count: 1,
      connectivity_type: "public",
      allocation_id: `\${${address(json, "aws_eip", "NatIp")}[count.index].id}`,
      subnet_id: `\${${address(json, "aws_subnet", "PublicSubnet")}[count.index].id}`,
      depends_on: igw,
    });
    expect(resource(json, "aws_route_table", "PrivateRouteTable")).toMatchObject({ count: 2, vpc_id: `\${${vpc}}` });
    expect(resource(json, "aws_route_table_association", "PrivateRouteTableAssociation")).toEqual({
      count: 2,
      subnet_id: `\${${address(json, "aws_subnet", "PrivateSubnet")}[count.index].id}`,
      route_table_id: `\${${address(json, "aws_route_table", "PrivateRouteTable")}[count.index].id}`,
    });
    expect(resource(json, "aws_route", "PrivateInternetRoute")).toEqual({
      count: 2,
      route_table_id: `\${${address(json, "aws_route_table", "PrivateRouteTable")}[count.index].id}`,
      destination_cidr_block: "0.0.0.0/0",
      nat_gateway_id: `\${${address(json, "aws_nat_gateway", "NatGateway")}[0].id}`,
    });
    expect(output(json, "natGatewayCount")).toBe(1);
  });

  it("associates free S3 and DynamoDB gateway endpoints with the private route tables", () => {
    const tables = `\${${address(json, "aws_route_table", "PrivateRouteTable")}[*].id}`;
    expect(resource(json, "aws_vpc_endpoint", "S3Endpoint")).toEqual({
      vpc_id: `\${${vpc}}`, service_name: "com.amazonaws.us-east-1.s3", vpc_endpoint_type: "Gateway", route_table_ids: tables, tags: { Name: "shop-prod-s3" },
    });
    expect(resource(json, "aws_vpc_endpoint", "DynamodbEndpoint")).toEqual({
      vpc_id: `\${${vpc}}`, service_name: "com.amazonaws.us-east-1.dynamodb", vpc_endpoint_type: "Gateway", route_table_ids: tables, tags: { Name: "shop-prod-dynamodb" },
    });
  });

  it("takes over the default security group with no rules", () => {
    expect(resource(json, "aws_default_security_group", "DefaultSecurityGroup")).toEqual({ vpc_id: `\${${vpc}}`, tags: { Name: "shop-prod-default-unused" } });
  });

  it("has no flow logs, existing-network lookups or counts on its single resources", () => {
    expect(["aws_flow_log", "aws_cloudwatch_log_group", "aws_iam_role", "aws_iam_role_policy"].filter((t) => json.resource[t])).toEqual([]);
    expect(Object.keys(json.data)).toEqual(["aws_availability_zones"]);
    const single = ["aws_vpc", "aws_internet_gateway", "aws_default_security_group", "aws_vpc_endpoint"].flatMap((t) => resourcesOf(json, t));
    expect(single.filter(([, r]) => "count" in r)).toEqual([]);
    expect(output(json, "vpcId")).toBe(`\${${vpc}}`);
    expect(output(json, "vpcCidr")).toBe(`\${${address(json, "aws_vpc", "")}.cidr_block}`);
  });

  it("costs one NAT gateway and its public IPv4", () => {
    expect(NAT_GATEWAY_USD_PER_MONTH).toBe(32.85);
    expect(json.output.cost_breakdown.value).toEqual({
      "network-nat-gateways": '${try(format("%.2f", 32.85), "unknown")}',
      "network-nat-public-ipv4": '${try(format("%.2f", 3.65), "unknown")}',
    });
  });
});

describe("Network NAT gateways", () => {
  it("one per zone: private route table i routes to NAT gateway i", () => {
    const json = synthNetwork({ zoneCount: 3, natGateways: 3 });
    expect([resource(json, "aws_nat_gateway", "NatGateway").count, resource(json, "aws_eip", "NatIp").count]).toEqual([3, 3]);
    expect(resource(json, "aws_route", "PrivateInternetRoute")).toMatchObject({ count: 3, nat_gateway_id: `\${${address(json, "aws_nat_gateway", "NatGateway")}[count.index].id}` });
    expect(json.output.cost_breakdown.value["network-nat-gateways"]).toBe('${try(format("%.2f", 98.55), "unknown")}');
  });

  it("two in three zones: the third zone shares the first zone's gateway (i % 2)", () => {
    const json = synthNetwork({ zoneCount: 3, natGateways: 2 });
    expect(resource(json, "aws_nat_gateway", "NatGateway").count).toBe(2);
    expect(resource(json, "aws_route", "PrivateInternetRoute").nat_gateway_id).toBe(`\${${address(json, "aws_nat_gateway", "NatGateway")}[(count.index % 2)].id}`);
  });

  it("a variable: count min(natGateways, zoneCount), zone i routes to NAT gateway i % count, and only when there is one", () => {
    const json = synthNetwork((s) => ({ natGateways: new TerraformVariable(s, "nat_gateways", { type: "number" }).numberValue }));
    const count = "min(var.nat_gateways, 2)";
    expect([resource(json, "aws_nat_gateway", "NatGateway").count, resource(json, "aws_eip", "NatIp").count]).toEqual([`\${${count}}`, `\${${count}}`]);
    expect(resource(json, "aws_route", "PrivateInternetRoute")).toMatchObject({
      count: `\${(${count} >= 1) ? 2 : 0}`,
      nat_gateway_id: `\${${address(json, "aws_nat_gateway", "NatGateway")}[(count.index % ${count})].id}`,
    });
    expect(output(json, "natGatewayCount")).toBe(`\${${count}}`);
    expect(json.output.cost_breakdown.value).toEqual({
      "network-nat-gateways": `\${try(format("%.2f", (${count} * 32.85)), "unknown")}`,
      "network-nat-public-ipv4": `\${try(format("%.2f", (${count} * 3.65)), "unknown")}`,
    });
  });

  it("0: no NAT gateway, no Elastic IP and no default route in the private route tables; no cost", () => {
    const json = synthNetwork({ natGateways: 0 });
    expect([json.resource.aws_nat_gateway, json.resource.aws_eip]).toEqual([undefined, undefined]);
    expect(resourcesOf(json, "aws_route").map(([id]) => id)).toEqual([logicalId(json, "aws_route", "PublicInternetRoute")]);
    expect(resource(json, "aws_route_table", "PrivateRouteTable").count).toBe(2);
    expect(output(json, "natGatewayCount")).toBe(0);
    expect(Object.values(json.output.cost_breakdown.value)).toEqual(['${try(format("%.2f", 0), "unknown")}', '${try(format("%.2f", 0), "unknown")}']);
  });
});

describe("Network options", () => {
  it("creates only the gateway endpoints asked for", () => {
    expect(Object.keys(synthNetwork({ gatewayEndpoints: ["s3"] }).resource.aws_vpc_endpoint!).map((k) => k.replace(/_[0-9A-F]{8}$/, ""))).toEqual(["network_S3Endpoint"]);
    expect(synthNetwork({ gatewayEndpoints: [] }).resource.aws_vpc_endpoint).toBeUndefined();
  });

  it("tags every resource", () => {
    const json = synthNetwork({ tags: { team: "platform" } });
    const tagged = Object.entries(json.resource).flatMap(([type, all]) => Object.values(all).map((r) => [type, r.tags?.team]));
    expect(tagged.filter(([type, team]) => !["aws_route", "aws_route_table_association"].includes(type as string) && team !== "platform")).toEqual([]);
  });

  it("writes flow logs to a log group with the retention asked, through a role that may only write there", () => {
    const json = synthNetwork({ flowLogs: { retentionDays: 90 } });
    const group = address(json, "aws_cloudwatch_log_group", "FlowLogGroup");
    const role = address(json, "aws_iam_role", "FlowLogRole");
    expect(resource(json, "aws_cloudwatch_log_group", "FlowLogGroup")).toEqual({ name: "/vpc/shop-prod/flow-logs", retention_in_days: 90, tags: { Name: "shop-prod-flow-logs" } });
    const trust = JSON.parse(resource(json, "aws_iam_role", "FlowLogRole").assume_role_policy);
    expect(trust.Statement).toEqual([
      {
        Effect: "Allow",
        Principal: { Service: "vpc-flow-logs.amazonaws.com" },
        Action: "sts:AssumeRole",
        Condition: { StringEquals: { "aws:SourceAccount": "123456789012" }, ArnLike: { "aws:SourceArn": "arn:*:ec2:us-east-1:123456789012:vpc-flow-log/*" } },
      },
    ]);
    expect(resource(json, "aws_iam_role", "FlowLogRole").name_prefix).toBe("shop-prod-flow-logs-");
    const policy = resource(json, "aws_iam_role_policy", "FlowLogPolicy");
    expect(policy.role).toBe(`\${${role}.id}`);
    expect(JSON.parse(policy.policy).Statement).toEqual([
      { Sid: "WriteFlowLogs", Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"], Resource: [`\${${group}.arn}`, `\${${group}.arn}:*`] },
    ]);
    expect(resource(json, "aws_flow_log", "FlowLog")).toEqual({
      vpc_id: `\${${address(json, "aws_vpc", "")}.id}`,
      traffic_type: "ALL",
      log_destination_type: "cloud-watch-logs",
      log_destination: `\${${group}.arn}`,
      iam_role_arn: `\${${role}.arn}`,
      max_aggregation_interval: 600,
      tags: { Name: "shop-prod-flow-logs" },
    });
  });
});

describe("Network with an existing network", () => {
  const json = synthNetwork((s) => ({
    natGateways: new TerraformVariable(s, "nat_gateways", { type: "number" }).numberValue,
    flowLogs: { retentionDays: 30 },
    existing: {
      vpcId: new TerraformVariable(s, "vpc_id", { type: "string", default: "" }).stringValue,
      publicSubnetIds: new TerraformVariable(s, "public_subnet_ids", { type: "list(string)", default: [] }).listValue,
      privateSubnetIds: new TerraformVariable(s, "private_subnet_ids", { type: "list(string)", default: [] }).listValue,
    },
  }));
  const create = "(length(var.vpc_id) < 1)";
  const use = "(length(var.vpc_id) >= 1)";
  const vpc = address(json, "aws_vpc", "");

  it("counts every resource by `length(var.vpc_id) < 1`", () => {
    const counts = Object.entries(json.resource).flatMap(([type, all]) => Object.entries(all).map(([id, r]) => [`${type}.${id.replace(/_[0-9A-F]{8}$/, "")}`, r.count]));
    expect(counts.length).toBe(19);
    expect(counts.filter(([, count]) => !String(count).startsWith(`\${${create} ? `) && !String(count).startsWith(`\${(${create} && `))).toEqual([]);
    expect(Object.fromEntries(counts)).toMatchObject({
      "aws_vpc.network": `\${${create} ? 1 : 0}`,
      "aws_subnet.network_PublicSubnet": `\${${create} ? 2 : 0}`,
      "aws_nat_gateway.network_NatGateway": `\${${create} ? min(var.nat_gateways, 2) : 0}`,
      "aws_route.network_PrivateInternetRoute": `\${(${create} && (min(var.nat_gateways, 2) >= 1)) ? 2 : 0}`,
      "aws_flow_log.network_FlowLog": `\${${create} ? 1 : 0}`,
    });
    expect(resource(json, "aws_subnet", "PublicSubnet").vpc_id).toBe(`\${one(${vpc}[*].id)}`);
  });

  it("looks up the existing VPC and the private subnets' zones only when the id is given", () => {
    expect(json.data.aws_vpc![logicalId(json, "aws_vpc", "ExistingVpc", "data")]).toEqual({ id: "${var.vpc_id}", count: `\${${use} ? 1 : 0}` });
    expect(json.data.aws_subnet![logicalId(json, "aws_subnet", "ExistingPrivateSubnet", "data")]).toEqual({
      count: `\${${use} ? length(var.private_subnet_ids) : 0}`,
      id: "${element(var.private_subnet_ids, count.index)}",
      vpc_id: "${var.vpc_id}",
    });
  });

  it("outputs the created network's ids or the given ones", () => {
    const existingVpc = `data.aws_vpc.${logicalId(json, "aws_vpc", "ExistingVpc", "data")}`;
    const existingSubnets = `data.aws_subnet.${logicalId(json, "aws_subnet", "ExistingPrivateSubnet", "data")}`;
    expect(Object.fromEntries(OUTPUTS.map((o) => [o, output(json, o)]))).toEqual({
      vpcId: `\${${create} ? one(${vpc}[*].id) : var.vpc_id}`,
      vpcCidr: `\${${create} ? one(${vpc}[*].cidr_block) : one(${existingVpc}[*].cidr_block)}`,
      publicSubnetIds: `\${${create} ? ${address(json, "aws_subnet", "PublicSubnet")}[*].id : var.public_subnet_ids}`,
      privateSubnetIds: `\${${create} ? ${address(json, "aws_subnet", "PrivateSubnet")}[*].id : var.private_subnet_ids}`,
      availabilityZones: `\${${create} ? slice(${zoneRef(json)}, 0, 2) : ${existingSubnets}[*].availability_zone}`,
      natGatewayCount: `\${${create} ? min(var.nat_gateways, 2) : 0}`,
    });
  });

  it("costs nothing with an existing network", () => {
    expect(json.output.cost_breakdown.value["network-nat-gateways"]).toBe(`\${try(format("%.2f", ${create} ? (min(var.nat_gateways, 2) * 32.85) : 0), "unknown")}`);
  });

  it("a literal id: every resource counted 0, the lookups counted 1 and per private subnet, the given ids as outputs", () => {
    const given = synthNetwork({ existing: { vpcId: "vpc-0123456789abcdef0", publicSubnetIds: ["subnet-0000000000000000a"], privateSubnetIds: ["subnet-0000000000000000b"] } });
    const counts = Object.values(given.resource).flatMap((all) => Object.values(all).map((r) => r.count));
    expect(new Set(counts)).toEqual(new Set([0]));
    expect(given.resource.aws_nat_gateway).toBeUndefined();
    expect(Object.values(given.data.aws_vpc!)).toEqual([{ id: "vpc-0123456789abcdef0", count: 1 }]);
    expect(Object.values(given.data.aws_subnet!)).toEqual([{ count: 1, id: '${element(["subnet-0000000000000000b"], count.index)}', vpc_id: "vpc-0123456789abcdef0" }]);
    expect([output(given, "vpcId"), output(given, "publicSubnetIds"), output(given, "natGatewayCount")]).toEqual(["vpc-0123456789abcdef0", ["subnet-0000000000000000a"], 0]);
  });

  it("a literal \"\" is the same configuration as leaving existing out", () => {
    const plain = synthNetwork();
    const empty = synthNetwork({ existing: { vpcId: "", publicSubnetIds: [], privateSubnetIds: [] } });
    expect(empty).toEqual(plain);
    expect(output(empty, "vpcId")).toBe(`\${${address(empty, "aws_vpc", "")}.id}`);
  });
});

describe("Network validation", () => {
  const problems = (props: Partial<NetworkProps>) => problemsOf(() => new Network(bareStack(), "network", { ...REQUIRED, ...props }));

  it("reports a bad range, a fourth zone and too many NAT gateways at once", () => {
    expect(problems({ cidr: "10.0.0.0/8", zoneCount: 4, natGateways: 5 })).toEqual([
      'cidr "10.0.0.0/8" is a /8: use a /16 to /24 range (AWS allows /16 at most; below /24 the subnets get too small).',
      "zoneCount 4 must be 2 or 3: load balancers need two zones, and the subnet layout has room for three.",
      "natGateways 5 must be a whole number from 0 to 3 (zoneCount): 0 (no internet from private subnets), 1 (one shared) or 3 (one per zone).",
    ]);
  });

  it("names the network address of a range with host bits, and refuses what is no CIDR", () => {
    expect(problems({ cidr: "10.1.2.3/16" })).toEqual(['cidr "10.1.2.3/16" is not a network address (host bits are set): use "10.1.0.0/16".']);
    expect(problems({ cidr: "10.0.0.0" })).toEqual(['cidr "10.0.0.0" is not an IPv4 CIDR: use a network address such as "10.0.0.0/16".']);
  });

  it("refuses more NAT gateways than zones, an unknown zone count, a bad retention, endpoint or name", () => {
    expect(problems({ natGateways: 3 })).toEqual([
      "natGateways 3 must be a whole number from 0 to 2 (zoneCount): 0 (no internet from private subnets), 1 (one shared) or 2 (one per zone).",
    ]);
    const stack = bareStack();
    const zones = new TerraformVariable(stack, "zones", { type: "number" }).numberValue;
    expect(problemsOf(() => new Network(stack, "network", { ...REQUIRED, zoneCount: zones }))).toEqual([
      "zoneCount must be a number known at synth, not a Terraform expression: it lays out the subnets.",
    ]);
    expect(problems({ name: "Shop", flowLogs: { retentionDays: 10 }, gatewayEndpoints: ["s3", "sqs" as "s3", "s3"] })).toEqual([
      'name "Shop" must be lower-case letters, digits and dashes, e.g. "shop-prod" (it starts every Name tag).',
      'gatewayEndpoints "sqs" has no gateway endpoint: use "s3" or "dynamodb" (other services need interface endpoints).',
      "gatewayEndpoints must be unique; repeated: s3.",
      "flowLogs.retentionDays 10 is not a CloudWatch Logs retention: use one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653.",
    ]);
  });

  it("checks the ids of a known existing network", () => {
    expect(problems({ existing: { vpcId: "vpc-12", publicSubnetIds: ["sub-1"], privateSubnetIds: [] } })).toEqual([
      'existing.vpcId "vpc-12" is not a VPC id: use e.g. "vpc-0123456789abcdef0", or "" to create the network.',
      'existing.publicSubnetIds ["sub-1"] are not subnet ids: use e.g. "subnet-0123456789abcdef0".',
      "existing.privateSubnetIds is empty: give the existing VPC's private subnets.",
    ]);
  });
});

describe("Network through the real Terraform engine (offline plan)", () => {
  it("computes the subnet ranges, zones and counts; an existing network creates nothing", async () => {
    const r = await planned;
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    const plan = normalizePlan(r.showJson);
    const changes = plan.resourceChanges;
    const ofType = (network: string, type: string, id: string) =>
      changes.filter((c) => c.type === type && new RegExp(`^${type}\\.${network}_${id}_[0-9A-F]{8}(\\[\\d\\])?$`).test(c.address));
    const subnets = (network: string, tier: string) => ofType(network, "aws_subnet", `${tier}Subnet`).map((c) => c.after as { cidr_block: string; availability_zone: string; tags: { Name: string } });

    expect(subnets("a", "Public").map((s) => [s.cidr_block, s.availability_zone, s.tags.Name])).toEqual([
      ["10.0.0.0/20", "us-east-1a", "shop-prod-public-us-east-1a"],
      ["10.0.16.0/20", "us-east-1b", "shop-prod-public-us-east-1b"],
    ]);
    expect(subnets("a", "Private").map((s) => s.cidr_block)).toEqual(["10.0.128.0/20", "10.0.144.0/20"]);
    expect(subnets("b", "Public").map((s) => s.cidr_block)).toEqual(["10.20.0.0/24", "10.20.1.0/24", "10.20.2.0/24"]);
    expect(subnets("b", "Private").map((s) => [s.cidr_block, s.availability_zone])).toEqual([
      ["10.20.8.0/24", "us-east-1a"],
      ["10.20.9.0/24", "us-east-1b"],
      ["10.20.10.0/24", "us-east-1c"],
    ]);
    const counted = (network: string) =>
      [["aws_nat_gateway", "NatGateway"], ["aws_eip", "NatIp"], ["aws_route", "PrivateInternetRoute"], ["aws_route_table", "PrivateRouteTable"], ["aws_flow_log", "FlowLog"]].map(([type, id]) => ofType(network, type!, id!).length);
    expect(counted("a")).toEqual([1, 1, 2, 2, 1]);
    expect(counted("b")).toEqual([3, 3, 3, 3, 0]);
    expect(changes.filter((c) => c.address.includes(".c_"))).toEqual([]);
    expect(changes.every((c) => c.actions.join() === "create")).toBe(true);

    const out = (name: string) => plan.outputChanges[name]!.after;
    expect([out("a_natGatewayCount"), out("b_natGatewayCount"), out("c_natGatewayCount")]).toEqual([1, 3, 0]);
    expect([out("a_availabilityZones"), out("b_vpcCidr")]).toEqual([ZONES.slice(0, 2), "10.20.0.0/20"]);
    expect([out("c_vpcId"), out("c_publicSubnetIds"), out("c_privateSubnetIds")]).toEqual([
      "vpc-0123456789abcdef0",
      ["subnet-0000000000000000a", "subnet-0000000000000000b"],
      ["subnet-0000000000000000c", "subnet-0000000000000000d"],
    ]);
  });
});
