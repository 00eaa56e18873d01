import { applyDefaults, Switch } from "../core/index.js";

/** How the load balancer checks that a target serves. */
export interface TargetHealthCheck {
  /** Path requested, starting with /, e.g. "/health". */
  readonly path: string;
  /**
   * HTTP codes that count as healthy: codes and ranges between 200 and 499, e.g. "200" or "200-299,302".
   * @default "200-399"
   */
  readonly matcher?: string;
  /**
   * Seconds between checks, 5-300.
   * @default 30
   */
  readonly intervalSeconds?: number;
  /**
   * Seconds without an answer after which a check fails, 2-120 and less than intervalSeconds.
   * @default 5
   */
  readonly timeoutSeconds?: number;
  /**
   * Consecutive successes before an unhealthy target gets traffic, 2-10.
   * @default 3 - in service about 90 s after the application answers, at the default interval
   */
  readonly healthyThreshold?: number;
  /**
   * Consecutive failures before a target gets no more traffic, 2-10.
   * @default 3
   */
  readonly unhealthyThreshold?: number;
}

/** Load-balancer cookie stickiness: a client keeps reaching the same target. */
export interface TargetStickiness {
  /**
   * Seconds the cookie holds a client to its target, 1-604800 (7 days).
   * @default 86400 - one day
   */
  readonly durationSeconds?: number;
}

/** One target group: where the load balancer sends requests, and how it checks them. */
export interface LoadBalancerTarget {
  /** Port the targets listen on (instances or tasks), 1-65535. */
  readonly port: number;
  /**
   * Protocol from the load balancer to the targets (TLS ends at the load balancer).
   * @default "HTTP"
   */
  readonly protocol?: "HTTP" | "HTTPS";
  /**
   * What is registered: EC2 instances (an instance or an Auto Scaling group), or IP addresses (ECS tasks in
   * awsvpc mode, Fargate).
   * @default "instance"
   */
  readonly targetType?: "instance" | "ip";
  readonly healthCheck: TargetHealthCheck;
  /**
   * Seconds a deregistered target keeps its open requests before it is dropped (deploys and scale-in wait this
   * long), 0-3600.
   * @default 30 - AWS's own default is 300, far longer than a web request
   */
  readonly deregistrationDelaySeconds?: number;
  /**
   * Load-balancer cookie stickiness.
   * @default - none: every request goes to any healthy target
   */
  readonly stickiness?: TargetStickiness;
}

/** A listener rule: requests whose path matches go to another target than the default one. */
export interface PathRule {
  /** Evaluation order, 1-50000, unique among the rules (lower first). */
  readonly priority: number;
  /** Path patterns, 1-5, each up to 128 characters, `*` and `?` as wildcards, e.g. ["/api/*"]. Case-sensitive. */
  readonly pathPatterns: readonly string[];
  /** Key in {@link PublicLoadBalancerProps.targets}. */
  readonly target: string;
}

/** Where the load balancer writes its access logs. */
export interface LoadBalancerAccessLogs {
  /**
   * S3 bucket (SSE-S3 encrypted; SSE-KMS is not supported) whose policy lets Elastic Load Balancing write to it:
   * see https://docs.aws.amazon.com/elasticloadbalancing/latest/application/enable-access-logging.html.
   */
  readonly bucket: string;
  /**
   * Key prefix, without a leading /, not containing "AWSLogs".
   * @default - logs at the bucket's root (`AWSLogs/<account>/…`)
   */
  readonly prefix?: string;
}

export interface PublicLoadBalancerProps {
  /**
   * Load balancer name: 1-32 letters, digits and hyphens, not starting or ending with a hyphen nor starting with
   * "internal-". Also names the target groups (`<name>-<target key>`, at most 32 characters) and prefixes the
   * security group.
   */
  readonly name: string;
  /** VPC of the load balancer and the target groups. */
  readonly vpcId: string;
  /** The VPC's IPv4 CIDR: the load balancer's security group lets it reach the target ports there, nowhere else. */
  readonly vpcCidr: string;
  /** Public subnets (with a route to an internet gateway), at least two, in different Availability Zones. */
  readonly subnetIds: string[];
  /**
   * Target groups, keyed by a stable key (lower-case letters, digits and dashes): the key is part of the target
   * group's name and Terraform address, so renaming one replaces it.
   */
  readonly targets: Readonly<Record<string, LoadBalancerTarget>>;
  /** Key of the target that gets every request no rule matches. */
  readonly defaultTarget: string;
  /**
   * Path rules, keyed by a stable key (lower-case letters, digits and dashes), on the listener that serves:
   * HTTPS, or HTTP in HTTP-only mode.
   * @default {} - every request goes to defaultTarget
   */
  readonly rules?: Readonly<Record<string, PathRule>>;
  /**
   * Domain the load balancer serves, usually a variable ("" when unset). Non-empty: with a hosted zone, the
   * module creates an ACM certificate for it (unless certificateArn is set), validates it through DNS, and points
   * an alias record at the load balancer; a Terraform token decides at plan time.
   * @default "" - no domain
   */
  readonly domainName?: string;
  /**
   * Public Route 53 hosted zone of domainName, by name (looked up), e.g. "example.com". Give this or
   * hostedZoneId; with both (variables that may be ""), a non-empty hostedZoneId wins.
   * @default - none: no certificate is created, no DNS record is written
   */
  readonly hostedZoneName?: string;
  /**
   * Public Route 53 hosted zone of domainName, by id, e.g. "Z0123456789ABCDEFGHIJ".
   * @default - none: no certificate is created, no DNS record is written
   */
  readonly hostedZoneId?: string;
  /**
   * ARN of an existing certificate (ACM, or an IAM server certificate) for the HTTPS listener, usually a variable
   * ("" when unset). Non-empty: no certificate is created.
   * @default "" - a certificate is created for domainName
   */
  readonly certificateArn?: string;
  /**
   * Explicit opt-in to serving plain HTTP when there is neither a domain nor a certificate: port 80 then forwards
   * to the targets and there is no HTTPS listener. Ignored once a domain or certificate is set (HTTP then
   * redirects to HTTPS). Without it, and without a domain or certificate, `terraform plan` fails with
   * missingCertificateMessage.
   * @default false
   */
  readonly allowHttpOnly?: Switch;
  /**
   * The message `terraform plan` stops with when there is neither a domain, nor a certificate, nor the HTTP-only
   * opt-in: name the stack's own variables.
   * @default "The load balancer has no certificate: set domainName (and its hosted zone) or certificateArn, or opt in to HTTP only (allowHttpOnly)."
   */
  readonly missingCertificateMessage?: string;
  /**
   * The message `terraform plan` stops with when a certificate must be created (domain set, no certificateArn)
   * but the hosted zone to validate it in is "": name the stack's own variables.
   * @default "domainName is set without a certificateArn, so a certificate is created and validated through DNS: set the Route 53 hosted zone (hostedZoneName or hostedZoneId), or give certificateArn."
   */
  readonly missingHostedZoneMessage?: string;
  /**
   * Seconds a connection may stay idle, 1-4000.
   * @default 60
   */
  readonly idleTimeoutSeconds?: number;
  /**
   * Whether AWS refuses to delete the load balancer (a Terraform boolean switches it per environment). Turn it
   * off before `terraform destroy`.
   * @default false
   */
  readonly deletionProtection?: Switch;
  /**
   * Address family: "dualstack" also serves IPv6 (the subnets need IPv6 CIDRs) and adds an AAAA alias record.
   * @default "ipv4"
   */
  readonly ipAddressType?: "ipv4" | "dualstack";
  /**
   * Access logs to S3.
   * @default - no access logs
   */
  readonly accessLogs?: LoadBalancerAccessLogs;
  /**
   * Tags for every resource.
   * @default - none beyond the provider's default_tags
   */
  readonly tags?: Readonly<Record<string, string>>;
}

/** TLS 1.3 and 1.2 only, forward-secret ciphers (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/describe-ssl-policies.html). */
export const TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06";

export const DEFAULT_MISSING_CERTIFICATE_MESSAGE =
  "The load balancer has no certificate: set domainName (and its hosted zone) or certificateArn, or opt in to HTTP only (allowHttpOnly).";
export const DEFAULT_MISSING_HOSTED_ZONE_MESSAGE =
  "domainName is set without a certificateArn, so a certificate is created and validated through DNS: set the Route 53 hosted zone (hostedZoneName or hostedZoneId), or give certificateArn.";

/** Defaults, applied in one place. */
export const PUBLIC_LOAD_BALANCER_DEFAULTS = {
  rules: {} as Readonly<Record<string, PathRule>>,
  domainName: "",
  certificateArn: "",
  allowHttpOnly: false as Switch,
  missingCertificateMessage: DEFAULT_MISSING_CERTIFICATE_MESSAGE,
  missingHostedZoneMessage: DEFAULT_MISSING_HOSTED_ZONE_MESSAGE,
  idleTimeoutSeconds: 60,
  deletionProtection: false as Switch,
  ipAddressType: "ipv4" as "ipv4" | "dualstack",
  tags: {} as Readonly<Record<string, string>>,
};

/** Defaults of each target, applied in one place. */
export const TARGET_DEFAULTS = {
  protocol: "HTTP" as "HTTP" | "HTTPS",
  targetType: "instance" as "instance" | "ip",
  deregistrationDelaySeconds: 30,
};

/** Defaults of each health check. */
export const HEALTH_CHECK_DEFAULTS = {
  matcher: "200-399",
  intervalSeconds: 30,
  timeoutSeconds: 5,
  healthyThreshold: 3,
  unhealthyThreshold: 3,
};

/** Default stickiness duration. */
export const STICKINESS_DEFAULTS = { durationSeconds: 86_400 };

export type ResolvedHealthCheck = TargetHealthCheck & Required<Pick<TargetHealthCheck, keyof typeof HEALTH_CHECK_DEFAULTS>>;
export type ResolvedTarget = Omit<LoadBalancerTarget, "healthCheck" | "stickiness"> &
  Required<Pick<LoadBalancerTarget, keyof typeof TARGET_DEFAULTS>> & {
    readonly healthCheck: ResolvedHealthCheck;
    readonly stickiness?: Required<TargetStickiness>;
  };
export type ResolvedPublicLoadBalancerProps = Omit<PublicLoadBalancerProps, "targets"> &
  Required<Pick<PublicLoadBalancerProps, keyof typeof PUBLIC_LOAD_BALANCER_DEFAULTS>> & { readonly targets: Readonly<Record<string, ResolvedTarget>> };

export function withDefaults(props: PublicLoadBalancerProps): ResolvedPublicLoadBalancerProps {
  const targets = Object.fromEntries(
    Object.entries(props.targets).map(([key, t]) => {
      const target = applyDefaults(t, TARGET_DEFAULTS);
      return [
        key,
        {
          ...target,
          healthCheck: applyDefaults(t.healthCheck, HEALTH_CHECK_DEFAULTS),
          stickiness: t.stickiness === undefined ? undefined : applyDefaults(t.stickiness, STICKINESS_DEFAULTS),
        },
      ];
    }),
  );
  return { ...applyDefaults(props, PUBLIC_LOAD_BALANCER_DEFAULTS), targets };
}

/**
 * us-east-1 list prices (November 2025), kept here rather than in the shared price table. An Application Load
 * Balancer is billed per hour, plus per LCU-hour (load balancer capacity units: new and active connections,
 * processed bytes, rule evaluations, whichever is highest).
 */
export const ALB_USD_PER_HOUR = 0.0225;
/** One LCU-hour. */
export const ALB_LCU_USD_PER_HOUR = 0.008;
/** LCUs the estimate counts: one, an idle or lightly used load balancer; real traffic adds LCU-hours. */
export const ESTIMATED_LCUS = 1;
