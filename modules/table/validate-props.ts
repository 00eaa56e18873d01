import { IConstruct } from "constructs";
import { isKnown, validateAll, ValidationRule } from "../core/index.js";
import { KEY_ATTRIBUTE_TYPES, KeyAttribute, MAX_GLOBAL_SECONDARY_INDEXES, ResolvedTableProps } from "./props.js";

/** Table and index names DynamoDB accepts. */
const NAME = /^[A-Za-z0-9_.-]{3,255}$/;
const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/;

/** True when the value is known and not a whole number >= 1. */
const notWholeFromOne = (value: number | undefined) => isKnown(value) && (!Number.isInteger(value) || value < 1);

/** Checks of one key attribute, named by where it sits (`hashKey`, `globalSecondaryIndexes["byEmail"].rangeKey`). */
function keyRules(at: string, key: KeyAttribute | undefined): ValidationRule[] {
  if (key === undefined) return [];
  return [
    {
      failed: isKnown(key.name) && (key.name.length < 1 || key.name.length > 255),
      message: `${at}.name "${key.name}" must be 1-255 characters: name the attribute, e.g. "pk".`,
    },
    {
      failed: !(KEY_ATTRIBUTE_TYPES as readonly string[]).includes(key.type),
      message: `${at}.type "${key.type}" is not a key type: use "S" (string), "N" (number) or "B" (binary).`,
    },
  ];
}

/** Checks what can be checked at synth; values that are Terraform tokens are left to Terraform and DynamoDB. */
export function validateTableProps(scope: IConstruct, props: ResolvedTableProps): void {
  const { name, billingMode, readCapacity, writeCapacity, globalSecondaryIndexes: indexes } = props;
  const provisioned = billingMode === "PROVISIONED";
  const indexNames = indexes.map((i) => i.name);
  const repeatedIndexNames = indexNames.filter((n, i) => indexNames.indexOf(n) !== i);

  // Every key attribute, table and indexes: one name must have one type (it is one attribute definition).
  const keys: [string, KeyAttribute][] = [
    ["hashKey", props.hashKey],
    ...(props.rangeKey ? [["rangeKey", props.rangeKey] as [string, KeyAttribute]] : []),
    ...indexes.flatMap((i) => [
      [`globalSecondaryIndexes["${i.name}"].hashKey`, i.hashKey] as [string, KeyAttribute],
      ...(i.rangeKey ? [[`globalSecondaryIndexes["${i.name}"].rangeKey`, i.rangeKey] as [string, KeyAttribute]] : []),
    ]),
  ];
  const typeConflicts = [...new Set(keys.map(([, k]) => k.name))].filter((n) => new Set(keys.filter(([, k]) => k.name === n).map(([, k]) => k.type)).size > 1);

  validateAll(scope, [
    {
      failed: isKnown(name) && !NAME.test(name),
      message: `name "${name}" must be 3-255 letters, digits, "_", "-" and ".", e.g. "orders-prod".`,
    },
    ...keyRules("hashKey", props.hashKey),
    ...keyRules("rangeKey", props.rangeKey),
    {
      failed: props.rangeKey !== undefined && props.rangeKey.name === props.hashKey.name,
      message: `rangeKey "${props.rangeKey?.name}" is the hashKey too: a sort key must be another attribute.`,
    },
    {
      failed: typeConflicts.length > 0,
      message: `key attributes ${typeConflicts.map((n) => `"${n}"`).join(", ")} are given different types: an attribute has one type in the table and every index.`,
    },
    { failed: provisioned && readCapacity === undefined, message: 'readCapacity is missing: billingMode "PROVISIONED" needs read and write capacity units, e.g. readCapacity: 5.' },
    { failed: provisioned && writeCapacity === undefined, message: 'writeCapacity is missing: billingMode "PROVISIONED" needs read and write capacity units, e.g. writeCapacity: 5.' },
    {
      failed: !provisioned && (readCapacity !== undefined || writeCapacity !== undefined || indexes.some((i) => i.readCapacity !== undefined || i.writeCapacity !== undefined)),
      message: 'readCapacity / writeCapacity are given on demand: they apply to billingMode "PROVISIONED" only; drop them or switch the billing mode.',
    },
    { failed: notWholeFromOne(readCapacity), message: `readCapacity ${readCapacity} must be a whole number of capacity units >= 1.` },
    { failed: notWholeFromOne(writeCapacity), message: `writeCapacity ${writeCapacity} must be a whole number of capacity units >= 1.` },
    {
      failed: isKnown(props.pointInTimeRecoveryDays) && (!Number.isInteger(props.pointInTimeRecoveryDays) || props.pointInTimeRecoveryDays < 1 || props.pointInTimeRecoveryDays > 35),
      message: `pointInTimeRecoveryDays ${props.pointInTimeRecoveryDays} must be a whole number of days from 1 to 35.`,
    },
    {
      failed: props.pointInTimeRecovery === false && props.pointInTimeRecoveryDays !== undefined,
      message: "pointInTimeRecoveryDays is given with pointInTimeRecovery off: drop it, or turn recovery on.",
    },
    {
      failed: isKnown(props.ttlAttribute) && (props.ttlAttribute.length < 1 || props.ttlAttribute.length > 255),
      message: `ttlAttribute "${props.ttlAttribute}" must be an attribute name of 1-255 characters, e.g. "expiresAt".`,
    },
    {
      failed: isKnown(props.kmsKeyArn) && !KMS_KEY_ARN.test(props.kmsKeyArn),
      message: `kmsKeyArn "${props.kmsKeyArn}" is not a KMS key ARN: use arn:aws:kms:<region>:<account>:key/<key id>, not an alias or a bare key id.`,
    },
    { failed: isKnown(props.costedSizeGiB) && !(props.costedSizeGiB >= 0), message: `costedSizeGiB ${props.costedSizeGiB} must be a number of GiB >= 0.` },
    {
      failed: indexes.length > MAX_GLOBAL_SECONDARY_INDEXES,
      message: `globalSecondaryIndexes has ${indexes.length} indexes: a table has at most ${MAX_GLOBAL_SECONDARY_INDEXES}.`,
    },
    { failed: repeatedIndexNames.length > 0, message: `globalSecondaryIndexes names must be unique; repeated: ${[...new Set(repeatedIndexNames)].join(", ")}.` },
    ...indexes.flatMap((i) => {
      const at = `globalSecondaryIndexes["${i.name}"]`;
      const include = i.projection === "INCLUDE";
      return [
        { failed: isKnown(i.name) && !NAME.test(i.name), message: `${at} name must be 3-255 letters, digits, "_", "-" and ".", e.g. "by-email".` },
        ...keyRules(`${at}.hashKey`, i.hashKey),
        ...keyRules(`${at}.rangeKey`, i.rangeKey),
        {
          failed: i.rangeKey !== undefined && i.rangeKey.name === i.hashKey.name,
          message: `${at}.rangeKey "${i.rangeKey?.name}" is its hashKey too: a sort key must be another attribute.`,
        },
        {
          failed: include && (i.nonKeyAttributes === undefined || i.nonKeyAttributes.length === 0),
          message: `${at} projects "INCLUDE" without nonKeyAttributes: list the attributes to copy, or use "ALL" or "KEYS_ONLY".`,
        },
        {
          failed: !include && i.nonKeyAttributes !== undefined,
          message: `${at}.nonKeyAttributes apply to projection "INCLUDE" only: drop them or set projection: "INCLUDE".`,
        },
        { failed: notWholeFromOne(i.readCapacity), message: `${at}.readCapacity ${i.readCapacity} must be a whole number of capacity units >= 1.` },
        { failed: notWholeFromOne(i.writeCapacity), message: `${at}.writeCapacity ${i.writeCapacity} must be a whole number of capacity units >= 1.` },
      ];
    }),
  ]);
}
