import { IConstruct } from "constructs";
import { isKnown, validateAll, ValidationRule } from "../core/index.js";
import { MAX_KEEP_IMAGES, ResolvedContainerRegistryProps } from "./props.js";

const KEY = /^[a-z0-9]+(-[a-z0-9]+)*$/;
/** Repository names ECR accepts (its API's pattern), 2-256 characters. */
const REPOSITORY_NAME = /^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/;
const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(key|alias)\/\S+$/;
const MUTABILITY = ["IMMUTABLE", "MUTABLE"];

const notWholeIn = (n: number, min: number, max: number) => isKnown(n) && !(Number.isInteger(n) && n >= min && n <= max);

/** Checks what can be checked at synth, reporting every problem at once; Terraform tokens are left to Terraform. */
export function validateContainerRegistryProps(scope: IConstruct, p: ResolvedContainerRegistryProps): void {
  const entries = Object.entries(p.repositories);
  const names = entries.map(([, r]) => r.name).filter((n) => isKnown(n));
  const repeated = [...new Set(names.filter((n, i) => names.indexOf(n) !== i))];
  validateAll(scope, [
    { failed: entries.length === 0, message: "repositories is empty: define at least one, e.g. { api: { name: \"shop/api\" } }." },
    ...entries.flatMap(([key, r]): ValidationRule[] => [
      { failed: !KEY.test(key), message: `repositories key "${key}" must be lower-case letters, digits and hyphens.` },
      {
        failed: isKnown(r.name) && !(r.name.length >= 2 && r.name.length <= 256 && REPOSITORY_NAME.test(r.name)),
        message: `repositories["${key}"].name "${r.name}" is not an ECR repository name: 2-256 lower-case letters and digits, separated by ".", "_", "-" or "/" (namespaces), e.g. "shop/api".`,
      },
    ]),
    { failed: repeated.length > 0, message: `repositories names must be unique; repeated: ${repeated.join(", ")}.` },
    {
      failed: !MUTABILITY.includes(p.imageTagMutability),
      message: `imageTagMutability "${p.imageTagMutability}" must be "IMMUTABLE" or "MUTABLE".`,
    },
    { failed: notWholeIn(p.keepImages, 1, MAX_KEEP_IMAGES), message: `keepImages ${p.keepImages} must be a whole number of images from 1 to ${MAX_KEEP_IMAGES}, e.g. 20.` },
    { failed: notWholeIn(p.untaggedExpiryDays, 1, Number.MAX_SAFE_INTEGER), message: `untaggedExpiryDays ${p.untaggedExpiryDays} must be a whole number of days >= 1, e.g. 7.` },
    {
      failed: isKnown(p.kmsKeyArn) && !KMS_KEY_ARN.test(p.kmsKeyArn),
      message: `kmsKeyArn "${p.kmsKeyArn}" must be a KMS key ARN, arn:aws:kms:<region>:<account>:key/<id>; leave it out for AES256.`,
    },
  ]);
}
