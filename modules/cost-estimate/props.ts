/** One line of a stack's monthly cost estimate. */
export interface CostItem {
  /** Stable key, shown in the `cost_breakdown` output (lower-case letters, digits, dashes and underscores; unique per stack). */
  readonly key: string;
  /**
   * Monthly USD: a number, or a Terraform number expression (e.g. an hourly price looked up by a variable
   * instance type). An expression that fails (no list price) makes the item, and the total, "unknown".
   */
  readonly usd: number;
  /** What the item covers, for the output's description. */
  readonly description: string;
}
