import { Construct } from "constructs";
import { Fn } from "cdktf";
// Provider docs: https://registry.terraform.io/providers/hashicorp/aws/6.25.0/docs/resources/budgets_budget
import { BudgetsBudget, BudgetsBudgetNotification } from "@cdktf/provider-aws/lib/budgets-budget";
import { countWhen, isKnown, oneOf } from "../core/index.js";
import { BudgetProps, CostFilterTag, withDefaults } from "./props.js";
import { validateBudgetProps } from "./validate-props.js";

/**
 * The cost filter value of a tag, `user:<key>$<value>`. With a Terraform value, `$` right before its `${…}` would
 * escape the interpolation, so the two halves are joined by Terraform instead.
 */
function tagFilterValue(tag: CostFilterTag): string {
  if (isKnown(tag.key) && isKnown(tag.value)) return `user:${tag.key}$${tag.value}`;
  return Fn.join("$", [`user:${tag.key}`, tag.value]);
}

/**
 * A monthly AWS Budgets COST budget in USD that e-mails when the month's actual spend goes over each of
 * thresholdsPercent of the limit and, optionally, when the forecast goes over forecastThresholdPercent. It covers the
 * whole account, or the resources with one cost allocation tag. A budget only notifies: it stops nothing.
 *
 * No cost item (rather than a 0 item, as Table adds none for what has no price): budgets without actions are free.
 * AWS's price list offer for AWS Budgets (service code AWSBudgets, effective 2020-10-01; pricing page
 * https://aws.amazon.com/aws-cost-management/aws-budgets/pricing/) bills "Budget Notifications" budget-days at
 * $0.00; only action-enabled budgets ($0.10 a day after the first 62 budget-days a month, i.e. two budgets) and
 * budget reports ($0.01 each) cost money, and this module creates neither.
 */
export class Budget extends Construct {
  readonly budget: BudgetsBudget;
  /** The budget's name (null in Terraform when enabled is a Terraform boolean that is false). */
  readonly budgetName: string;

  constructor(scope: Construct, id: string, props: BudgetProps) {
    super(scope, id);
    const p = withDefaults(props);
    validateBudgetProps(this, p);
    const emails = isKnown(p.emails) ? [...p.emails] : p.emails;
    const notification = (notificationType: "ACTUAL" | "FORECASTED", threshold: number): BudgetsBudgetNotification => ({
      notificationType,
      comparisonOperator: "GREATER_THAN",
      threshold,
      thresholdType: "PERCENTAGE",
      subscriberEmailAddresses: emails,
    });

    this.budget = new BudgetsBudget(this, "Resource", {
      name: p.name,
      budgetType: "COST",
      timeUnit: "MONTHLY",
      // The API takes the amount as a string; a Terraform number is converted by Terraform.
      limitAmount: isKnown(p.limitUsd) ? String(p.limitUsd) : Fn.tostring(p.limitUsd),
      limitUnit: "USD",
      costFilter: p.costFilterTag === undefined ? undefined : [{ name: "TagKeyValue", values: [tagFilterValue(p.costFilterTag)] }],
      notification: [
        ...p.thresholdsPercent.map((t) => notification("ACTUAL", t)),
        ...(p.forecastThresholdPercent === undefined ? [] : [notification("FORECASTED", p.forecastThresholdPercent)]),
      ],
    });
    if (p.enabled !== true) this.budget.count = countWhen(p.enabled);
    this.budgetName = p.enabled === true ? this.budget.name : oneOf(this.budget, "name");
  }
}
