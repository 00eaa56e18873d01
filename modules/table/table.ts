import { Construct } from "constructs";
import { Fn, Op, Token } from "cdktf";
// Provider docs: https://registry.terraform.io/providers/hashicorp/aws/6.25.0/docs/resources/dynamodb_table
import { DynamodbTable, DynamodbTableAttribute } from "@cdktf/provider-aws/lib/dynamodb-table";
import { isKnown, pascalCase, Switch } from "../core/index.js";
import { CostEstimate, costKey, HOURS_PER_MONTH } from "../cost-estimate/index.js";
import {
  DEFAULT_PROJECTION, DYNAMODB_PITR_USD_PER_GIB_MONTH, DYNAMODB_RCU_USD_PER_HOUR, DYNAMODB_STORAGE_USD_PER_GIB_MONTH, DYNAMODB_WCU_USD_PER_HOUR,
  KeyAttribute, ResolvedTableProps, TableProps, withDefaults,
} from "./props.js";
import { validateTableProps } from "./validate-props.js";

/** One IAM policy statement, in the JSON shape of a policy document (for `Fn.jsonencode`). */
export interface TablePolicyStatement {
  readonly Sid: string;
  readonly Effect: "Allow";
  readonly Action: string[];
  readonly Resource: string[];
  readonly Condition?: Record<string, Record<string, string[]>>;
}

/** Access a role gets from {@link Table.policyStatements}. */
export type TableAccess = "read" | "read-write";

const READ_ACTIONS = ["dynamodb:GetItem", "dynamodb:Query", "dynamodb:Scan", "dynamodb:BatchGetItem", "dynamodb:DescribeTable"];
const WRITE_ACTIONS = ["dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem", "dynamodb:ConditionCheckItem"];

/** `value` × `factor`: a number when both are known at synth, a Terraform expression otherwise. */
function times(value: number, factor: number): number {
  return isKnown(value) && isKnown(factor) ? value * factor : Token.asNumber(Op.mul(value, factor));
}

/** The sum: a number when every term is known at synth, `sum([...])` otherwise. */
function total(values: readonly number[]): number {
  return values.every((v) => isKnown(v)) ? values.reduce((a, b) => a + b, 0) : Token.asNumber(Fn.sum([...values]));
}

/** `usd` while the switch is on, 0 while it is off. */
function whenOn(on: Switch, usd: number): number {
  if (typeof on === "boolean") return on ? usd : 0;
  return Token.asNumber(Fn.conditional(on, usd, 0));
}

/** The attribute definitions of every key attribute of the table and its indexes, each name once. */
function attributesOf(p: ResolvedTableProps): DynamodbTableAttribute[] {
  const keys: KeyAttribute[] = [p.hashKey, ...(p.rangeKey ? [p.rangeKey] : [])];
  for (const index of p.globalSecondaryIndexes) keys.push(index.hashKey, ...(index.rangeKey ? [index.rangeKey] : []));
  const seen = new Set<string>();
  return keys.filter((k) => !seen.has(k.name) && seen.add(k.name)).map((k) => ({ name: k.name, type: k.type }));
}

/**
 * A DynamoDB table, on demand by default, with point-in-time recovery and deletion protection on. DynamoDB always
 * encrypts at rest: with the AWS owned key by default, or with `kmsKeyArn`. Only key attributes are declared
 * (DynamoDB is schemaless otherwise); global secondary indexes are keyed by name, each projecting all attributes
 * unless told otherwise. Access is granted by the caller: attach {@link policyStatements} to a role.
 */
export class Table extends Construct {
  readonly table: DynamodbTable;
  /** Table name. */
  readonly tableName: string;
  /** Table ARN. */
  readonly arn: string;
  /** The stream's ARN, with streamViewType (undefined without a stream). */
  readonly streamArn?: string;
  private readonly kmsKeyArn?: string;

  constructor(scope: Construct, id: string, props: TableProps) {
    super(scope, id);
    const p = withDefaults(props);
    validateTableProps(this, p);
    this.kmsKeyArn = p.kmsKeyArn;
    const provisioned = p.billingMode === "PROVISIONED";

    this.table = new DynamodbTable(this, "Resource", {
      name: p.name,
      billingMode: p.billingMode,
      hashKey: p.hashKey.name,
      rangeKey: p.rangeKey?.name,
      attribute: attributesOf(p),
      readCapacity: provisioned ? p.readCapacity : undefined,
      writeCapacity: provisioned ? p.writeCapacity : undefined,
      globalSecondaryIndex: p.globalSecondaryIndexes.length === 0 ? undefined : p.globalSecondaryIndexes.map((i) => ({
        name: i.name,
        hashKey: i.hashKey.name,
        rangeKey: i.rangeKey?.name,
        projectionType: i.projection ?? DEFAULT_PROJECTION,
        nonKeyAttributes: i.nonKeyAttributes ? [...i.nonKeyAttributes] : undefined,
        readCapacity: provisioned ? (i.readCapacity ?? p.readCapacity) : undefined,
        writeCapacity: provisioned ? (i.writeCapacity ?? p.writeCapacity) : undefined,
      })),
      pointInTimeRecovery: {
        enabled: p.pointInTimeRecovery,
        // Left out, AWS keeps its default (35 days) and reports it; given, it is applied while recovery is on.
        recoveryPeriodInDays: p.pointInTimeRecoveryDays,
      },
      deletionProtectionEnabled: p.deletionProtection,
      // No ttl block without an attribute: the provider reads an absent block as "disabled", which it is.
      ttl: p.ttlAttribute === undefined ? undefined : { attributeName: p.ttlAttribute, enabled: true },
      // Left out, DynamoDB encrypts with the AWS owned key; `enabled: true` without a key would pick the AWS managed
      // key (aws/dynamodb, KMS charges), which this module does not offer.
      serverSideEncryption: p.kmsKeyArn === undefined ? undefined : { enabled: true, kmsKeyArn: p.kmsKeyArn },
      streamEnabled: p.streamViewType === undefined ? undefined : true,
      streamViewType: p.streamViewType,
      tags: { ...p.tags },
    });
    this.tableName = this.table.name;
    this.arn = this.table.arn;
    if (p.streamViewType !== undefined) this.streamArn = this.table.streamArn;

    this.addCostItems(p);
  }

  private addCostItems(p: ResolvedTableProps): void {
    const estimate = CostEstimate.of(this);
    if (p.costedSizeGiB !== undefined) {
      estimate.add({
        key: costKey(this, "storage"),
        usd: times(p.costedSizeGiB, DYNAMODB_STORAGE_USD_PER_GIB_MONTH),
        description: "DynamoDB storage, Standard table class (on-demand requests not counted)",
      });
      if (p.pointInTimeRecovery !== false) {
        estimate.add({
          key: costKey(this, "pitr"),
          usd: whenOn(p.pointInTimeRecovery, times(p.costedSizeGiB, DYNAMODB_PITR_USD_PER_GIB_MONTH)),
          description: "DynamoDB point-in-time recovery, by table size (only while it is on)",
        });
      }
    }
    if (p.billingMode === "PROVISIONED") {
      const reads = [p.readCapacity!, ...p.globalSecondaryIndexes.map((i) => i.readCapacity ?? p.readCapacity!)];
      const writes = [p.writeCapacity!, ...p.globalSecondaryIndexes.map((i) => i.writeCapacity ?? p.writeCapacity!)];
      estimate.add({
        key: costKey(this, "capacity"),
        usd: total([
          times(total(reads), DYNAMODB_RCU_USD_PER_HOUR * HOURS_PER_MONTH),
          times(total(writes), DYNAMODB_WCU_USD_PER_HOUR * HOURS_PER_MONTH),
        ]),
        description: "DynamoDB provisioned read and write capacity of the table and its indexes (no auto scaling)",
      });
    }
  }

  /**
   * IAM statements giving a role access to the table's items and its indexes, for the caller to attach (e.g. in an
   * `aws_iam_role_policy` with `Fn.jsonencode({ Version: "2012-10-17", Statement: table.policyStatements("read") })`).
   * With kmsKeyArn, the statements include the key's use through DynamoDB.
   * @param access "read": GetItem, Query, Scan, BatchGetItem and DescribeTable; "read-write": also PutItem,
   *   UpdateItem, DeleteItem, BatchWriteItem and ConditionCheckItem
   */
  policyStatements(access: TableAccess): TablePolicyStatement[] {
    const sid = pascalCase(this.node.id);
    const write = access === "read-write";
    const statements: TablePolicyStatement[] = [
      {
        Sid: write ? `${sid}ReadWriteItems` : `${sid}ReadItems`,
        Effect: "Allow",
        Action: write ? [...READ_ACTIONS, ...WRITE_ACTIONS] : [...READ_ACTIONS],
        // Query and Scan on an index are authorized against the index's ARN, not the table's.
        Resource: [this.arn, `${this.arn}/index/*`],
      },
    ];
    if (this.kmsKeyArn !== undefined) {
      statements.push({
        Sid: `${sid}UseKey`,
        Effect: "Allow",
        // As aws-cdk's Table grants, without their wildcard actions (ReEncrypt*, GenerateDataKey*).
        Action: write ? ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey"] : ["kms:Decrypt", "kms:DescribeKey"],
        Resource: [this.kmsKeyArn],
        // Only through DynamoDB, in whichever region the table is.
        Condition: { StringLike: { "kms:ViaService": ["dynamodb.*.amazonaws.com"] } },
      });
    }
    return statements;
  }
}
