import { Construct } from "constructs";
import { Fn, Op, Token } from "cdktf";
import { VpcEndpoint } from "@cdktf/provider-aws/lib/vpc-endpoint";
import { Route53Zone } from "@cdktf/provider-aws/lib/route53-zone";
import { Route53Record } from "@cdktf/provider-aws/lib/route53-record";
import { countWhen, isNonEmpty, oneOf } from "../../modules/core/index.js";
import { SecurityGroup } from "../../modules/security-group/index.js";
import { CostEstimate } from "../../modules/cost-estimate/index.js";

/** An interface endpoint per zone and hour, and a private hosted zone per month (us-east-1 list prices). */
const ENDPOINT_USD_PER_ZONE_MONTH = 0.01 * 730;
const PRIVATE_ZONE_USD_PER_MONTH = 0.5;
/** The ports ClickHouse Cloud serves over PrivateLink: HTTPS, native over TLS, its HTTPS console port and MySQL. */
const CLICKHOUSE_CLOUD_PORTS = [
  { key: "https-native", port: 9440, description: "ClickHouse native protocol over TLS" },
  { key: "https-http", port: 8443, description: "ClickHouse HTTPS interface" },
] as const;

export interface PrivateLinkProps {
  readonly name: string;
  readonly vpcId: string;
  readonly subnetIds: string[];
  /** The security group of the clients (the tasks). */
  readonly clientSecurityGroupId: string;
  /** The service's endpoint service name; "" for none (then nothing here is created). */
  readonly serviceName: string;
  /** The service's PrivateLink DNS name (<id>.<region>.vpce.aws.clickhouse.cloud), answered inside the VPC. */
  readonly dnsName: string;
}

/**
 * ClickHouse Cloud's AWS PrivateLink, as its docs set it up: an interface endpoint to the service's endpoint service
 * with private DNS off, and the service's PrivateLink DNS name answered by a private hosted zone of the VPC pointing at
 * the endpoint. Only the clients' security group reaches it. The endpoint's id goes into the service's allow list.
 */
export function privateLinkToClickhouse(scope: Construct, p: PrivateLinkProps): { endpointId: string } {
  const enabled = isNonEmpty(p.serviceName);
  const group = new SecurityGroup(scope, "clickhouse_endpoint_security_group", {
    vpcId: p.vpcId,
    namePrefix: `${p.name}-clickhouse-endpoint-`,
    description: "ClickHouse Cloud PrivateLink endpoint: its TLS ports from the tasks only",
    allowedSources: {},
    allowedSecurityGroups: { tasks: p.clientSecurityGroupId },
    ingressPorts: CLICKHOUSE_CLOUD_PORTS.map((c) => ({ key: c.key, fromPort: c.port, description: c.description })),
    egressRules: [],
  });
  const endpoint = new VpcEndpoint(scope, "clickhouse_endpoint", {
    count: countWhen(enabled),
    vpcId: p.vpcId,
    serviceName: p.serviceName,
    vpcEndpointType: "Interface",
    subnetIds: p.subnetIds,
    securityGroupIds: [group.id],
    // ClickHouse Cloud's endpoint service has no private DNS name of its own: the zone below answers for it.
    privateDnsEnabled: false,
    tags: { Name: `${p.name}-clickhouse` },
  });
  const zone = new Route53Zone(scope, "clickhouse_private_zone", {
    count: countWhen(enabled),
    name: p.dnsName,
    comment: "ClickHouse Cloud's PrivateLink DNS name, answered inside the VPC",
    vpc: [{ vpcId: p.vpcId }],
  });
  new Route53Record(scope, "clickhouse_private_record", {
    count: countWhen(enabled),
    zoneId: oneOf(zone, "zone_id"),
    name: p.dnsName,
    type: "A",
    alias: {
      name: oneOf(endpoint, "dns_entry[0].dns_name"),
      zoneId: oneOf(endpoint, "dns_entry[0].hosted_zone_id"),
      evaluateTargetHealth: false,
    },
  });
  CostEstimate.of(scope).add({
    key: "clickhouse-privatelink",
    usd: Token.asNumber(Fn.conditional(enabled, Op.add(Op.mul(Fn.lengthOf(p.subnetIds), ENDPOINT_USD_PER_ZONE_MONTH), PRIVATE_ZONE_USD_PER_MONTH), 0)),
    description: "PrivateLink endpoint per zone and its private hosted zone (with clickhouse_privatelink_service_name)",
  });
  return { endpointId: oneOf(endpoint, "id") };
}
