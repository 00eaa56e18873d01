import { Testing, TerraformStack, TerraformVariable } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { isNonEmpty, Switch } from "../modules/core/index.js";
import { SecurityGroup, SecurityGroupProps } from "../modules/security-group/index.js";
import { resourcesOf, synthStack } from "./support/synth.js";

function synthGroup(overrides: Partial<SecurityGroupProps> = {}) {
  const stack = new TerraformStack(Testing.app(), "test");
  new AwsProvider(stack, "aws", { region: "us-east-1" });
  new SecurityGroup(stack, "sg", {
    vpcId: "vpc-123",
    namePrefix: "test-",
    allowedSources: { operator: "203.0.113.7/32" },
    ingressPorts: [
      { key: "ssh", fromPort: 22, description: "SSH" },
      { key: "ui", fromPort: 3000, description: "UI" },
      { key: "otlp", fromPort: 4317, toPort: 4318, description: "OTLP" },
    ],
    ...overrides,
  });
  return { json: synthStack(stack) };
}

describe("SecurityGroup", () => {
  it("creates one described ingress rule per port and source, keyed by name", () => {
    // given two sources
    const { json } = synthGroup({ allowedSources: { office: "198.51.100.0/24", vpn: "2001:db8::/32" } });
    // then every port is opened to both, with stable ids and the right address family
    const rules = resourcesOf(json, "aws_vpc_security_group_ingress_rule");
    expect(rules.map(([id]) => id.replace(/_[0-9A-F]{8}$/, "")).sort()).toEqual([
      "sg_ingress-otlp-office", "sg_ingress-otlp-vpn", "sg_ingress-ssh-office", "sg_ingress-ssh-vpn", "sg_ingress-ui-office", "sg_ingress-ui-vpn",
    ]);
    const otlpVpn = rules.find(([id]) => id.startsWith("sg_ingress-otlp-vpn"))![1];
    expect(otlpVpn).toMatchObject({ from_port: 4317, to_port: 4318, ip_protocol: "tcp", cidr_ipv6: "2001:db8::/32", description: "OTLP" });
    expect(otlpVpn.cidr_ipv4).toBeUndefined();
    for (const [, rule] of rules) expect(rule.description).toBeTruthy();
  });

  it("uses standalone rules, not inline blocks, and a described all-traffic egress by default", () => {
    const { json } = synthGroup();
    const group = Object.values(json.resource.aws_security_group)[0];
    expect(group.ingress).toBeUndefined();
    expect(group.egress).toBeUndefined();
    expect(group.lifecycle).toEqual({ create_before_destroy: true });
    const egress = resourcesOf(json, "aws_vpc_security_group_egress_rule");
    expect(egress).toHaveLength(1);
    expect(egress[0][1]).toMatchObject({ ip_protocol: "-1", cidr_ipv4: "0.0.0.0/0" });
    expect(egress[0][1].description).toMatch(/outbound/i);
  });

  it("turns a token `enabled` into count, and drops a rule whose enabled is false", () => {
    // given SSH enabled only when a variable is set, and UI disabled outright
    const stack = new TerraformStack(Testing.app(), "test");
    new AwsProvider(stack, "aws", { region: "us-east-1" });
    const keyPair = new TerraformVariable(stack, "key_pair_name", { type: "string" });
    new SecurityGroup(stack, "sg", {
      vpcId: "vpc-123",
      namePrefix: "t-",
      allowedSources: { operator: "203.0.113.7/32" },
      ingressPorts: [
        { key: "ssh", fromPort: 22, description: "SSH", enabled: isNonEmpty(keyPair.stringValue) },
        { key: "ui", fromPort: 3000, description: "UI", enabled: false },
      ],
    });
    const rules = resourcesOf(synthStack(stack), "aws_vpc_security_group_ingress_rule");
    // then only SSH exists, counted on the expression
    expect(rules).toHaveLength(1);
    expect(rules[0][1].count).toBe("${(length(var.key_pair_name) >= 1) ? 1 : 0}");
  });

  it("rejects misuse at synth with every problem named", () => {
    expect(() =>
      synthGroup({
        allowedSources: { operator: "203.0.113.7", "Bad Key": "10.0.0.0/8" },
        ingressPorts: [
          { key: "ui", fromPort: 0, description: "" },
          { key: "ui", fromPort: 4318, toPort: 4317, description: "OTLP" },
        ],
      }),
    ).toThrow(
      /fromPort 0 is not a port[\s\S]*description is empty[\s\S]*toPort 4317 must be a port[\s\S]*keys must be unique; repeated: ui[\s\S]*"203.0.113.7" is not a CIDR[\s\S]*allowedSources key "Bad Key"/,
    );
    expect(() => synthGroup({ ingressPorts: [] })).toThrow(/ingressPorts is empty/);
    expect(() => synthGroup({ allowedSources: {} })).toThrow(/allowedSources is empty/);
  });
});

describe("SecurityGroup cidrList", () => {
  /** SSH open to the list variable ssh_cidrs (switched by `enabled` when given), UI to the group's sources. */
  function synthCidrList(enabled?: (stack: TerraformStack) => Switch): string {
    const stack = new TerraformStack(Testing.app(), "test");
    new AwsProvider(stack, "aws", { region: "us-east-1" });
    const cidrs = new TerraformVariable(stack, "ssh_cidrs", { type: "list(string)" });
    new SecurityGroup(stack, "sg", {
      vpcId: "vpc-123",
      namePrefix: "t-",
      allowedSources: { operator: "203.0.113.7/32" },
      ingressPorts: [
        { key: "ssh", fromPort: 22, description: "SSH", cidrList: cidrs.listValue, enabled: enabled?.(stack) },
        { key: "ui", fromPort: 3000, description: "UI" },
      ],
    });
    return Testing.synth(stack);
  }
  const sshRule = (config: string) => {
    const rules = resourcesOf(JSON.parse(config), "aws_vpc_security_group_ingress_rule").filter(([id]) => id.startsWith("sg_ingress-ssh"));
    expect(rules.map(([id]) => id.replace(/_[0-9A-F]{8}$/, ""))).toEqual(["sg_ingress-ssh"]);
    return rules[0]![1];
  };
  const keyPair = (stack: TerraformStack) => isNonEmpty(new TerraformVariable(stack, "key_pair_name", { type: "string" }).stringValue);

  it("opens the port with one rule resource per CIDR of the list: for_each over its set, keyed by the CIDR", () => {
    const rule = sshRule(synthCidrList());
    expect(rule).toMatchObject({ for_each: "${toset(var.ssh_cidrs)}", cidr_ipv4: "${each.value}", from_port: 22, to_port: 22, ip_protocol: "tcp", description: "SSH" });
    expect(rule.count).toBeUndefined();
  });

  it("with a token `enabled` iterates over the list when it holds and over an empty list otherwise (no count)", () => {
    const rule = sshRule(synthCidrList(keyPair));
    expect(rule.for_each).toBe("${toset((length(var.key_pair_name) >= 1) ? var.ssh_cidrs : [])}");
    expect(rule.count).toBeUndefined();
  });

  it("leaves the other ports on the group's sources", () => {
    const json = JSON.parse(synthCidrList());
    const ui = resourcesOf(json, "aws_vpc_security_group_ingress_rule").filter(([id]) => id.startsWith("sg_ingress-ui"));
    expect(ui.map(([id]) => id.replace(/_[0-9A-F]{8}$/, ""))).toEqual(["sg_ingress-ui-operator"]);
  });

  it("rejects sources and cidrList on one port", () => {
    expect(() => synthGroup({ ingressPorts: [{ key: "ssh", fromPort: 22, description: "SSH", sources: { office: "198.51.100.0/24" }, cidrList: ["10.0.0.0/8"] }] })).toThrow(
      /Invalid props for test\/sg:\n {2}- ingressPorts\["ssh"\] has both sources and cidrList: give one\.$/,
    );
  });
  // Planned by real Terraform in the lighthouse-prod plan snapshot (stack-plans.test.ts): one rule keyed by its CIDR.
});
