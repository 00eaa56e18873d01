import { Construct } from "constructs";
import { Fn, Op, propertyAccess, ref, TerraformDataSource, TerraformResource, Token } from "cdktf";
// Provider docs: https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/lb
import { Lb } from "@cdktf/provider-aws/lib/lb";
// https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/lb_listener
import { LbListener, LbListenerDefaultAction } from "@cdktf/provider-aws/lib/lb-listener";
// https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/lb_target_group
import { LbTargetGroup } from "@cdktf/provider-aws/lib/lb-target-group";
// https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/lb_listener_rule
import { LbListenerRule } from "@cdktf/provider-aws/lib/lb-listener-rule";
// https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/acm_certificate
import { AcmCertificate } from "@cdktf/provider-aws/lib/acm-certificate";
// https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/acm_certificate_validation
import { AcmCertificateValidation } from "@cdktf/provider-aws/lib/acm-certificate-validation";
// https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/route53_record
import { Route53Record } from "@cdktf/provider-aws/lib/route53-record";
// https://registry.terraform.io/providers/hashicorp/aws/latest/docs/data-sources/route53_zone
import { DataAwsRoute53Zone } from "@cdktf/provider-aws/lib/data-aws-route53-zone";
import { all, any, choose, countWhen, isKnown, isSet, not, oneOf, Switch } from "../core/index.js";
import { CostEstimate, costKey, HOURS_PER_MONTH, PUBLIC_IPV4_USD_PER_MONTH } from "../cost-estimate/index.js";
import { SecurityGroup } from "../security-group/index.js";
import { ALB_LCU_USD_PER_HOUR, ALB_USD_PER_HOUR, ESTIMATED_LCUS, PublicLoadBalancerProps, ResolvedPublicLoadBalancerProps, TLS_POLICY, withDefaults } from "./props.js";
import { validatePublicLoadBalancerProps } from "./validate-props.js";

type Switchable = TerraformResource | TerraformDataSource;

/** Gives `resource` a count unless it always exists (no count, so plain addresses and references). */
function existsWhen<T extends Switchable>(resource: T, when: Switch): T {
  if (when !== true) resource.count = countWhen(when);
  return resource;
}

/** `attribute` of a resource that exists when `when` holds: a plain reference, or `one(x[*].attr)` (null when off). */
function attributeOf(resource: Switchable, when: Switch, attribute: string): string {
  return when === true ? resource.getStringAttribute(attribute) : oneOf(resource, attribute);
}

/** Port 80's answer once HTTPS is served: a permanent redirect, keeping host, path and query. */
const REDIRECT_TO_HTTPS = { port: "443", protocol: "HTTPS", statusCode: "HTTP_301" } as const;

/** Cents, rounded here: 0.0225 × 730 is 16.42499… in binary, which Terraform's format("%.2f") would show as 16.42. */
const round2 = (usd: number) => Math.round(usd * 100) / 100;

/**
 * A public Application Load Balancer in front of instances, an Auto Scaling group or ECS tasks: the load balancer,
 * its listeners, target groups and path rules, its security group, and, for a domain in a Route 53 zone, a
 * DNS-validated ACM certificate and alias records. The part aws-ecs-patterns' load-balanced base owns; a system adds
 * its compute and registers it in {@link targetGroupArns}, opening its port to {@link securityGroupId}.
 *
 * What it promises:
 * - HTTPS on 443 with TLS 1.2 or 1.3 only (`ELBSecurityPolicy-TLS13-1-2-2021-06`), and port 80 redirecting to it
 *   (301), whenever a domain or a certificate is set; a certificate is created (DNS-validated) when certificateArn
 *   is "" and domainName is not, decided at plan time.
 * - No plain HTTP without an explicit opt-in (`allowHttpOnly`): without domain, certificate and opt-in,
 *   `terraform plan` stops with `missingCertificateMessage` (a precondition on the load balancer).
 * - Invalid header fields dropped; ingress 80/443 from anywhere (IPv4 and IPv6), egress only to the VPC's CIDR on
 *   the target ports.
 *
 * Listeners and rules are keyed by stable keys (terraform-aws-modules/alb style): adding a target or rule never
 * renames another. Switching between HTTP-only and HTTPS changes the port-80 listener in place (its default action)
 * and moves the rules to the serving listener (replaced, priorities are per listener).
 *
 * Provider docs: https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/lb,
 * https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/lb_listener,
 * https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/lb_target_group,
 * https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/lb_listener_rule,
 * https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/acm_certificate_validation.
 */
export class PublicLoadBalancer extends Construct {
  readonly resource: Lb;
  readonly securityGroup: SecurityGroup;
  /** The load balancer's security group: open the instances' or tasks' port to it. */
  readonly securityGroupId: string;
  readonly arn: string;
  /** `app/<name>/<id>`: the `LoadBalancer` dimension of the AWS/ApplicationELB CloudWatch metrics. */
  readonly arnSuffix: string;
  readonly dnsName: string;
  /** The load balancer's canonical hosted zone, for alias records elsewhere. */
  readonly zoneId: string;
  /** `https://<domain>` (or `https://<dns name>` with a certificate but no domain), `http://<dns name>` in HTTP-only mode. */
  readonly url: string;
  /** Whether it serves HTTPS: a domain or a certificate is set (a Terraform boolean when that is known at plan time). */
  readonly https: Switch;
  /** Target group ARN per target key (register instances, Auto Scaling groups or ECS services here). */
  readonly targetGroupArns: Readonly<Record<string, string>>;
  /** `targetgroup/<name>/<id>` per target key: the `TargetGroup` dimension of CloudWatch metrics. */
  readonly targetGroupArnSuffixes: Readonly<Record<string, string>>;
  /** The HTTPS listener's ARN: null in HTTP-only mode, undefined when that is known at synth. */
  readonly httpsListenerArn?: string;
  /** The port-80 listener's ARN (redirect, or forward in HTTP-only mode). */
  readonly httpListenerArn: string;
  readonly targetGroups: Readonly<Record<string, LbTargetGroup>>;
  /**
   * The listeners (HTTPS when it may exist, then HTTP). Targets registered by a service (ECS) need the target group
   * to belong to the load balancer first: make the service depend on these (`dependsOn`).
   */
  readonly listeners: readonly LbListener[];

  constructor(scope: Construct, id: string, props: PublicLoadBalancerProps) {
    super(scope, id);
    const p = withDefaults(props);

    // Plan-time switches (folded to booleans when the values are known at synth).
    const hasCertificateArn = isSet(p.certificateArn);
    const hasDomain = isSet(p.domainName);
    const zoneSet = any(isSet(p.hostedZoneName), isSet(p.hostedZoneId));
    // Without a hosted zone (known at synth) the module cannot validate a certificate: it then only uses certificateArn.
    const zoneGiven = zoneSet !== false;
    const createCertificate = zoneGiven ? all(not(hasCertificateArn), hasDomain) : false;
    this.https = zoneGiven ? any(hasCertificateArn, hasDomain) : hasCertificateArn;
    const serves = any(this.https, p.allowHttpOnly);
    validatePublicLoadBalancerProps(this, p, serves === false);
    const tags = { ...p.tags };

    this.securityGroup = this.createSecurityGroup(p);
    this.securityGroupId = this.securityGroup.id;

    this.resource = new Lb(this, "Resource", {
      name: p.name,
      internal: false,
      loadBalancerType: "application",
      ipAddressType: p.ipAddressType,
      subnets: p.subnetIds,
      securityGroups: [this.securityGroupId],
      idleTimeout: p.idleTimeoutSeconds,
      dropInvalidHeaderFields: true,
      enableDeletionProtection: p.deletionProtection,
      accessLogs: p.accessLogs === undefined ? undefined : { bucket: p.accessLogs.bucket, prefix: p.accessLogs.prefix, enabled: true },
      tags,
      // Plain HTTP only by explicit choice: checked before AWS is called (a literal false already stopped synth).
      lifecycle: serves === true ? undefined : { precondition: [{ condition: serves, errorMessage: p.missingCertificateMessage }] },
    });
    this.arn = this.resource.arn;
    this.arnSuffix = this.resource.arnSuffix;
    this.dnsName = this.resource.dnsName;
    this.zoneId = this.resource.zoneId;

    const groups: Record<string, LbTargetGroup> = {};
    for (const [key, t] of Object.entries(p.targets)) {
      const hc = t.healthCheck;
      groups[key] = new LbTargetGroup(this, `target-${key}`, {
        name: `${p.name}-${key}`,
        vpcId: p.vpcId,
        port: t.port,
        protocol: t.protocol,
        targetType: t.targetType,
        deregistrationDelay: String(t.deregistrationDelaySeconds),
        healthCheck: {
          enabled: true,
          protocol: t.protocol,
          port: "traffic-port",
          path: hc.path,
          matcher: hc.matcher,
          interval: hc.intervalSeconds,
          timeout: hc.timeoutSeconds,
          healthyThreshold: hc.healthyThreshold,
          unhealthyThreshold: hc.unhealthyThreshold,
        },
        stickiness: t.stickiness === undefined ? undefined : { type: "lb_cookie", enabled: true, cookieDuration: t.stickiness.durationSeconds },
        tags,
      });
    }
    this.targetGroups = groups;
    this.targetGroupArns = Object.fromEntries(Object.entries(groups).map(([k, g]) => [k, g.arn]));
    this.targetGroupArnSuffixes = Object.fromEntries(Object.entries(groups).map(([k, g]) => [k, g.arnSuffix]));
    const forwardToDefault: LbListenerDefaultAction = { type: "forward", targetGroupArn: groups[p.defaultTarget]!.arn };

    const zoneId = zoneGiven ? this.hostedZoneId(p, hasDomain) : undefined;
    const certificateArn = zoneId === undefined ? p.certificateArn : choose(hasCertificateArn, p.certificateArn, this.createCertificate(p, createCertificate, zoneSet, zoneId));

    let httpsListener: LbListener | undefined;
    if (this.https !== false) {
      httpsListener = existsWhen(
        new LbListener(this, "Https", {
          loadBalancerArn: this.resource.arn,
          port: 443,
          protocol: "HTTPS",
          sslPolicy: TLS_POLICY,
          certificateArn,
          defaultAction: [forwardToDefault],
          tags,
        }),
        this.https,
      );
      this.httpsListenerArn = attributeOf(httpsListener, this.https, "arn");
    }

    const http = new LbListener(this, "Http", {
      loadBalancerArn: this.resource.arn,
      port: 80,
      protocol: "HTTP",
      defaultAction: [this.https === true ? { type: "redirect", redirect: REDIRECT_TO_HTTPS } : forwardToDefault],
      tags,
    });
    if (typeof this.https !== "boolean") this.redirectWhen(http, this.https, forwardToDefault.targetGroupArn!);
    this.httpListenerArn = http.arn;
    this.listeners = httpsListener === undefined ? [http] : [httpsListener, http];

    // One rule per key on the serving listener: switching modes replaces it (listener_arn), never renumbers others.
    const servingListenerArn = httpsListener === undefined ? http.arn : choose(this.https, this.httpsListenerArn!, http.arn);
    for (const [key, rule] of Object.entries(p.rules)) {
      new LbListenerRule(this, `rule-${key}`, {
        listenerArn: servingListenerArn,
        priority: rule.priority,
        action: [{ type: "forward", targetGroupArn: groups[rule.target]!.arn }],
        condition: [{ pathPattern: { values: [...rule.pathPatterns] } }],
        tags,
      });
    }

    if (zoneId !== undefined) {
      const aliasWhen = all(hasDomain, zoneSet);
      // AAAA only for a dualstack load balancer: an IPv4-only one has no IPv6 address to answer with.
      const types = aliasWhen === false ? [] : p.ipAddressType === "dualstack" ? (["A", "AAAA"] as const) : (["A"] as const);
      for (const type of types) {
        existsWhen(
          new Route53Record(this, type === "A" ? "AliasA" : "AliasAaaa", {
            zoneId,
            name: p.domainName,
            type,
            alias: { name: this.resource.dnsName, zoneId: this.resource.zoneId, evaluateTargetHealth: true },
          }),
          aliasWhen,
        );
      }
    }

    const url = `https://${choose(hasDomain, p.domainName, this.dnsName)}`;
    this.url = choose(this.https, url, `http://${this.dnsName}`);

    this.addCosts(p);
  }

  /** Ingress 80/443 from anywhere (IPv4 and IPv6); egress only to the VPC, on the target ports. */
  private createSecurityGroup(p: ResolvedPublicLoadBalancerProps): SecurityGroup {
    const ports = [...new Set(Object.values(p.targets).map((t) => t.port))];
    return new SecurityGroup(this, "SecurityGroup", {
      vpcId: p.vpcId,
      namePrefix: `${p.name}-lb-`,
      description: `Public load balancer ${p.name}: HTTP and HTTPS from anywhere, to its targets in the VPC`,
      ingressPorts: [
        { key: "https", fromPort: 443, description: "HTTPS from clients" },
        { key: "http", fromPort: 80, description: "HTTP from clients (redirected to HTTPS, or served in HTTP-only mode)" },
      ],
      allowedSources: { "anywhere-ipv4": "0.0.0.0/0", "anywhere-ipv6": "::/0" },
      egressRules: ports.map((port) => ({ key: `targets-${port}`, cidr: p.vpcCidr, protocol: "tcp" as const, fromPort: port, description: `Requests and health checks to targets on port ${port}` })),
      tags: p.tags,
    });
  }

  /**
   * The hosted zone's id: hostedZoneId, or looked up by hostedZoneName (only while a domain is set and no id is);
   * undefined when it is known at synth that no zone is needed.
   */
  private hostedZoneId(p: ResolvedPublicLoadBalancerProps, hasDomain: Switch): string | undefined {
    if (p.hostedZoneName === undefined) return p.hostedZoneId;
    const idSet = isSet(p.hostedZoneId);
    const lookupWhen = all(hasDomain, isSet(p.hostedZoneName), not(idSet));
    if (lookupWhen === false) return hasDomain === false ? undefined : p.hostedZoneId;
    const zone = existsWhen(new DataAwsRoute53Zone(this, "Zone", { name: p.hostedZoneName, privateZone: false }), lookupWhen);
    const looked = attributeOf(zone, lookupWhen, "zone_id");
    return p.hostedZoneId === undefined ? looked : choose(idSet, p.hostedZoneId, looked);
  }

  /** An ACM certificate for domainName, validated through a DNS record in the zone; returns the validated ARN. */
  private createCertificate(p: ResolvedPublicLoadBalancerProps, when: Switch, zoneSet: Switch, zoneId: string): string {
    if (when === false) return "";
    const certificate = existsWhen(
      new AcmCertificate(this, "Certificate", {
        domainName: p.domainName,
        validationMethod: "DNS",
        tags: { ...p.tags },
        lifecycle: {
          // A replacement certificate is issued before the listener lets go of the old one.
          createBeforeDestroy: true,
          // Checked only when the certificate is created (a domain, no certificateArn): it needs a zone to validate in.
          precondition: zoneSet === true ? undefined : [{ condition: zoneSet, errorMessage: p.missingHostedZoneMessage }],
        },
      }),
      when,
    );
    // One domain, one validation option: `one()` of the set.
    const address = `${certificate.terraformResourceType}.${certificate.friendlyUniqueId}${when === true ? "" : "[0]"}`;
    const option = (field: string) => Token.asString(propertyAccess(Fn.one(ref(`${address}.domain_validation_options`)), [field]));
    const record = existsWhen(
      new Route53Record(this, "CertificateValidationRecord", {
        zoneId,
        name: option("resource_record_name"),
        type: option("resource_record_type"),
        records: [option("resource_record_value")],
        ttl: 60,
        // The record may exist from an earlier certificate for the same domain (ACM reuses the name and value).
        allowOverwrite: true,
      }),
      when,
    );
    const validation = existsWhen(
      new AcmCertificateValidation(this, "CertificateValidation", {
        certificateArn: attributeOf(certificate, when, "arn"),
        validationRecordFqdns: [attributeOf(record, when, "fqdn")],
      }),
      when,
    );
    // The validation's ARN, so the HTTPS listener waits until the certificate is issued.
    return attributeOf(validation, when, "certificate_arn");
  }

  /**
   * The port-80 listener's default action chosen at plan time: a redirect to HTTPS when `https` holds, else forward.
   * Terraform JSON has no conditional block, so the redirect block is a `dynamic` one (an override: the bindings
   * render a block-valued token as an expression, which Terraform rejects in block position).
   */
  private redirectWhen(listener: LbListener, https: Switch, targetGroupArn: string): void {
    // Per field of the first action: overriding the whole list would append to it (cdktf merges lists by concatenation).
    listener.addOverride("default_action.0.type", choose(https, "redirect", "forward"));
    listener.addOverride("default_action.0.target_group_arn", Token.asString(Fn.conditional(https, Token.nullValue(), targetGroupArn)));
    listener.addOverride("default_action.0.dynamic.redirect", {
      for_each: Fn.conditional(https, ["https"], []),
      content: { port: REDIRECT_TO_HTTPS.port, protocol: REDIRECT_TO_HTTPS.protocol, status_code: REDIRECT_TO_HTTPS.statusCode },
    });
  }

  private addCosts(p: ResolvedPublicLoadBalancerProps): void {
    const subnets = p.subnetIds;
    CostEstimate.of(this).add(
      { key: costKey(this, "hours"), usd: round2(ALB_USD_PER_HOUR * HOURS_PER_MONTH), description: `Application Load Balancer hours ($${ALB_USD_PER_HOUR}/h)` },
      {
        key: costKey(this, "lcu"),
        usd: round2(ESTIMATED_LCUS * ALB_LCU_USD_PER_HOUR * HOURS_PER_MONTH),
        description: `${ESTIMATED_LCUS} load balancer capacity unit ($${ALB_LCU_USD_PER_HOUR}/LCU-hour): an idle or lightly used load balancer; traffic adds LCU-hours`,
      },
      {
        key: costKey(this, "public-ipv4"),
        usd: isKnown(subnets) ? round2(subnets.length * PUBLIC_IPV4_USD_PER_MONTH) : Token.asNumber(Op.mul(Fn.lengthOf(subnets), PUBLIC_IPV4_USD_PER_MONTH)),
        description: `The load balancer's public IPv4 addresses, one per subnet (Availability Zone) at $${PUBLIC_IPV4_USD_PER_MONTH}/month; more while it scales out`,
      },
    );
  }
}
