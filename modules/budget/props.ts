import { applyDefaults, Switch } from "../core/index.js";

/** A cost allocation tag: the budget counts only the costs of resources carrying it. */
export interface CostFilterTag {
  /** Tag key, e.g. "Project": 1-128 letters, digits, spaces and `_ . : / = + - @`. */
  readonly key: string;
  /** Tag value, e.g. "shop-prod": up to 256 letters, digits, spaces and `_ . : / = + - @`. */
  readonly value: string;
}

export interface BudgetProps {
  /** Budget name, unique in the account: 1-100 characters, no ":" or "\\". */
  readonly name: string;
  /** The monthly budget in USD, more than 0 (a Terraform number is fine). */
  readonly limitUsd: number;
  /**
   * E-mail addresses notified at each threshold, at most 10 (AWS's limit per notification); a Terraform list is fine.
   * AWS requires a subscriber on every notification: with an empty list, switch the budget off with `enabled`.
   */
  readonly emails: string[];
  /**
   * Percentages of limitUsd that, once the month's ACTUAL spend goes over them, send a notification each
   * (1-1000, unique).
   * @default [80, 100]
   */
  readonly thresholdsPercent?: readonly number[];
  /**
   * A percentage of limitUsd (1-1000) that sends a notification when AWS FORECASTS the month's spend to go over it
   * (AWS needs about five weeks of usage data before it forecasts).
   * @default - no forecast notification
   */
  readonly forecastThresholdPercent?: number;
  /**
   * Only the costs of resources with this tag count (cost filter "TagKeyValue", `user:<key>$<value>`). The tag must
   * be ACTIVATED as a cost allocation tag (Billing and Cost Management console, Cost allocation tags; it shows there
   * up to 24 hours after a resource first carries it): until it is, the budget sees no cost at all and never notifies.
   * Activation applies from then on, not to earlier costs.
   * @default - the whole account's costs
   */
  readonly costFilterTag?: CostFilterTag;
  /**
   * Whether the budget exists; a Terraform boolean makes it `count`. AWS requires a subscriber on every notification,
   * so pass e.g. `length(var.budget_emails) > 0` when the addresses come from a variable that may be empty.
   * @default true
   */
  readonly enabled?: Switch;
}

/** Defaults, applied in one place. */
export const BUDGET_DEFAULTS = {
  thresholdsPercent: [80, 100] as readonly number[],
  enabled: true as Switch,
};

/** Props with every default applied. */
export type ResolvedBudgetProps = BudgetProps & Required<Pick<BudgetProps, keyof typeof BUDGET_DEFAULTS>>;

export function withDefaults(props: BudgetProps): ResolvedBudgetProps {
  return applyDefaults(props, BUDGET_DEFAULTS);
}

/** E-mail subscribers AWS Budgets accepts per notification. */
export const MAX_BUDGET_EMAILS = 10;
/** The range of a notification's threshold in percent of the budget. */
export const MIN_THRESHOLD_PERCENT = 1;
export const MAX_THRESHOLD_PERCENT = 1000;
