import { Fn, Op, TerraformOutput, Token } from "cdktf";
import { Construct } from "constructs";
import { monthlyInstancePrice } from "../../modules/cost-estimate/index.js";

/** The document's calculator: its prices and its assumptions. */
const DOCUMENT = {
  gp3UsdPerGbMonth: 0.08,
  snapshotUsdPerGbMonth: 0.05,
  /** "Snapshots: ~10% of volume". */
  snapshotShareOfVolume: 0.1,
  alarmUsdPerMonth: 0.1,
  /** "CloudWatch logs: ~$2/month", counted with monitoring. */
  logsUsdPerMonth: 2,
} as const;

/** The document's allowance for CloudWatch Logs with monitoring on, USD per month. */
export const DOCUMENT_LOGS_USD_PER_MONTH = DOCUMENT.logsUsdPerMonth;

export interface DocumentCostProps {
  readonly instanceType: string;
  /** The spot factor (spot environments only). */
  readonly spotPriceFactor?: number;
  readonly volumeSizeGb: number;
  /** Alarms that exist with monitoring on. */
  readonly alarmCount: number;
  /** Terraform boolean: enable_monitoring. */
  readonly monitoring: unknown;
}

/**
 * Output `estimated_monthly_cost`: the document's own formula ("Instance + Storage + Snapshots + Monitoring") in its
 * format ("$3.54"), so its examples can be checked against ours. It counts only the data volume and leaves out the
 * root volume, the public IPv4 address, KMS keys, agent metrics and the secret: estimated_monthly_cost_usd and
 * cost_breakdown count everything.
 */
export function documentCostEstimate(scope: Construct, props: DocumentCostProps): TerraformOutput {
  const d = DOCUMENT;
  const instance = props.spotPriceFactor === undefined ? monthlyInstancePrice(props.instanceType) : Token.asNumber(Op.mul(monthlyInstancePrice(props.instanceType), props.spotPriceFactor));
  const storage = Token.asNumber(Op.mul(props.volumeSizeGb, d.gp3UsdPerGbMonth));
  const snapshots = Token.asNumber(Op.mul(Op.mul(props.volumeSizeGb, d.snapshotShareOfVolume), d.snapshotUsdPerGbMonth));
  const monitoringUsd = Math.round((props.alarmCount * d.alarmUsdPerMonth + d.logsUsdPerMonth) * 100) / 100;
  const monitoring = Token.asNumber(Fn.conditional(props.monitoring, monitoringUsd, 0));
  const output = new TerraformOutput(scope, "output_estimated_monthly_cost", {
    value: Fn.try([Fn.format("$%.2f", [Fn.sum([instance, storage, snapshots, monitoring])]), "unknown: the instance type has no list price here"]),
    description: "The document's cost calculator (instance, data volume, snapshots at 10 % of it, alarms and $2 of logs with monitoring), in its format. Everything counted: estimated_monthly_cost_usd.",
  });
  output.overrideLogicalId("estimated_monthly_cost");
  return output;
}
