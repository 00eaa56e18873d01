// Budget on a bare stack: the monthly cost budget and its notifications, the tag filter, the enabled switch with
// Terraform values, the outputs, and validation, as properties of the synthesized JSON.
import { TerraformOutput, TerraformStack, TerraformVariable } from "cdktf";
import { Switch } from "../modules/core/index.js";
import { CostEstimate } from "../modules/cost-estimate/index.js";
import { Budget, BudgetProps } from "../modules/budget/index.js";
import { onlyResource, resourcesOf, synthStack, TfJson } from "./support/synth.js";
import { bareStack, problemsOf } from "./support/bare-stack.js";

const BASE: BudgetProps = { name: "shop-prod-monthly", limitUsd: 50, emails: ["ops@example.com"] };

/** The stack with one budget `budget` (BASE plus `props`, built by `build` when props need the stack), its name as an output, and the cost outputs. */
function synthBudget(props: Partial<BudgetProps> | ((stack: TerraformStack) => Partial<BudgetProps>) = {}): TfJson {
  const stack = bareStack();
  const budget = new Budget(stack, "budget", { ...BASE, ...(typeof props === "function" ? props(stack) : props) });
  new TerraformOutput(stack, "budget_name", { value: budget.budgetName });
  CostEstimate.of(stack).writeOutputs(stack, "test");
  return synthStack(stack);
}

const budgetOf = (json: TfJson) => onlyResource(json, "aws_budgets_budget");
const actual = (threshold: number, emails: unknown = ["ops@example.com"]) => ({
  notification_type: "ACTUAL", comparison_operator: "GREATER_THAN", threshold, threshold_type: "PERCENTAGE", subscriber_email_addresses: emails,
});

describe("Budget with defaults", () => {
  const json = synthBudget();

  it("is one monthly COST budget in USD for the whole account, notifying the addresses at 80 % and 100 % of actual spend", () => {
    expect(Object.keys(json.resource)).toEqual(["aws_budgets_budget"]);
    expect(budgetOf(json)).toEqual({
      name: "shop-prod-monthly",
      budget_type: "COST",
      time_unit: "MONTHLY",
      limit_amount: "50",
      limit_unit: "USD",
      notification: [actual(80), actual(100)],
    });
  });

  it("exposes the budget's name as a reference", () => {
    const [logical] = resourcesOf(json, "aws_budgets_budget")[0]!;
    expect(json.output.budget_name.value).toBe(`\${aws_budgets_budget.${logical}.name}`);
  });

  it("adds no cost item: budgets without actions are free", () => {
    expect(json.output.cost_breakdown.value).toEqual({});
  });
});

describe("Budget", () => {
  it("takes the thresholds and adds one FORECASTED notification with forecastThresholdPercent", () => {
    const budget = budgetOf(synthBudget({ thresholdsPercent: [50, 90, 120], forecastThresholdPercent: 100, limitUsd: 12.5 }));
    expect(budget.limit_amount).toBe("12.5");
    expect(budget.notification).toEqual([
      actual(50), actual(90), actual(120),
      { ...actual(100), notification_type: "FORECASTED" },
    ]);
  });

  it("filters on a cost allocation tag as TagKeyValue user:<key>$<value>", () => {
    expect(budgetOf(synthBudget({ costFilterTag: { key: "Project", value: "shop-prod" } })).cost_filter).toEqual([{ name: "TagKeyValue", values: ["user:Project$shop-prod"] }]);
  });

  it("joins a Terraform tag value in Terraform, so its ${…} is not escaped by the $ before it", () => {
    const json = synthBudget((stack) => ({ costFilterTag: { key: "Project", value: new TerraformVariable(stack, "project", { type: "string" }).stringValue } }));
    expect(budgetOf(json).cost_filter[0].values).toEqual(['${join("$", ["user:Project", var.project])}']);
  });

  it("takes a Terraform limit and a Terraform list of addresses", () => {
    const json = synthBudget((stack) => ({
      limitUsd: new TerraformVariable(stack, "limit", { type: "number" }).numberValue,
      emails: new TerraformVariable(stack, "emails", { type: "list(string)" }).listValue,
    }));
    const budget = budgetOf(json);
    expect(budget.limit_amount).toBe("${tostring(var.limit)}");
    expect(budget.notification).toEqual([actual(80, "${var.emails}"), actual(100, "${var.emails}")]);
  });

  it("enabled false: count 0, the name is null in Terraform", () => {
    const json = synthBudget({ enabled: false });
    expect(budgetOf(json).count).toBe(0);
    expect(json.output.budget_name.value).toMatch(/^\$\{one\(aws_budgets_budget\.budget_[0-9A-F]{8}\[\*\]\.name\)\}$/);
  });

  it("enabled from a Terraform boolean: counted by it, with an empty list of addresses allowed (AWS needs one only when it exists)", () => {
    const json = synthBudget((stack) => {
      const emails = new TerraformVariable(stack, "emails", { type: "list(string)" }).listValue;
      return { emails, enabled: new TerraformVariable(stack, "budget_on", { type: "bool" }).booleanValue as Switch };
    });
    expect(budgetOf(json).count).toBe("${var.budget_on ? 1 : 0}");
    expect(json.output.budget_name.value).toMatch(/^\$\{one\(aws_budgets_budget\.budget_[0-9A-F]{8}\[\*\]\.name\)\}$/);
    expect(() => synthBudget((stack) => ({ emails: [], enabled: new TerraformVariable(stack, "on", { type: "bool" }).booleanValue }))).not.toThrow();
  });

  it("reports every wrong prop at once", () => {
    const problems = problemsOf(() =>
      synthBudget({
        name: "shop:prod",
        limitUsd: 0,
        thresholdsPercent: [0, 80, 80, 1001],
        forecastThresholdPercent: 2000,
        emails: ["ops@example.com", "not-an-address", "a b@example.com"],
        costFilterTag: { key: "", value: "shop{prod}" },
      }),
    );
    expect(problems).toEqual([
      'name "shop:prod" must be 1-100 characters without ":" or "\\", e.g. "shop-prod-monthly".',
      "limitUsd 0 must be more than 0: the monthly budget in USD, e.g. 50.",
      "thresholdsPercent 0 is out of range: use a percentage of limitUsd from 1 to 1000, e.g. 80.",
      "thresholdsPercent 1001 is out of range: use a percentage of limitUsd from 1 to 1000, e.g. 80.",
      "thresholdsPercent must be unique (AWS rejects two equal notifications); repeated: 80.",
      "forecastThresholdPercent 2000 is out of range: use a percentage of limitUsd from 1 to 1000, e.g. 100.",
      'emails entry "not-an-address" is not an e-mail address: use e.g. "ops@example.com".',
      'emails entry "a b@example.com" is not an e-mail address: use e.g. "ops@example.com".',
      'costFilterTag.key "" must be a tag key: 1-128 letters, digits, spaces and _ . : / = + - @, e.g. "Project".',
      'costFilterTag.value "shop{prod}" must be a tag value: up to 256 letters, digits, spaces and _ . : / = + - @, e.g. "shop-prod".',
    ]);
  });

  it("rejects more than 10 addresses (AWS's limit per notification)", () => {
    const emails = Array.from({ length: 11 }, (_, i) => `ops${i}@example.com`);
    expect(problemsOf(() => synthBudget({ emails }))).toEqual(["emails has 11 addresses: AWS Budgets notifies at most 10 per notification; use a mailing list address for more."]);
  });

  it("rejects no addresses while the budget always exists, and no notification at all", () => {
    expect(problemsOf(() => synthBudget({ emails: [] }))).toEqual([
      'emails is empty: AWS requires a subscriber on every notification; give an address, or pass enabled (e.g. a Terraform condition "length(emails) > 0") to create the budget only with addresses.',
    ]);
    expect(problemsOf(() => synthBudget({ thresholdsPercent: [] }))).toEqual([
      "thresholdsPercent is empty and there is no forecastThresholdPercent: the budget would notify nobody; give at least one threshold, e.g. [100].",
    ]);
    expect(budgetOf(synthBudget({ thresholdsPercent: [], forecastThresholdPercent: 100 })).notification).toEqual([{ ...actual(100), notification_type: "FORECASTED" }]);
  });

  it.each([-5, Number.NaN])("rejects limitUsd %s", (limitUsd) => {
    expect(problemsOf(() => synthBudget({ limitUsd }))).toEqual([`limitUsd ${limitUsd} must be more than 0: the monthly budget in USD, e.g. 50.`]);
  });

  it("leaves Terraform values to Terraform: a token limit, thresholds and addresses pass validation", () => {
    const json = synthBudget((stack) => {
      const number = (name: string) => new TerraformVariable(stack, name, { type: "number" }).numberValue;
      return { limitUsd: number("limit"), thresholdsPercent: [number("t1"), number("t2")], emails: [new TerraformVariable(stack, "email", { type: "string" }).stringValue] };
    });
    expect(budgetOf(json).notification.map((n: any) => [n.threshold, n.subscriber_email_addresses])).toEqual([["${var.t1}", ["${var.email}"]], ["${var.t2}", ["${var.email}"]]]);
  });
});
