import { Construct, IConstruct } from "constructs";
import { Fn, Lazy, Op, TerraformOutput, TerraformStack, Token } from "cdktf";
import { validateAll } from "../core/index.js";
import { CostItem } from "./props.js";
import { HOURLY_PRICE_USD, HOURS_PER_MONTH } from "./price-table.js";

const KEY = /^[a-z0-9][a-z0-9_-]*$/;
const ID = "cost_estimate";

/**
 * The key of a module's cost item: the construct's id (lower case; other characters than letters, digits, _ and -
 * become -) and what the item is, e.g. `alerts-key`. Keys are unique per stack because construct ids are unique
 * among siblings.
 */
export function costKey(scope: IConstruct, item: string): string {
  return `${scope.node.id.toLowerCase().replace(/[^a-z0-9_-]+/g, "-")}-${item}`;
}

/** Terraform expression: the instance type's monthly on-demand price (fails when the table has no price for it). */
export function monthlyInstancePrice(instanceType: string): number {
  return Token.asNumber(Op.mul(HOURS_PER_MONTH, Fn.lookup(HOURLY_PRICE_USD, instanceType)));
}

/**
 * A stack's monthly cost estimate. There is one per stack, found (or created) with {@link CostEstimate.of};
 * every module that costs money adds its items, and the stack writes two outputs: `estimated_monthly_cost_usd`
 * (the sum, two decimals) and `cost_breakdown` (each item). Items whose price is unknown (an instance type
 * missing from the price table) show as "unknown", and so does the total: an unusual choice never breaks a plan.
 */
export class CostEstimate extends Construct {
  /** The stack's estimate, created on first use. */
  static of(scope: IConstruct): CostEstimate {
    const stack = TerraformStack.of(scope);
    return (stack.node.tryFindChild(ID) as CostEstimate | undefined) ?? new CostEstimate(stack, ID);
  }

  private readonly items: CostItem[] = [];

  private constructor(scope: Construct, id: string) {
    super(scope, id);
  }

  /** Adds items to the estimate; a key that is malformed or already taken stops synth. */
  add(...items: CostItem[]): void {
    const taken = new Set(this.items.map((i) => i.key));
    validateAll(this, items.flatMap((i) => [
      { failed: !KEY.test(i.key), message: `cost item key "${i.key}" must be lower-case letters, digits, dashes and underscores.` },
      { failed: taken.has(i.key) || items.filter((j) => j.key === i.key).length > 1, message: `cost item key "${i.key}" is already in this stack's estimate: keys must be unique per stack.` },
    ]));
    this.items.push(...items);
  }

  /**
   * Writes the two outputs. Called by the stack once every module has added its items.
   * @param scope where the outputs go (the stack)
   * @param summary what the estimate covers and leaves out, for the total's description
   */
  writeOutputs(scope: Construct, summary: string): void {
    const total = new TerraformOutput(scope, "output_estimated_monthly_cost_usd", {
      value: Lazy.stringValue({ produce: () => this.totalExpression() }),
      description: `Estimated monthly cost in USD (us-east-1 list prices): ${summary}`,
    });
    total.overrideLogicalId("estimated_monthly_cost_usd");
    const breakdown = new TerraformOutput(scope, "output_cost_breakdown", {
      value: Lazy.anyValue({ produce: () => Object.fromEntries(this.items.map((i) => [i.key, formatUsd(i.usd)])) }),
      description: "Estimated monthly cost in USD per item (us-east-1 list prices), as strings with two decimals.",
    });
    breakdown.overrideLogicalId("cost_breakdown");
  }

  private totalExpression(): string {
    // sum([...]), not nested Op.add: cdktf does not parenthesize a conditional operand of `+`.
    return Fn.try([Fn.format("%.2f", [Fn.sum(this.items.map((i) => i.usd))]), "unknown: an item has no list price (see cost_breakdown)"]);
  }
}

function formatUsd(usd: number): string {
  return Fn.try([Fn.format("%.2f", [usd]), "unknown"]);
}
