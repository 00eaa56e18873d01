import { Construct } from "constructs";
import { Fn, Token } from "cdktf";
// Provider docs: https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/cloudwatch_dashboard
import { CloudwatchDashboard } from "@cdktf/provider-aws/lib/cloudwatch-dashboard";
import { choose, countWhen, isKnown, Switch, ValidationRule } from "../core/index.js";
import { CostEstimate, costKey } from "../cost-estimate/index.js";

/** A dashboard beyond the account's first three (those are free), per month. */
export const DASHBOARD_USD_PER_MONTH = 3;

/** CloudWatch's rule for dashboard names (PutDashboard). */
const DASHBOARD_NAME = /^[A-Za-z0-9_-]{1,255}$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;

/** The checks every dashboard's name and region get (values known only at plan time are left to AWS). */
export function dashboardRules(name: string, region: string): ValidationRule[] {
  return [
    { failed: isKnown(name) && !DASHBOARD_NAME.test(name), message: `name "${name}" is not a dashboard name: use 1-255 letters, digits, - and _.` },
    { failed: isKnown(region) && !REGION.test(region), message: `region "${region}" is not an AWS region code, e.g. "eu-west-1".` },
  ];
}

export interface DashboardResource {
  readonly resource: CloudwatchDashboard;
  /** The dashboard's name; "" when the dashboard is switched off. */
  readonly dashboardName: string;
  /** The dashboard in the CloudWatch console (commercial partition); "" when the dashboard is switched off. */
  readonly url: string;
}

/**
 * The `aws_cloudwatch_dashboard` of a dashboard construct (id `Resource` in `scope`), its name and console URL
 * (both "" when switched off) and its cost item: $3/month, 0 when off.
 * @param widgets the body's widgets, already escaped ({@link escapeLiterals}); a list or a Terraform list expression
 */
export function createDashboardResource(scope: Construct, props: { readonly name: string; readonly region: string; readonly enabled: Switch; readonly widgets: unknown }): DashboardResource {
  const { name: given, region, enabled } = props;
  const resource = new CloudwatchDashboard(scope, "Resource", {
    count: enabled === true ? undefined : countWhen(enabled),
    dashboardName: given,
    // jsonencode, not JSON.stringify: references inside the body stay Terraform expressions and are resolved.
    dashboardBody: Fn.jsonencode({ widgets: props.widgets }),
  });

  // Always on: the resource's attribute, so whatever reads the outputs depends on the dashboard. Switched: the
  // name given, or "" (a counted resource has no plain attribute to refer to).
  const name = enabled === true ? resource.dashboardName : given;
  // The address the console shows for an open dashboard (many examples still use the older `#dashboards:name=`).
  const url = `https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}#dashboards/dashboard/${name}`;

  CostEstimate.of(scope).add({
    key: costKey(scope, "dashboard"),
    usd: typeof enabled === "boolean" ? (enabled ? DASHBOARD_USD_PER_MONTH : 0) : Token.asNumber(Fn.conditional(enabled, DASHBOARD_USD_PER_MONTH, 0)),
    description: "CloudWatch dashboard; the first three per account are free",
  });
  return {
    resource,
    dashboardName: enabled === true ? name : choose(enabled, name, ""),
    url: enabled === true ? url : choose(enabled, url, ""),
  };
}
