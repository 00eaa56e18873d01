// PublicLoadBalancer on a bare stack: listeners, certificate, DNS, target groups, rules, security group, outputs, costs
// and validation as properties of the synthesized JSON; then the plan-time switches through the real Terraform engine.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TerraformOutput, TerraformStack, TerraformVariable } from "cdktf";
import { CostEstimate } from "../modules/cost-estimate/index.js";
import {
  DEFAULT_MISSING_CERTIFICATE_MESSAGE,
  DEFAULT_MISSING_HOSTED_ZONE_MESSAGE,
  PublicLoadBalancer,
  PublicLoadBalancerProps,
  TLS_POLICY,
} from "../modules/public-load-balancer/index.js";
import { initWorkspace, type PlanStackResult, type Workspace } from "../scripts/offline-terraform/index.js";
import { resourcesOf, synthStack, TfJson } from "./support/synth.js";
import { bareStack, problemsOf } from "./support/bare-stack.js";
import { requireTerraform, unwrap } from "./support/terraform.js";

/** Two targets routed by path, the shape of an Auto Scaling group behind the load balancer. */
const SPLIT: Pick<PublicLoadBalancerProps, "targets" | "defaultTarget" | "rules"> = {
  targets: {
    frontend: { port: 3000, healthCheck: { path: "/" } },
    backend: { port: 8000, healthCheck: { path: "/api/v1/health", matcher: "200" } },
  },
  defaultTarget: "frontend",
  rules: { api: { priority: 10, pathPatterns: ["/api/*"], target: "backend" } },
};
const BASE = { name: "shop-prod", vpcId: "vpc-0abc", vpcCidr: "10.20.0.0/16", subnetIds: ["subnet-a", "subnet-b"] };
const CERT = "arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-1234-5678-9abc-def012345678";

const OUTPUTS = ["arn", "arnSuffix", "dnsName", "zoneId", "url", "targetGroupArns", "targetGroupArnSuffixes", "httpsListenerArn", "securityGroupId"] as const;

function synthLb(props: Partial<PublicLoadBalancerProps>, build?: (stack: TerraformStack) => Partial<PublicLoadBalancerProps>): { json: TfJson; lb: PublicLoadBalancer } {
  const stack = bareStack();
  const lb = new PublicLoadBalancer(stack, "web", { ...BASE, ...SPLIT, ...props, ...build?.(stack) });
  for (const name of OUTPUTS) if (lb[name] !== undefined) new TerraformOutput(stack, name, { value: lb[name] });
  CostEstimate.of(stack).writeOutputs(stack, "test");
  return { json: synthStack(stack), lb };
}

/** The stack's variables, as the systems pass them: "" (or false) when unset. */
const variables = (stack: TerraformStack): Partial<PublicLoadBalancerProps> => {
  const text = (name: string) => new TerraformVariable(stack, name, { type: "string", default: "" }).stringValue;
  return {
    domainName: text("domain_name"),
    hostedZoneName: text("hosted_zone_name"),
    certificateArn: text("certificate_arn"),
    allowHttpOnly: new TerraformVariable(stack, "allow_http_only", { type: "bool", default: false }).booleanValue,
    missingCertificateMessage: "Set domain_name (and hosted_zone_name) or certificate_arn, or allow_http_only = true.",
  };
};

/** The one resource of `type` whose logical id is `web_<id>_<hash>` (or `web_<hash>` for the construct's Resource). */
function byId(json: TfJson, type: string, id: string | null): [string, any] {
  const pattern = new RegExp(`^web_${id === null ? "" : `${id.replace(/[-]/g, "\\-")}_`}[0-9A-F]{8}$`);
  const found = resourcesOf(json, type).filter(([logical]) => pattern.test(logical));
  if (found.length !== 1) throw new Error(`expected one ${type} ${id}, found ${found.length}`);
  return found[0]!;
}
const configOf = (json: TfJson, type: string, id: string | null) => byId(json, type, id)[1];
const address = (json: TfJson, type: string, id: string | null) => `${type}.${byId(json, type, id)[0]}`;

// Terraform expressions the switches render to.
const HAS_CERT = "(length(var.certificate_arn) >= 1)";
const HAS_DOMAIN = "(length(var.domain_name) >= 1)";
const HTTPS = `(${HAS_CERT} || ${HAS_DOMAIN})`;
const CREATE_CERT = `(!${HAS_CERT} && ${HAS_DOMAIN})`;

describe("PublicLoadBalancer with domain, hosted zone, certificate and HTTP-only opt-in as variables", () => {
  const { json } = synthLb({}, variables);
  const lbArn = `\${${address(json, "aws_lb", null)}.arn}`;
  const tg = (key: string) => `\${${address(json, "aws_lb_target_group", `target-${key}`)}.arn}`;
  const validation = address(json, "aws_acm_certificate_validation", "CertificateValidation");
  const certificate = address(json, "aws_acm_certificate", "Certificate");
  const record = address(json, "aws_route53_record", "CertificateValidationRecord");
  const zone = `data.aws_route53_zone.${Object.keys(json.data.aws_route53_zone)[0]}`;

  it("is a public application load balancer that drops invalid headers, in the given subnets behind its own group", () => {
    const lb = configOf(json, "aws_lb", null);
    expect(lb).toMatchObject({
      name: "shop-prod",
      internal: false,
      load_balancer_type: "application",
      ip_address_type: "ipv4",
      subnets: ["subnet-a", "subnet-b"],
      security_groups: [`\${${address(json, "aws_security_group", "SecurityGroup")}.id}`],
      idle_timeout: 60,
      drop_invalid_header_fields: true,
      enable_deletion_protection: false,
    });
    expect(lb.access_logs).toBeUndefined();
    expect(lb.count).toBeUndefined();
  });

  it("stops the plan without a domain, a certificate or the HTTP-only opt-in, with the stack's message", () => {
    expect(configOf(json, "aws_lb", null).lifecycle).toEqual({
      precondition: [{ condition: `\${(${HTTPS} || var.allow_http_only)}`, error_message: "Set domain_name (and hosted_zone_name) or certificate_arn, or allow_http_only = true." }],
    });
  });

  it("serves HTTPS on 443 with TLS 1.2+ and the given certificate, else the validated one, while a domain or certificate is set", () => {
    expect(TLS_POLICY).toBe("ELBSecurityPolicy-TLS13-1-2-2021-06");
    expect(configOf(json, "aws_lb_listener", "Https")).toEqual({
      count: `\${${HTTPS} ? 1 : 0}`,
      load_balancer_arn: lbArn,
      port: 443,
      protocol: "HTTPS",
      ssl_policy: TLS_POLICY,
      certificate_arn: `\${${HAS_CERT} ? var.certificate_arn : one(${validation}[*].certificate_arn)}`,
      default_action: [{ type: "forward", target_group_arn: tg("frontend") }],
      tags: {},
    });
  });

  it("redirects port 80 to HTTPS (301) while HTTPS is served, and forwards to the default target otherwise", () => {
    expect(configOf(json, "aws_lb_listener", "Http")).toEqual({
      load_balancer_arn: lbArn,
      port: 80,
      protocol: "HTTP",
      default_action: [
        {
          type: `\${${HTTPS} ? "redirect" : "forward"}`,
          target_group_arn: `\${${HTTPS} ? null : ${tg("frontend").slice(2, -1)}}`,
          dynamic: { redirect: { for_each: `\${${HTTPS} ? ["https"] : []}`, content: { port: "443", protocol: "HTTPS", status_code: "HTTP_301" } } },
        },
      ],
      tags: {},
    });
  });

  it("creates a DNS-validated certificate only when certificateArn is empty and domainName is not", () => {
    const count = `\${${CREATE_CERT} ? 1 : 0}`;
    expect(configOf(json, "aws_acm_certificate", "Certificate")).toEqual({
      count,
      domain_name: "${var.domain_name}",
      validation_method: "DNS",
      tags: {},
      lifecycle: { create_before_destroy: true, precondition: [{ condition: "${(length(var.hosted_zone_name) >= 1)}", error_message: DEFAULT_MISSING_HOSTED_ZONE_MESSAGE }] },
    });
    const option = (field: string) => `\${one(${certificate}[0].domain_validation_options).${field}}`;
    expect(configOf(json, "aws_route53_record", "CertificateValidationRecord")).toEqual({
      count,
      zone_id: `\${one(${zone}[*].zone_id)}`,
      name: option("resource_record_name"),
      type: option("resource_record_type"),
      records: [option("resource_record_value")],
      ttl: 60,
      allow_overwrite: true,
    });
    expect(configOf(json, "aws_acm_certificate_validation", "CertificateValidation")).toEqual({
      count,
      certificate_arn: `\${one(${certificate}[*].arn)}`,
      validation_record_fqdns: [`\${one(${record}[*].fqdn)}`],
    });
  });

  it("looks the public zone up and points the domain at the load balancer while both are set", () => {
    const whileDomainAndZone = `\${(${HAS_DOMAIN} && (length(var.hosted_zone_name) >= 1)) ? 1 : 0}`;
    expect(Object.values(json.data.aws_route53_zone)).toEqual([{ count: whileDomainAndZone, name: "${var.hosted_zone_name}", private_zone: false }]);
    expect(configOf(json, "aws_route53_record", "AliasA")).toEqual({
      count: whileDomainAndZone,
      zone_id: `\${one(${zone}[*].zone_id)}`,
      name: "${var.domain_name}",
      type: "A",
      alias: { name: `\${${address(json, "aws_lb", null)}.dns_name}`, zone_id: `\${${address(json, "aws_lb", null)}.zone_id}`, evaluate_target_health: true },
    });
    expect(resourcesOf(json, "aws_route53_record")).toHaveLength(2); // no AAAA for an IPv4-only load balancer
  });

  it("has a target group per key, named <name>-<key>, with its health check", () => {
    expect(configOf(json, "aws_lb_target_group", "target-backend")).toEqual({
      name: "shop-prod-backend",
      vpc_id: "vpc-0abc",
      port: 8000,
      protocol: "HTTP",
      target_type: "instance",
      deregistration_delay: "30",
      health_check: { enabled: true, protocol: "HTTP", port: "traffic-port", path: "/api/v1/health", matcher: "200", interval: 30, timeout: 5, healthy_threshold: 3, unhealthy_threshold: 3 },
      tags: {},
    });
    expect(configOf(json, "aws_lb_target_group", "target-frontend")).toMatchObject({ name: "shop-prod-frontend", port: 3000, health_check: { path: "/", matcher: "200-399" } });
  });

  it("routes /api/* to its target on the serving listener", () => {
    expect(configOf(json, "aws_lb_listener_rule", "rule-api")).toEqual({
      listener_arn: `\${${HTTPS} ? one(${address(json, "aws_lb_listener", "Https")}[*].arn) : ${address(json, "aws_lb_listener", "Http")}.arn}`,
      priority: 10,
      action: [{ type: "forward", target_group_arn: tg("backend") }],
      condition: [{ path_pattern: { values: ["/api/*"] } }],
      tags: {},
    });
  });

  it("takes 443 and 80 from anywhere (IPv4 and IPv6) and reaches only the VPC, on the target ports", () => {
    const rule = (r: any) => [r.ip_protocol, r.from_port, r.to_port, r.cidr_ipv4 ?? r.cidr_ipv6];
    expect(resourcesOf(json, "aws_vpc_security_group_ingress_rule").map(([, r]) => rule(r))).toEqual([
      ["tcp", 80, 80, "0.0.0.0/0"],
      ["tcp", 80, 80, "::/0"],
      ["tcp", 443, 443, "0.0.0.0/0"],
      ["tcp", 443, 443, "::/0"],
    ]);
    // keyed by port and source: `ingress-<http|https>-anywhere-<ipv4|ipv6>`, `egress-targets-<port>`
    expect(resourcesOf(json, "aws_vpc_security_group_ingress_rule").map(([id]) => id.replace(/^web_SecurityGroup_|_[0-9A-F]{8}$/g, ""))).toEqual([
      "ingress-http-anywhere-ipv4",
      "ingress-http-anywhere-ipv6",
      "ingress-https-anywhere-ipv4",
      "ingress-https-anywhere-ipv6",
    ]);
    expect(resourcesOf(json, "aws_vpc_security_group_egress_rule").map(([, r]) => rule(r))).toEqual([
      ["tcp", 3000, 3000, "10.20.0.0/16"],
      ["tcp", 8000, 8000, "10.20.0.0/16"],
    ]);
  });

  it("exposes ARNs, metric dimensions, DNS, the URL chosen at plan time and the group to open targets to", () => {
    const lb = address(json, "aws_lb", null);
    const tgAddress = (key: string) => address(json, "aws_lb_target_group", `target-${key}`);
    expect(Object.fromEntries(OUTPUTS.map((o) => [o, json.output[o].value]))).toEqual({
      arn: `\${${lb}.arn}`,
      arnSuffix: `\${${lb}.arn_suffix}`,
      dnsName: `\${${lb}.dns_name}`,
      zoneId: `\${${lb}.zone_id}`,
      url: `\${${HTTPS} ? "https://\${${HAS_DOMAIN} ? var.domain_name : ${lb}.dns_name}" : "http://\${${lb}.dns_name}"}`,
      targetGroupArns: { frontend: `\${${tgAddress("frontend")}.arn}`, backend: `\${${tgAddress("backend")}.arn}` },
      targetGroupArnSuffixes: { frontend: `\${${tgAddress("frontend")}.arn_suffix}`, backend: `\${${tgAddress("backend")}.arn_suffix}` },
      httpsListenerArn: `\${one(${address(json, "aws_lb_listener", "Https")}[*].arn)}`,
      securityGroupId: `\${${address(json, "aws_security_group", "SecurityGroup")}.id}`,
    });
  });

  it("costs the load balancer hours, one LCU and a public IPv4 address per subnet", () => {
    expect(json.output.cost_breakdown.value).toEqual({
      "web-hours": '${try(format("%.2f", 16.43), "unknown")}',
      "web-lcu": '${try(format("%.2f", 5.84), "unknown")}',
      "web-public-ipv4": '${try(format("%.2f", 7.3), "unknown")}',
    });
  });

  // Proof by the real Terraform engine (stand-in AWS provider, offline): one init, the plans run concurrently.
  describe("planned by Terraform", () => {
    let ws: Workspace;
    let dir: string;
    const plans: Record<string, Promise<PlanStackResult>> = {};

    beforeAll(async () => {
      requireTerraform();
      dir = mkdtempSync(join(tmpdir(), "public-lb-"));
      writeFileSync(join(dir, "cdk.tf.json"), JSON.stringify(json));
      ws = await initWorkspace({ stackDir: dir });
      expect(ws.init.exitCode, ws.init.stderr).toBe(0);
      const plan = (env: Record<string, string>) => ws.plan({ env });
      plans.nothing = plan({});
      plans.domain = plan({ TF_VAR_domain_name: "app.example.com", TF_VAR_hosted_zone_name: "example.com" });
      await Promise.all(Object.values(plans));
    }, 30_000);

    afterAll(() => {
      ws?.cleanup();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    const changes = (r: PlanStackResult) => (r.showJson as any).resource_changes as { address: string; type: string; change: { actions: string[]; after: any } }[];
    const planned = (r: PlanStackResult, type: string) => changes(r).filter((c) => c.type === type);
    const listenerOn = (r: PlanStackResult, port: number) => planned(r, "aws_lb_listener").filter((c) => c.change.after.port === port);

    it("fails without domain, certificate or opt-in, with the precondition's message", async () => {
      const r = await plans.nothing!;
      expect(r.exitCode).not.toBe(0);
      expect(unwrap(r.stderr)).toContain("Error: Resource precondition failed");
      expect(unwrap(r.stderr)).toContain("Set domain_name (and hosted_zone_name) or certificate_arn, or allow_http_only = true.");
    });

    it("with a domain, plans the certificate, its validation and records, HTTPS and the redirect", async () => {
      const r = await plans.domain!;
      expect(r.exitCode, r.stderr).toBe(0);
      expect(changes(r).every((c) => c.change.actions.join() === "create")).toBe(true);
      expect(planned(r, "aws_acm_certificate").map((c) => c.change.after)).toMatchObject([{ domain_name: "app.example.com", validation_method: "DNS" }]);
      expect(planned(r, "aws_acm_certificate_validation")).toHaveLength(1);
      expect(planned(r, "aws_route53_record").map((c) => c.address.replace(/_[0-9A-F]{8}\[0\]$/, ""))).toEqual(["aws_route53_record.web_AliasA", "aws_route53_record.web_CertificateValidationRecord"]);
      expect(listenerOn(r, 443).map((c) => c.change.after)).toMatchObject([{ protocol: "HTTPS", ssl_policy: TLS_POLICY }]);
      expect(listenerOn(r, 80).map((c) => c.change.after.default_action)).toMatchObject([[{ type: "redirect", redirect: [{ port: "443", protocol: "HTTPS", status_code: "HTTP_301" }], forward: [] }]]);
      expect((r.showJson as any).planned_values.outputs.url.value).toBe("https://app.example.com");
    });
    // The hosted-zone precondition and the HTTP-only listener: property tests below (two plans fewer for the suite's time).
  });
});

describe("PublicLoadBalancer with values known at synth", () => {
  it("with a certificate ARN: HTTPS without count, a static redirect, no certificate, no precondition", () => {
    const { json } = synthLb({ certificateArn: CERT });
    expect(configOf(json, "aws_lb_listener", "Https")).toMatchObject({ certificate_arn: CERT, ssl_policy: TLS_POLICY });
    expect(configOf(json, "aws_lb_listener", "Https").count).toBeUndefined();
    expect(configOf(json, "aws_lb_listener", "Http").default_action).toEqual([{ type: "redirect", redirect: { port: "443", protocol: "HTTPS", status_code: "HTTP_301" } }]);
    expect(json.resource.aws_acm_certificate).toBeUndefined();
    expect(configOf(json, "aws_lb", null).lifecycle).toBeUndefined();
    expect(configOf(json, "aws_lb_listener_rule", "rule-api").listener_arn).toBe(`\${${address(json, "aws_lb_listener", "Https")}.arn}`);
    expect(json.output.url.value).toBe(`https://\${${address(json, "aws_lb", null)}.dns_name}`);
  });

  it("HTTP only by opt-in: port 80 forwards, the rule sits on it, no HTTPS listener, an http:// URL", () => {
    const { json, lb } = synthLb({ allowHttpOnly: true });
    expect(configOf(json, "aws_lb_listener", "Http").default_action).toEqual([{ type: "forward", target_group_arn: `\${${address(json, "aws_lb_target_group", "target-frontend")}.arn}` }]);
    expect(resourcesOf(json, "aws_lb_listener")).toHaveLength(1);
    expect(configOf(json, "aws_lb_listener_rule", "rule-api").listener_arn).toBe(`\${${address(json, "aws_lb_listener", "Http")}.arn}`);
    expect(lb.httpsListenerArn).toBeUndefined();
    expect(json.output.url.value).toBe(`http://\${${address(json, "aws_lb", null)}.dns_name}`);
  });

  it("with a domain in a zone given by id: certificate, validation and alias records (A and AAAA when dualstack), no lookup", () => {
    const { json } = synthLb({ domainName: "app.example.com", hostedZoneId: "Z0123456789ABC", ipAddressType: "dualstack" });
    expect(json.data?.aws_route53_zone).toBeUndefined();
    expect(configOf(json, "aws_acm_certificate", "Certificate")).toMatchObject({ domain_name: "app.example.com", lifecycle: { create_before_destroy: true } });
    expect(configOf(json, "aws_acm_certificate", "Certificate").count).toBeUndefined();
    expect(configOf(json, "aws_lb_listener", "Https").certificate_arn).toBe(`\${${address(json, "aws_acm_certificate_validation", "CertificateValidation")}.certificate_arn}`);
    expect(configOf(json, "aws_route53_record", "CertificateValidationRecord").name).toBe(`\${one(${address(json, "aws_acm_certificate", "Certificate")}.domain_validation_options).resource_record_name}`);
    expect(["AliasA", "AliasAaaa"].map((id) => [configOf(json, "aws_route53_record", id).type, configOf(json, "aws_route53_record", id).zone_id])).toEqual([
      ["A", "Z0123456789ABC"],
      ["AAAA", "Z0123456789ABC"],
    ]);
    expect(json.output.url.value).toBe("https://app.example.com");
  });

  it("Fargate tasks: ip targets on 3000 checked at /health, one egress rule", () => {
    const { json } = synthLb({ allowHttpOnly: true, targets: { app: { port: 3000, targetType: "ip", healthCheck: { path: "/health" } } }, defaultTarget: "app", rules: {} });
    expect(configOf(json, "aws_lb_target_group", "target-app")).toMatchObject({ name: "shop-prod-app", target_type: "ip", port: 3000, health_check: { path: "/health" } });
    expect(resourcesOf(json, "aws_vpc_security_group_egress_rule").map(([, r]) => r.from_port)).toEqual([3000]);
    expect(json.resource.aws_lb_listener_rule).toBeUndefined();
  });

  it("takes deletion protection, idle timeout, access logs, stickiness, health check timings and tags", () => {
    const { json } = synthLb(
      {
        certificateArn: CERT,
        idleTimeoutSeconds: 300,
        accessLogs: { bucket: "acme-lb-logs", prefix: "shop" },
        tags: { team: "web" },
        targets: { app: { port: 8000, deregistrationDelaySeconds: 5, stickiness: {}, healthCheck: { path: "/api/v1/health", intervalSeconds: 10, timeoutSeconds: 4, healthyThreshold: 2, unhealthyThreshold: 5 } } },
        defaultTarget: "app",
        rules: {},
      },
      (stack) => ({ deletionProtection: new TerraformVariable(stack, "deletion_protection", { type: "bool", default: true }).booleanValue }),
    );
    expect(configOf(json, "aws_lb", null)).toMatchObject({
      idle_timeout: 300,
      enable_deletion_protection: "${var.deletion_protection}",
      access_logs: { bucket: "acme-lb-logs", prefix: "shop", enabled: true },
      tags: { team: "web" },
    });
    expect(configOf(json, "aws_lb_target_group", "target-app")).toMatchObject({
      deregistration_delay: "5",
      stickiness: { type: "lb_cookie", enabled: true, cookie_duration: 86400 },
      health_check: { interval: 10, timeout: 4, healthy_threshold: 2, unhealthy_threshold: 5 },
      tags: { team: "web" },
    });
  });
});

describe("PublicLoadBalancer validation", () => {
  const problems = (props: Partial<PublicLoadBalancerProps>) => problemsOf(() => new PublicLoadBalancer(bareStack(), "web", { ...BASE, ...SPLIT, certificateArn: CERT, ...props }));

  it("reports unknown target keys, long names, a zero idle timeout and repeated priorities at once", () => {
    expect(
      problems({
        name: "a-load-balancer-name-of-33-chars-",
        defaultTarget: "web",
        idleTimeoutSeconds: 0,
        rules: {
          api: { priority: 10, pathPatterns: ["/api/*"], target: "backend" },
          docs: { priority: 10, pathPatterns: ["/docs/*"], target: "docs" },
        },
      }),
    ).toEqual([
      'name "a-load-balancer-name-of-33-chars-" must be 1-32 letters, digits and hyphens, not starting or ending with a hyphen nor starting with "internal-".',
      'defaultTarget "web" is not a key of targets (frontend, backend).',
      'targets["frontend"]: the target group name "a-load-balancer-name-of-33-chars--frontend" is 42 characters, AWS allows 32: shorten name or the key.',
      'targets["backend"]: the target group name "a-load-balancer-name-of-33-chars--backend" is 41 characters, AWS allows 32: shorten name or the key.',
      'rules["docs"].target "docs" is not a key of targets (frontend, backend).',
      "rules priorities must be unique (the listener evaluates them in order); repeated: 10.",
      "idleTimeoutSeconds 0 must be a whole number of seconds, 1-4000.",
    ]);
  });

  it("checks target group names derived from a short load balancer name too", () => {
    expect(problems({ name: "shop-production-eu-west", targets: { "frontend-app": { port: 3000, healthCheck: { path: "/" } } }, defaultTarget: "frontend-app", rules: {} })).toEqual([
      'targets["frontend-app"]: the target group name "shop-production-eu-west-frontend-app" is 36 characters, AWS allows 32: shorten name or the key.',
    ]);
  });

  it("reports target, health check, rule and input problems", () => {
    expect(
      problems({
        subnetIds: ["subnet-a"],
        vpcCidr: "10.20.0.0",
        domainName: "https://app.example.com",
        certificateArn: "arn:aws:acm:us-east-1:123:cert",
        targets: {
          Web: { port: 70000, healthCheck: { path: "health", matcher: "100-200", intervalSeconds: 4, timeoutSeconds: 10, healthyThreshold: 1 }, deregistrationDelaySeconds: -1 },
        },
        defaultTarget: "Web",
        rules: { api: { priority: 0, pathPatterns: [], target: "Web" } },
      }),
    ).toEqual([
      "subnetIds has 1 subnet(s): an Application Load Balancer needs public subnets in at least two Availability Zones.",
      'vpcCidr "10.20.0.0" is not a CIDR: use the VPC\'s block, e.g. 10.0.0.0/16.',
      'targets key "Web" must be lower-case letters, digits and dashes.',
      'targets["Web"].port 70000 is not a port: use 1-65535.',
      'targets["Web"].healthCheck.path "health" must start with / (at most 1024 characters), e.g. "/health".',
      'targets["Web"].healthCheck.matcher "100-200" must be HTTP codes or ranges between 200 and 499, e.g. "200" or "200-399".',
      'targets["Web"].healthCheck.intervalSeconds 4 must be a whole number of seconds, 5-300.',
      'targets["Web"].healthCheck.timeoutSeconds 10 must be a whole number of seconds, 2-120, less than intervalSeconds 4.',
      'targets["Web"].healthCheck.healthyThreshold 1 must be a whole number, 2-10.',
      'targets["Web"].deregistrationDelaySeconds -1 must be a whole number of seconds, 0-3600.',
      'rules["api"].priority 0 must be a whole number, 1-50000.',
      'rules["api"].pathPatterns has 0 patterns: give 1-5, e.g. ["/api/*"].',
      'domainName "https://app.example.com" is not a domain name, e.g. "app.example.com" (no scheme, no path).',
      'certificateArn "arn:aws:acm:us-east-1:123:cert" must be an ACM certificate ARN (arn:aws:acm:<region>:<account>:certificate/<id>) or an IAM server certificate ARN.',
    ]);
  });

  it("stops synth when it is known there is no domain, no certificate and no opt-in", () => {
    expect(problems({ certificateArn: "" })).toEqual([DEFAULT_MISSING_CERTIFICATE_MESSAGE]);
    expect(problems({ certificateArn: undefined, domainName: "app.example.com" })).toEqual([
      'domainName "app.example.com" has no hosted zone to validate its certificate in: give hostedZoneName or hostedZoneId, or certificateArn.',
      DEFAULT_MISSING_CERTIFICATE_MESSAGE,
    ]);
  });

  it("leaves Terraform tokens to Terraform", () => {
    const stack = bareStack();
    const name = new TerraformVariable(stack, "name", { type: "string" }).stringValue;
    const port = new TerraformVariable(stack, "port", { type: "number" }).numberValue;
    const subnets = new TerraformVariable(stack, "subnets", { type: "list(string)" }).listValue;
    expect(() => new PublicLoadBalancer(stack, "web", { ...BASE, name, subnetIds: subnets, targets: { app: { port, healthCheck: { path: "/" } } }, defaultTarget: "app", allowHttpOnly: true })).not.toThrow();
  });

  it("stops synth with the construct path", () => {
    expect(() => new PublicLoadBalancer(bareStack(), "web", { ...BASE, ...SPLIT })).toThrow(/^Invalid props for bare\/web:\n {2}- The load balancer has no certificate/);
  });
});
