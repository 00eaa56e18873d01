import { Construct } from "constructs";
import { Fn, IResolvable, TerraformLocal, Token } from "cdktf";
import { NullProvider } from "@cdktf/provider-null/lib/provider";
import { choose } from "../modules/core/index.js";
import { PublicLoadBalancer } from "../modules/public-load-balancer/index.js";
import { checksJson, HealthCheck, HealthGate } from "../modules/health-gate/index.js";

export interface LoadBalancerHealthGateProps {
  readonly loadBalancer: PublicLoadBalancer;
  /** The domain_name variable's value: the host checked over HTTPS (the load balancer's DNS name otherwise). */
  readonly domainName: string;
  /** Each check's name and path, e.g. `{ health: "/health" }`; literal paths or variables. */
  readonly paths: Record<string, string>;
  /** enable_health_gate. */
  readonly enabled: boolean | IResolvable;
  /** What re-runs the gate when it changes: the instance, launch template version or task definition. */
  readonly triggers: Record<string, string>;
}

/** Where and what the gate checks: the stack's `health_checks` output, which scripts/health-check.sh reads. */
export interface LoadBalancerHealthChecks {
  readonly host: string;
  /** The checks as a JSON string (a Terraform expression). */
  readonly checks: string;
}

/**
 * The opt-in post-apply gate of a system behind a public load balancer: every path through the load balancer, as
 * clients reach it (HTTPS on 443 with a certificate, else HTTP on 80). Configures the `null` provider the gate runs on.
 */
export function loadBalancerHealthGate(scope: Construct, props: LoadBalancerHealthGateProps): LoadBalancerHealthChecks {
  new NullProvider(scope, "null");
  const checksOn = (protocol: "https" | "http", port: number): HealthCheck[] =>
    Object.entries(props.paths).map(([name, path]) => ({ name, protocol, port, path }));
  // Literal paths are encoded here, paths from variables by Terraform; each list is a local chosen by reference
  // (cdktf does not escape quotes inside a conditional's literals).
  const encode = (checks: HealthCheck[]) => (Token.isUnresolved(JSON.stringify(checks)) ? Fn.jsonencode(checks) : checksJson(checks));
  const https = props.loadBalancer.https;
  const checks = choose(
    https,
    new TerraformLocal(scope, "health_checks_https", encode(checksOn("https", 443))).asString,
    new TerraformLocal(scope, "health_checks_http", encode(checksOn("http", 80))).asString,
  );
  const host = choose(https, props.domainName, props.loadBalancer.dnsName);
  new HealthGate(scope, "health_gate", { host, checks, enabled: props.enabled, triggers: props.triggers });
  return { host, checks };
}
