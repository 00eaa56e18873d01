import { Construct } from "constructs";
// Provider docs: https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/security_group
import { SecurityGroup as AwsSecurityGroup } from "@cdktf/provider-aws/lib/security-group";
// Standalone rules (not inline blocks): one resource per rule, so changing one never rewrites the others.
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import { VpcSecurityGroupEgressRule } from "@cdktf/provider-aws/lib/vpc-security-group-egress-rule";
import { Fn, TerraformIterator, Token } from "cdktf";
import { countWhen, isIpv6Cidr, isKnown } from "../core/index.js";
import { DEFAULT_EGRESS, SecurityGroupProps } from "./props.js";
import { validateSecurityGroupProps } from "./validate-props.js";

/** Address family of a CIDR; tokens are assumed IPv4 (the common case for `var.allowed_cidr`). */
function cidrArgument(cidr: string): { cidrIpv4?: string; cidrIpv6?: string } {
  return isKnown(cidr) && isIpv6Cidr(cidr) ? { cidrIpv6: cidr } : { cidrIpv4: cidr };
}

/**
 * A security group whose every rule is its own described resource with a stable construct id
 * (`ingress-<port key>-<source key>`), in the style of terraform-aws-modules' keyed rules.
 */
export class SecurityGroup extends Construct {
  readonly resource: AwsSecurityGroup;
  readonly id: string;

  constructor(scope: Construct, id: string, props: SecurityGroupProps) {
    super(scope, id);
    validateSecurityGroupProps(this, props);
    const tags = props.tags ?? {};

    this.resource = new AwsSecurityGroup(this, "Resource", {
      namePrefix: props.namePrefix,
      description: props.description ?? "Managed by cdktf-aws-stacks",
      vpcId: props.vpcId,
      tags,
      lifecycle: { createBeforeDestroy: true },
    });
    this.id = this.resource.id;

    for (const port of props.ingressPorts) {
      if (port.enabled === false) continue;
      if (port.cidrList !== undefined) {
        // for_each and count do not mix: a switched-off port iterates over an empty set.
        const list = port.enabled === undefined || port.enabled === true ? port.cidrList : Token.asList(Fn.conditional(port.enabled, port.cidrList, []));
        // fromList sets for_each to toset(list): one rule per distinct CIDR, keyed by it.
        const each = TerraformIterator.fromList(list);
        new VpcSecurityGroupIngressRule(this, `ingress-${port.key}`, {
          forEach: each,
          securityGroupId: this.resource.id,
          description: port.description,
          ipProtocol: port.protocol ?? "tcp",
          fromPort: port.fromPort,
          toPort: port.toPort ?? port.fromPort,
          cidrIpv4: each.value,
          tags,
        });
        continue;
      }
      const count = port.enabled === undefined || port.enabled === true ? undefined : countWhen(port.enabled);
      const sources: [string, { cidrIpv4?: string; cidrIpv6?: string; referencedSecurityGroupId?: string }][] = port.sources
        ? Object.entries(port.sources).map(([key, cidr]) => [key, cidrArgument(cidr)] as [string, ReturnType<typeof cidrArgument>])
        : [
            ...Object.entries(props.allowedSources).map(([key, cidr]) => [key, cidrArgument(cidr)] as [string, ReturnType<typeof cidrArgument>]),
            ...Object.entries(props.allowedSecurityGroups ?? {}).map(([key, groupId]) => [key, { referencedSecurityGroupId: groupId }] as [string, { referencedSecurityGroupId: string }]),
          ];
      for (const [sourceKey, source] of sources) {
        new VpcSecurityGroupIngressRule(this, `ingress-${port.key}-${sourceKey}`, {
          securityGroupId: this.resource.id,
          description: port.description,
          ipProtocol: port.protocol ?? "tcp",
          fromPort: port.fromPort,
          toPort: port.toPort ?? port.fromPort,
          ...source,
          count,
          tags,
        });
      }
    }

    for (const rule of props.egressRules ?? DEFAULT_EGRESS) {
      const allProtocols = rule.protocol === "-1";
      new VpcSecurityGroupEgressRule(this, `egress-${rule.key}`, {
        securityGroupId: this.resource.id,
        description: rule.description,
        ipProtocol: rule.protocol,
        fromPort: allProtocols ? undefined : rule.fromPort,
        toPort: allProtocols ? undefined : (rule.toPort ?? rule.fromPort),
        ...cidrArgument(rule.cidr),
        tags,
      });
    }
  }
}
