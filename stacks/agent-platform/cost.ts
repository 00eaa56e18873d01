import { TerraformOutput } from "cdktf";
import { CostEstimate } from "../../modules/cost-estimate/index.js";
import type { SystemStack } from "../base-stack.js";

/** The document's own estimates (its section 16): the option each environment follows, its items and its total. */
const DOCUMENT_ESTIMATES: Readonly<Record<string, { option: string; usd: number; dataTransferUsd: number; items: string }>> = {
  dev: { option: "A", usd: 348, dataTransferUsd: 10, items: "t3.2xlarge $240, db.t3.medium $60, cache.t3.micro $15, ALB $20, S3 $3, data transfer $10" },
  prod: { option: "B", usd: 245, dataTransferUsd: 20, items: "2x t3.large $120, db.t3.medium $60, cache.t3.micro $15, ALB $20, S3 $10, data transfer $20" },
};

/**
 * The document's data-transfer allowance as a cost item (it has no size to compute from) and its own total as an
 * output beside the stack's, which also counts what the document leaves out: NAT gateways, public IPv4 addresses,
 * the ChromaDB host, volumes, alarms, KMS keys, the dashboard.
 */
export function documentCost(stack: SystemStack, props: { environment: string }): TerraformOutput {
  const estimate = DOCUMENT_ESTIMATES[props.environment];
  if (!estimate) throw new Error(`agent-platform has no document estimate for "${props.environment}".`);
  CostEstimate.of(stack).add({ key: "data-transfer", usd: estimate.dataTransferUsd, description: `the document's data-transfer allowance (Option ${estimate.option})` });
  const output = new TerraformOutput(stack, "output_document_monthly_cost", {
    value: `Option ${estimate.option}: ~$${estimate.usd}/month (${estimate.items})`,
    description: "The document's own estimate for this option, at the document's sizes (Option A with a t3.2xlarge and db.t3.medium; dev runs a t3.xlarge and db.t3.small); estimated_monthly_cost_usd counts everything this stack deploys at its minimum size.",
  });
  output.overrideLogicalId("document_monthly_cost");
  return output;
}
