import { Construct } from "constructs";
import { TerraformVariable } from "cdktf";
import type { NetworkProps } from "../modules/network/index.js";
import type { PublicLoadBalancerProps } from "../modules/public-load-balancer/index.js";
import { HOST_NAME, Rule, variable } from "./variables.js";

/**
 * The inputs every system behind a public load balancer has: the network (created, or an existing VPC with its
 * subnets) and HTTPS (a domain with its Route 53 zone, or a given certificate, or plain HTTP where the system allows
 * it). Shared so that each system validates them the same way; the wording that names the system's parts is given.
 */

const ID_LIST = (name: string, prefix: string): Rule =>
  [`alltrue([for id in var.${name} : can(regex("^${prefix}-[0-9a-f]{8,17}$", id))])`, `${name} must be ${prefix} ids (${prefix}- and 8 to 17 lower-case hex digits), e.g. ["${prefix}-0123456789abcdef0"].`] as const;

export interface NetworkVariableText {
  /** What runs in the private subnets, e.g. "the instance and the cache". */
  readonly privateUse: string;
  /** Why private_subnet_ids needs two zones, e.g. "the cache's subnet group spans them". */
  readonly privateTwoZonesReason: string;
  /** Default NAT gateways of a created network. */
  readonly natDefault: number;
  /** What NAT gives the hosts, e.g. "the instance needs outbound internet for OpenAI and Pinecone". */
  readonly natReason: string;
}

export interface NetworkVariables {
  readonly vpcId: TerraformVariable;
  readonly publicSubnetIds: TerraformVariable;
  readonly privateSubnetIds: TerraformVariable;
  readonly natGateways: TerraformVariable;
}

export function networkVariables(scope: Construct, text: NetworkVariableText): NetworkVariables {
  return {
    vpcId: variable(scope, "vpc_id", { type: "string", default: "", description: "Existing VPC (the document's checklist), with public_subnet_ids and private_subnet_ids. Empty: the stack creates the network." }, [
      ['can(regex("^(vpc-[0-9a-f]{8,17})?$", var.vpc_id))', "vpc_id must look like vpc-0123456789abcdef0, or be empty to create the network."],
    ]),
    publicSubnetIds: variable(scope, "public_subnet_ids", { type: "list(string)", default: [], description: "Public subnets (two zones or more) of vpc_id, for the load balancer only." }, [
      ID_LIST("public_subnet_ids", "subnet"),
      ['var.vpc_id == "" || length(var.public_subnet_ids) >= 2', "public_subnet_ids needs two subnets in different zones of vpc_id (the load balancer spans two zones)."],
    ]),
    privateSubnetIds: variable(scope, "private_subnet_ids", { type: "list(string)", default: [], description: `Private subnets (two zones or more) of vpc_id, with outbound internet (NAT), for ${text.privateUse}.` }, [
      ID_LIST("private_subnet_ids", "subnet"),
      ['var.vpc_id == "" || length(var.private_subnet_ids) >= 2', `private_subnet_ids needs two subnets in different zones of vpc_id (${text.privateTwoZonesReason}).`],
      ['var.vpc_id != "" || length(var.public_subnet_ids) + length(var.private_subnet_ids) == 0', "public_subnet_ids and private_subnet_ids are given without vpc_id: set vpc_id too to use an existing network, or leave the lists empty to create one."],
    ]),
    natGateways: variable(scope, "nat_gateways", { type: "number", default: text.natDefault, description: "NAT gateways of a created network: 1 (one zone's outage cuts outbound internet) or 2 (one per zone, $32.85/month more)." }, [
      ["var.nat_gateways == 1 || var.nat_gateways == 2", `nat_gateways must be 1 or 2: ${text.natReason}.`],
    ]),
  };
}

/** The network's props these variables set: NAT gateways of a created network, or the existing VPC and subnets. */
export function networkInputs(v: NetworkVariables): Pick<NetworkProps, "natGateways" | "existing"> {
  return {
    natGateways: v.natGateways.numberValue,
    existing: { vpcId: v.vpcId.stringValue, publicSubnetIds: v.publicSubnetIds.listValue, privateSubnetIds: v.privateSubnetIds.listValue },
  };
}

export interface HttpsVariableText {
  /** What the domain names, e.g. "the API". */
  readonly what: string;
  /** An example domain, e.g. "api.example.com". */
  readonly exampleDomain: string;
  /** Production refuses allow_http_only. */
  readonly protect: boolean;
  /** Why production refuses plain HTTP, e.g. "API keys would cross the internet unencrypted". */
  readonly httpRisk: string;
}

export interface HttpsVariables {
  readonly domainName: TerraformVariable;
  readonly hostedZoneName: TerraformVariable;
  readonly certificateArn: TerraformVariable;
  readonly allowHttpOnly: TerraformVariable;
}

export function httpsVariables(scope: Construct, text: HttpsVariableText): HttpsVariables {
  const zone = text.exampleDomain.split(".").slice(1).join(".");
  return {
    domainName: variable(scope, "domain_name", { type: "string", default: "", description: `DNS name of ${text.what} (e.g. ${text.exampleDomain}): an ACM certificate validated in hosted_zone_name and an alias record. Empty: give certificate_arn, or allow_http_only in dev.` }, [
      [`can(regex("^(${HOST_NAME}\\\\.[A-Za-z]{2,63})?$", var.domain_name))`, `domain_name must be a DNS name such as "${text.exampleDomain}", or empty.`],
    ]),
    hostedZoneName: variable(scope, "hosted_zone_name", { type: "string", default: "", description: `Route 53 public hosted zone of domain_name (e.g. ${zone}), for the certificate's validation and the alias record.` }, [
      [`can(regex("^(${HOST_NAME}\\\\.[A-Za-z]{2,63})?$", var.hosted_zone_name))`, `hosted_zone_name must be a zone name such as "${zone}", or empty.`],
      ['var.domain_name == "" || var.certificate_arn != "" || var.hosted_zone_name != ""', "domain_name is set without hosted_zone_name: name its Route 53 zone (the certificate is validated there), or give certificate_arn."],
      [
        '!strcontains(var.hosted_zone_name, ".") || var.domain_name == "" || var.domain_name == var.hosted_zone_name || endswith(var.domain_name, ".${var.hosted_zone_name}")',
        `domain_name is not in hosted_zone_name: the certificate's validation record and the alias go into that zone, so the name must end with it (${text.exampleDomain} in ${zone}).`,
      ],
    ]),
    certificateArn: variable(scope, "certificate_arn", { type: "string", default: "", description: "An existing ACM certificate for the HTTPS listener instead of one the stack requests." }, [
      ['can(regex("^(arn:aws[a-z-]*:acm:[a-z0-9-]+:[0-9]{12}:certificate/[0-9a-f-]+)?$", var.certificate_arn))', "certificate_arn must be an ACM certificate ARN (arn:aws:acm:<region>:<account>:certificate/<id>), or empty."],
      ['var.certificate_arn == "" || var.domain_name != ""', "certificate_arn is set but domain_name is empty: give the DNS name the certificate is for (clients and the health check use it)."],
      ['!can(regex("^arn:aws[a-z-]*:acm:", var.certificate_arn)) || try(split(":", var.certificate_arn)[3] == var.aws_region, false)', "certificate_arn is in another region than aws_region: a load balancer only uses ACM certificates of its own region; request or import one there."],
    ]),
    allowHttpOnly: variable(
      scope,
      "allow_http_only",
      { type: "bool", default: false, description: `Try ${text.what} over plain HTTP on port 80 when there is no domain or certificate (not in prod: ${text.httpRisk}).` },
      text.protect ? [["!var.allow_http_only", `allow_http_only is for trying ${text.what} in dev: production serves HTTPS only. Set domain_name and hosted_zone_name, or certificate_arn.`]] : [],
    ),
  };
}

/**
 * The load balancer's props these variables set: the domain with its zone, or the certificate, or plain HTTP; and
 * the message `terraform plan` stops with when none is given. `what` is the HttpsVariableText's.
 */
export function httpsInputs(v: HttpsVariables, what: string): Pick<PublicLoadBalancerProps, "domainName" | "hostedZoneName" | "certificateArn" | "allowHttpOnly" | "missingCertificateMessage"> {
  return {
    domainName: v.domainName.stringValue,
    hostedZoneName: v.hostedZoneName.stringValue,
    certificateArn: v.certificateArn.stringValue,
    allowHttpOnly: v.allowHttpOnly.booleanValue,
    missingCertificateMessage: `No HTTPS for ${what}: set domain_name and hosted_zone_name (a certificate is requested and validated), or certificate_arn; or, in dev only, allow_http_only = true to try it over plain HTTP.`,
  };
}
