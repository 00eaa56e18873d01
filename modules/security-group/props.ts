import { IResolvable } from "cdktf";

/** One inbound port range, opened to every source in {@link SecurityGroupProps.allowedSources}. */
export interface IngressPort {
  /** Stable key, part of the rule's Terraform address (`ingress-<key>-<source>`): renaming it replaces the rule. */
  readonly key: string;
  /** First port, 1-65535. */
  readonly fromPort: number;
  /**
   * Last port, >= fromPort.
   * @default - fromPort (a single port)
   */
  readonly toPort?: number;
  /**
   * IP protocol.
   * @default "tcp"
   */
  readonly protocol?: "tcp" | "udp";
  /** Shown in the console and in `terraform plan`: say what listens there. */
  readonly description: string;
  /**
   * Whether the rule exists. A Terraform boolean expression (token) becomes `count`, so a variable can
   * switch it per environment (SSH only when a key pair is set).
   * @default true
   */
  readonly enabled?: boolean | IResolvable;
  /**
   * CIDRs for this port only, keyed like allowedSources, instead of the group's sources (e.g. an ACME HTTP-01
   * challenge port that must be reachable from anywhere).
   * @default - the group's allowedSources and allowedSecurityGroups
   */
  readonly sources?: Readonly<Record<string, string>>;
  /**
   * IPv4 CIDRs for this port only, as one list whose length may be known only at plan time (a list variable such as
   * `var.ssh_allowed_cidr_blocks`), instead of the group's sources: one rule per CIDR (`for_each`, keyed by the
   * CIDR, so removing one leaves the others alone). With `enabled` a token, the list is empty when it is false.
   * @default - the group's allowedSources and allowedSecurityGroups (or `sources`)
   */
  readonly cidrList?: string[];
}

/** An outbound rule. */
export interface EgressRule {
  /** Stable key, part of the rule's Terraform address. */
  readonly key: string;
  /** Destination IPv4 or IPv6 CIDR. */
  readonly cidr: string;
  /** `-1` for all protocols. */
  readonly protocol: "tcp" | "udp" | "-1";
  /**
   * First port; required for tcp and udp (EC2 refuses those rules without ports), ignored for `-1`.
   * @default - none (all ports with protocol `-1`)
   */
  readonly fromPort?: number;
  /** Ignored when protocol is `-1`. @default - fromPort */
  readonly toPort?: number;
  readonly description: string;
}

export interface SecurityGroupProps {
  /** VPC of the group. */
  readonly vpcId: string;
  /** Name prefix; AWS appends a unique suffix so a replacement can be created before the old group goes. */
  readonly namePrefix: string;
  /**
   * Group description (immutable in AWS: changing it replaces the group).
   * @default "Managed by cdktf-aws-stacks"
   */
  readonly description?: string;
  /** Inbound ports. */
  readonly ingressPorts: readonly IngressPort[];
  /**
   * Sources allowed to reach every ingress port, keyed by a stable name (`{ operator: "203.0.113.7/32" }`).
   * Keys are part of rule addresses, so reordering never replaces rules. Values may be Terraform tokens.
   */
  readonly allowedSources: Readonly<Record<string, string>>;
  /**
   * Security groups allowed to reach every ingress port, keyed by a stable name (`{ app: appGroup.id }`): the
   * way to open a port to another tier (a load balancer, the app servers) rather than to addresses. Keys share
   * the rule address namespace with allowedSources, so they must differ from its keys.
   * @default {}
   */
  readonly allowedSecurityGroups?: Readonly<Record<string, string>>;
  /**
   * Outbound rules.
   * @default - one rule: all traffic to 0.0.0.0/0 (packages, container registries, AWS APIs, external databases)
   */
  readonly egressRules?: readonly EgressRule[];
  /**
   * Tags for the group and its rules.
   * @default - none beyond the provider's default_tags
   */
  readonly tags?: Readonly<Record<string, string>>;
}

export const DEFAULT_EGRESS: readonly EgressRule[] = [
  { key: "all", cidr: "0.0.0.0/0", protocol: "-1", description: "All outbound: package repositories, container registries, AWS APIs, external databases" },
];
