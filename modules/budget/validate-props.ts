import { IConstruct } from "constructs";
import { isKnown, validateAll, ValidationRule } from "../core/index.js";
import { MAX_BUDGET_EMAILS, MAX_THRESHOLD_PERCENT, MIN_THRESHOLD_PERCENT, ResolvedBudgetProps } from "./props.js";

/** Budget names AWS accepts: 1-100 characters without ":" and "\". */
const NAME = /^[^:\\]{1,100}$/;
/** Good enough to catch a name or a typo where an address belongs. */
const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s.]+$/;
/** Characters AWS allows in tag keys and values. */
const TAG_KEY = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,128}$/u;
const TAG_VALUE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{0,256}$/u;

const outOfRange = (percent: number) => isKnown(percent) && !(Number.isFinite(percent) && percent >= MIN_THRESHOLD_PERCENT && percent <= MAX_THRESHOLD_PERCENT);

/** Checks what can be checked at synth, reporting every problem at once; Terraform tokens are left to Terraform. */
export function validateBudgetProps(scope: IConstruct, p: ResolvedBudgetProps): void {
  const thresholds = p.thresholdsPercent;
  const knownThresholds = thresholds.filter((t) => isKnown(t));
  const repeated = [...new Set(knownThresholds.filter((t, i) => knownThresholds.indexOf(t) !== i))];
  // A list that is a token as a whole is Terraform's; a literal list is checked entry by entry.
  const emails = isKnown(p.emails) ? p.emails : undefined;
  const tag = p.costFilterTag;
  validateAll(scope, [
    { failed: isKnown(p.name) && !NAME.test(p.name), message: `name "${p.name}" must be 1-100 characters without ":" or "\\", e.g. "shop-prod-monthly".` },
    // Written as "not more than 0" so that NaN fails too.
    { failed: isKnown(p.limitUsd) && !(p.limitUsd > 0), message: `limitUsd ${p.limitUsd} must be more than 0: the monthly budget in USD, e.g. 50.` },
    ...thresholds.map((t): ValidationRule => ({
      failed: outOfRange(t),
      message: `thresholdsPercent ${t} is out of range: use a percentage of limitUsd from ${MIN_THRESHOLD_PERCENT} to ${MAX_THRESHOLD_PERCENT}, e.g. 80.`,
    })),
    { failed: repeated.length > 0, message: `thresholdsPercent must be unique (AWS rejects two equal notifications); repeated: ${repeated.join(", ")}.` },
    {
      failed: thresholds.length === 0 && p.forecastThresholdPercent === undefined,
      message: "thresholdsPercent is empty and there is no forecastThresholdPercent: the budget would notify nobody; give at least one threshold, e.g. [100].",
    },
    {
      failed: p.forecastThresholdPercent !== undefined && outOfRange(p.forecastThresholdPercent),
      message: `forecastThresholdPercent ${p.forecastThresholdPercent} is out of range: use a percentage of limitUsd from ${MIN_THRESHOLD_PERCENT} to ${MAX_THRESHOLD_PERCENT}, e.g. 100.`,
    },
    {
      failed: emails !== undefined && emails.length === 0 && p.enabled === true,
      message: 'emails is empty: AWS requires a subscriber on every notification; give an address, or pass enabled (e.g. a Terraform condition "length(emails) > 0") to create the budget only with addresses.',
    },
    {
      failed: emails !== undefined && emails.length > MAX_BUDGET_EMAILS,
      message: `emails has ${emails?.length} addresses: AWS Budgets notifies at most ${MAX_BUDGET_EMAILS} per notification; use a mailing list address for more.`,
    },
    ...(emails ?? []).map((e): ValidationRule => ({
      failed: isKnown(e) && !EMAIL.test(e),
      message: `emails entry "${e}" is not an e-mail address: use e.g. "ops@example.com".`,
    })),
    ...(tag === undefined
      ? []
      : [
          {
            failed: isKnown(tag.key) && !TAG_KEY.test(tag.key),
            message: `costFilterTag.key "${tag.key}" must be a tag key: 1-128 letters, digits, spaces and _ . : / = + - @, e.g. "Project".`,
          },
          {
            failed: isKnown(tag.value) && !TAG_VALUE.test(tag.value),
            message: `costFilterTag.value "${tag.value}" must be a tag value: up to 256 letters, digits, spaces and _ . : / = + - @, e.g. "shop-prod".`,
          },
        ]),
  ]);
}
