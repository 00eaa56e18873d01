import { IConstruct } from "constructs";
import { isKnown, validateAll, ValidationRule } from "../core/index.js";
import { ResolvedBackupPlanProps, SUPPORTED_VAULT_EVENTS } from "./props.js";

const NAME = /^[A-Za-z0-9_-]{1,30}$/;
const VAULT_NAME = /^[A-Za-z0-9_-]{2,50}$/;
const RULE_NAME = /^[A-Za-z0-9._-]{1,50}$/;
/** AWS cron: six space-separated fields (minutes hours day-of-month month day-of-week year). */
const CRON = /^cron\(\S+( \S+){5}\)$/;

const notWhole = (value: number | undefined, min: number) => isKnown(value) && (!Number.isInteger(value) || value < min);
const blank = (value: string) => isKnown(value) && value.trim() === "";

/** Checks what can be checked at synth (values that are Terraform tokens are left to AWS), reporting every problem at once. */
export function validateBackupPlanProps(scope: IConstruct, props: ResolvedBackupPlanProps): void {
  const names = props.rules.map((r) => r.name);
  const repeated = names.filter((n, i) => names.indexOf(n) !== i);
  const tag = props.selectionTag;
  const arns = props.resourceArns;
  const events = props.notifyEvents;
  validateAll(scope, [
    {
      failed: isKnown(props.name) && !NAME.test(props.name),
      message: `name "${props.name}" must be 1-30 letters, digits, dashes and underscores (it names the vault, the plan, the selection and the role prefix).`,
    },
    {
      failed: isKnown(props.vaultName) && !VAULT_NAME.test(props.vaultName),
      message: `vaultName "${props.vaultName}" must be 2-50 letters, digits, dashes and underscores.`,
    },
    { failed: props.rules.length === 0, message: "rules is empty: give at least one rule, e.g. [{ name: \"daily\" }], or leave rules out for the daily default." },
    { failed: repeated.length > 0, message: `rules names must be unique in the plan; repeated: ${[...new Set(repeated)].join(", ")}.` },
    ...props.rules.flatMap((r): ValidationRule[] => {
      const at = `rules["${r.name}"]`;
      const cold = r.coldStorageAfterDays;
      return [
        { failed: !RULE_NAME.test(r.name), message: `${at}.name must be 1-50 letters, digits, dashes, underscores and dots.` },
        {
          failed: isKnown(r.schedule) && !CRON.test(r.schedule),
          message: `${at}.schedule "${r.schedule}" must be an AWS cron expression with six fields, e.g. "cron(0 5 ? * * *)" for 05:00 UTC daily.`,
        },
        { failed: notWhole(r.deleteAfterDays, 1), message: `${at}.deleteAfterDays ${r.deleteAfterDays} must be a whole number of days, at least 1.` },
        { failed: notWhole(cold, 1), message: `${at}.coldStorageAfterDays ${cold} must be a whole number of days, at least 1 (or leave it out for no cold storage).` },
        {
          failed: isKnown(cold) && !notWhole(cold, 1) && isKnown(r.deleteAfterDays) && r.deleteAfterDays < cold + 90,
          message: `${at}.deleteAfterDays ${r.deleteAfterDays} must be at least coldStorageAfterDays + 90 (${isKnown(cold) ? cold + 90 : "?"}): AWS keeps cold recovery points for at least 90 days.`,
        },
        { failed: notWhole(r.startWindowMinutes, 60), message: `${at}.startWindowMinutes ${r.startWindowMinutes} must be a whole number of minutes, at least 60.` },
        {
          failed: isKnown(r.completionWindowMinutes) && (!Number.isInteger(r.completionWindowMinutes) || (isKnown(r.startWindowMinutes) && r.completionWindowMinutes <= r.startWindowMinutes)),
          message: `${at}.completionWindowMinutes ${r.completionWindowMinutes} must be a whole number of minutes greater than startWindowMinutes ${r.startWindowMinutes}.`,
        },
      ];
    }),
    {
      failed: tag === undefined && arns.length === 0,
      message: "nothing is selected: give selectionTag ({ key, value } that the resources to back up carry) or resourceArns.",
    },
    { failed: tag !== undefined && blank(tag.key), message: "selectionTag.key is empty: give the tag key the resources to back up carry." },
    { failed: tag !== undefined && blank(tag.value), message: `selectionTag.value is empty: give the value of tag "${tag?.key}" the resources to back up carry.` },
    ...arns.map((arn, i) => ({ failed: isKnown(arn) && !arn.startsWith("arn:"), message: `resourceArns[${i}] "${arn}" is not an ARN: use e.g. "arn:aws:ec2:us-east-1:123456789012:volume/vol-0123456789abcdef0".` })),
    { failed: events.length === 0, message: "notifyEvents is empty: list at least one event, or leave notifyTopicArn out for no notifications." },
    ...events.map((e) => ({
      failed: isKnown(e) && !SUPPORTED_VAULT_EVENTS.includes(e),
      message: `notifyEvents "${e}" is not an event AWS Backup sends (deprecated or unknown): use ${SUPPORTED_VAULT_EVENTS.join(", ")}; BACKUP_JOB_COMPLETED reports failures too.`,
    })),
    { failed: isKnown(props.costedSizeGiB) && !(props.costedSizeGiB >= 0), message: `costedSizeGiB ${props.costedSizeGiB} must be a size in GiB, 0 or more.` },
  ]);
}
