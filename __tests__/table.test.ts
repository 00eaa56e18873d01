// Table on a bare stack: the DynamoDB table it creates, every prop and default, the statements helper, the cost
// items, the validation.
import { TerraformOutput, TerraformStack, TerraformVariable } from "cdktf";
import { CostEstimate } from "../modules/cost-estimate/index.js";
import {
  DYNAMODB_PITR_USD_PER_GIB_MONTH, DYNAMODB_RCU_USD_PER_HOUR, DYNAMODB_STORAGE_USD_PER_GIB_MONTH, DYNAMODB_WCU_USD_PER_HOUR, Table, TableProps,
} from "../modules/table/index.js";
import { onlyResource, resourcesOf, synthStack, TfJson } from "./support/synth.js";
import { bareStack, problemsOf } from "./support/bare-stack.js";

const KEY_ARN = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const BASE: TableProps = { name: "orders-prod", hashKey: { name: "pk", type: "S" } };

/** The stack with one table `orders` (BASE plus `props`, built by `build` when props need the stack), and its cost outputs. */
function synthTable(props: Partial<TableProps> | ((stack: TerraformStack) => Partial<TableProps>) = {}): { json: TfJson; table: Table } {
  const stack = bareStack();
  const table = new Table(stack, "orders", { ...BASE, ...(typeof props === "function" ? props(stack) : props) });
  CostEstimate.of(stack).writeOutputs(stack, "test");
  return { json: synthStack(stack), table };
}

const tableOf = (json: TfJson) => onlyResource(json, "aws_dynamodb_table");
const costs = (json: TfJson) => json.output.cost_breakdown.value;
const usd = (expression: string | number) => `\${try(format("%.2f", ${expression}), "unknown")}`;

describe("Table with defaults", () => {
  const { json, table } = synthTable();

  it("creates one table with the construct id as its address", () => {
    expect(Object.keys(json.resource)).toEqual(["aws_dynamodb_table"]);
    expect(resourcesOf(json, "aws_dynamodb_table")[0]![0]).toMatch(/^orders_[0-9A-F]{8}$/);
  });

  it("is on demand with point-in-time recovery and deletion protection on, the AWS owned key, no TTL and no stream", () => {
    expect(tableOf(json)).toEqual({
      name: "orders-prod",
      billing_mode: "PAY_PER_REQUEST",
      hash_key: "pk",
      attribute: [{ name: "pk", type: "S" }],
      point_in_time_recovery: { enabled: true },
      deletion_protection_enabled: true,
      tags: {},
    });
  });

  it("exposes the table's name and ARN as references, and no stream", () => {
    const id = resourcesOf(json, "aws_dynamodb_table")[0]![0];
    const stack = bareStack();
    const t = new Table(stack, "orders", BASE);
    new TerraformOutput(stack, "name", { value: t.tableName });
    new TerraformOutput(stack, "arn", { value: t.arn });
    const out = synthStack(stack).output;
    expect([out.name.value, out.arn.value]).toEqual([`\${aws_dynamodb_table.${id}.name}`, `\${aws_dynamodb_table.${id}.arn}`]);
    expect(table.streamArn).toBeUndefined();
  });

  it("adds no cost item: on-demand requests have no fixed price", () => {
    expect(costs(json)).toEqual({});
  });
});

describe("Table keys and indexes", () => {
  it("declares the sort key and every index key once, with the projection ALL by default", () => {
    const { json } = synthTable({
      rangeKey: { name: "sk", type: "S" },
      globalSecondaryIndexes: [
        { name: "by-email", hashKey: { name: "email", type: "S" } },
        { name: "by-day", hashKey: { name: "day", type: "S" }, rangeKey: { name: "sk", type: "S" }, projection: "KEYS_ONLY" },
        { name: "by-total", hashKey: { name: "pk", type: "S" }, rangeKey: { name: "total", type: "N" }, projection: "INCLUDE", nonKeyAttributes: ["status", "currency"] },
      ],
    });
    const table = tableOf(json);
    expect(table).toMatchObject({ hash_key: "pk", range_key: "sk" });
    expect(table.attribute).toEqual([
      { name: "pk", type: "S" },
      { name: "sk", type: "S" },
      { name: "email", type: "S" },
      { name: "day", type: "S" },
      { name: "total", type: "N" },
    ]);
    expect(table.global_secondary_index).toEqual([
      { name: "by-email", hash_key: "email", projection_type: "ALL" },
      { name: "by-day", hash_key: "day", range_key: "sk", projection_type: "KEYS_ONLY" },
      { name: "by-total", hash_key: "pk", range_key: "total", projection_type: "INCLUDE", non_key_attributes: ["status", "currency"] },
    ]);
  });
});

describe("Table options", () => {
  it("provisions capacity on the table and its indexes, an index's own capacity first", () => {
    const { json } = synthTable({
      billingMode: "PROVISIONED",
      readCapacity: 5,
      writeCapacity: 2,
      globalSecondaryIndexes: [
        { name: "by-email", hashKey: { name: "email", type: "S" } },
        { name: "by-day", hashKey: { name: "day", type: "S" }, readCapacity: 10, writeCapacity: 1 },
      ],
    });
    const table = tableOf(json);
    expect(table).toMatchObject({ billing_mode: "PROVISIONED", read_capacity: 5, write_capacity: 2 });
    expect(table.global_secondary_index.map((i: { read_capacity: number; write_capacity: number }) => [i.read_capacity, i.write_capacity])).toEqual([[5, 2], [10, 1]]);
  });

  it("turns point-in-time recovery off, or sets its period", () => {
    expect(tableOf(synthTable({ pointInTimeRecovery: false }).json).point_in_time_recovery).toEqual({ enabled: false });
    expect(tableOf(synthTable({ pointInTimeRecoveryDays: 7 }).json).point_in_time_recovery).toEqual({ enabled: true, recovery_period_in_days: 7 });
  });

  it("switches point-in-time recovery and deletion protection with Terraform booleans", () => {
    const { json } = synthTable((s) => ({
      pointInTimeRecovery: new TerraformVariable(s, "pitr", { type: "bool" }).booleanValue,
      deletionProtection: new TerraformVariable(s, "protect", { type: "bool" }).booleanValue,
    }));
    expect(tableOf(json)).toMatchObject({ point_in_time_recovery: { enabled: "${var.pitr}" }, deletion_protection_enabled: "${var.protect}" });
  });

  it("lets a table be deleted when deletion protection is off", () => {
    expect(tableOf(synthTable({ deletionProtection: false }).json).deletion_protection_enabled).toBe(false);
  });

  it("expires items by a TTL attribute", () => {
    expect(tableOf(synthTable({ ttlAttribute: "expiresAt" }).json).ttl).toEqual({ attribute_name: "expiresAt", enabled: true });
  });

  it("encrypts with a customer managed key when given one", () => {
    expect(tableOf(synthTable({ kmsKeyArn: KEY_ARN }).json).server_side_encryption).toEqual({ enabled: true, kms_key_arn: KEY_ARN });
  });

  it("turns the stream on with its view type and exposes its ARN", () => {
    const { json, table } = synthTable({ streamViewType: "NEW_AND_OLD_IMAGES" });
    expect(tableOf(json)).toMatchObject({ stream_enabled: true, stream_view_type: "NEW_AND_OLD_IMAGES" });
    expect(table.streamArn).toBeDefined();
  });

  it("tags the table", () => {
    expect(tableOf(synthTable({ tags: { team: "orders" } }).json).tags).toEqual({ team: "orders" });
  });
});

describe("Table.policyStatements", () => {
  const stack = bareStack();
  const plain = new Table(stack, "orders", BASE);
  const keyed = new Table(stack, "user-sessions", { name: "sessions", hashKey: { name: "id", type: "S" }, kmsKeyArn: KEY_ARN });
  const calls = { read: plain.policyStatements("read"), readWrite: plain.policyStatements("read-write"), keyedRead: keyed.policyStatements("read"), keyedReadWrite: keyed.policyStatements("read-write") };
  for (const [name, value] of Object.entries(calls)) new TerraformOutput(stack, name, { value });
  const json = synthStack(stack);
  const out = (name: keyof typeof calls) => json.output[name].value;
  const arn = `\${aws_dynamodb_table.${resourcesOf(json, "aws_dynamodb_table").find(([id]) => id.startsWith("orders_"))![0]}.arn}`;
  const READ = ["dynamodb:GetItem", "dynamodb:Query", "dynamodb:Scan", "dynamodb:BatchGetItem", "dynamodb:DescribeTable"];
  const WRITE = ["dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem", "dynamodb:ConditionCheckItem"];

  it("reads items of the table and its indexes", () => {
    expect(out("read")).toEqual([{ Sid: "OrdersReadItems", Effect: "Allow", Action: READ, Resource: [arn, `${arn}/index/*`] }]);
  });

  it("reads and writes items", () => {
    expect(out("readWrite")).toEqual([{ Sid: "OrdersReadWriteItems", Effect: "Allow", Action: [...READ, ...WRITE], Resource: [arn, `${arn}/index/*`] }]);
  });

  it("includes the use of the table's KMS key, through DynamoDB only", () => {
    const through = { StringLike: { "kms:ViaService": ["dynamodb.*.amazonaws.com"] } };
    expect(out("keyedRead").at(-1)).toEqual({ Sid: "UserSessionsUseKey", Effect: "Allow", Action: ["kms:Decrypt", "kms:DescribeKey"], Resource: [KEY_ARN], Condition: through });
    expect(out("keyedReadWrite").at(-1)).toEqual({
      Sid: "UserSessionsUseKey", Effect: "Allow", Action: ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey"], Resource: [KEY_ARN], Condition: through,
    });
  });

  it("never uses wildcard actions, and every Sid is alphanumeric and unique", () => {
    const all = [calls.readWrite, calls.keyedReadWrite].flat();
    expect(all.flatMap((s) => s.Action).filter((a) => a.includes("*"))).toEqual([]);
    expect(all.every((s) => /^[A-Za-z0-9]+$/.test(s.Sid))).toBe(true);
    expect(new Set(all.map((s) => s.Sid)).size).toBe(all.length);
  });
});

describe("Table cost items", () => {
  it("keeps the us-east-1 prices in the module", () => {
    expect([DYNAMODB_STORAGE_USD_PER_GIB_MONTH, DYNAMODB_PITR_USD_PER_GIB_MONTH, DYNAMODB_RCU_USD_PER_HOUR, DYNAMODB_WCU_USD_PER_HOUR]).toEqual([0.25, 0.2, 0.00013, 0.00065]);
  });

  it("prices a literal size: storage and point-in-time recovery", () => {
    expect(costs(synthTable({ costedSizeGiB: 10 }).json)).toEqual({ "orders-storage": usd(2.5), "orders-pitr": usd(2) });
  });

  it("prices no recovery when it is off", () => {
    expect(costs(synthTable({ costedSizeGiB: 10, pointInTimeRecovery: false }).json)).toEqual({ "orders-storage": usd(2.5) });
  });

  it("multiplies a Terraform size, and prices recovery only while a Terraform switch is on", () => {
    const { json } = synthTable((s) => ({
      costedSizeGiB: new TerraformVariable(s, "size", { type: "number" }).numberValue,
      pointInTimeRecovery: new TerraformVariable(s, "pitr", { type: "bool" }).booleanValue,
    }));
    expect(costs(json)).toEqual({ "orders-storage": usd("(var.size * 0.25)"), "orders-pitr": usd("var.pitr ? (var.size * 0.2) : 0") });
  });

  it("prices provisioned capacity of the table and its indexes for 730 hours", () => {
    const { json } = synthTable({
      billingMode: "PROVISIONED",
      readCapacity: 10,
      writeCapacity: 5,
      globalSecondaryIndexes: [{ name: "by-email", hashKey: { name: "email", type: "S" }, writeCapacity: 1 }],
    });
    const item = costs(json)["orders-capacity"] as string;
    const value = Number(/format\("%\.2f", ([0-9.]+)\)/.exec(item)![1]);
    expect(value).toBeCloseTo(20 * 0.00013 * 730 + 6 * 0.00065 * 730, 9);
  });

  it("prices Terraform capacities as a Terraform sum", () => {
    const { json } = synthTable((s) => ({ billingMode: "PROVISIONED", readCapacity: new TerraformVariable(s, "rcu", { type: "number" }).numberValue, writeCapacity: 1 }));
    expect(costs(json)["orders-capacity"]).toBe(usd(`sum([(sum([var.rcu]) * ${0.00013 * 730}), ${0.00065 * 730}])`));
  });
});

describe("Table validation", () => {
  const problems = (props: Partial<TableProps>) => problemsOf(() => new Table(bareStack(), "t", { ...BASE, ...props } as TableProps));

  it("reports every name, key, capacity, recovery, TTL, key ARN and size problem at once", () => {
    expect(
      problems({
        name: "ab",
        hashKey: { name: "", type: "X" as "S" },
        rangeKey: { name: "", type: "S" },
        billingMode: "PROVISIONED",
        readCapacity: 0,
        pointInTimeRecoveryDays: 36,
        ttlAttribute: "",
        kmsKeyArn: "alias/orders",
        costedSizeGiB: -1,
      }),
    ).toEqual([
      'name "ab" must be 3-255 letters, digits, "_", "-" and ".", e.g. "orders-prod".',
      'hashKey.name "" must be 1-255 characters: name the attribute, e.g. "pk".',
      'hashKey.type "X" is not a key type: use "S" (string), "N" (number) or "B" (binary).',
      'rangeKey.name "" must be 1-255 characters: name the attribute, e.g. "pk".',
      'rangeKey "" is the hashKey too: a sort key must be another attribute.',
      'key attributes "" are given different types: an attribute has one type in the table and every index.',
      'writeCapacity is missing: billingMode "PROVISIONED" needs read and write capacity units, e.g. writeCapacity: 5.',
      "readCapacity 0 must be a whole number of capacity units >= 1.",
      "pointInTimeRecoveryDays 36 must be a whole number of days from 1 to 35.",
      'ttlAttribute "" must be an attribute name of 1-255 characters, e.g. "expiresAt".',
      'kmsKeyArn "alias/orders" is not a KMS key ARN: use arn:aws:kms:<region>:<account>:key/<key id>, not an alias or a bare key id.',
      "costedSizeGiB -1 must be a number of GiB >= 0.",
    ]);
  });

  it("reports capacity given on demand, and a recovery period without recovery", () => {
    expect(problems({ writeCapacity: 5, pointInTimeRecovery: false, pointInTimeRecoveryDays: 7 })).toEqual([
      'readCapacity / writeCapacity are given on demand: they apply to billingMode "PROVISIONED" only; drop them or switch the billing mode.',
      "pointInTimeRecoveryDays is given with pointInTimeRecovery off: drop it, or turn recovery on.",
    ]);
  });

  it("reports every index problem at once", () => {
    const s = (name: string) => ({ name, type: "S" as const });
    expect(
      problems({
        billingMode: "PROVISIONED",
        readCapacity: 1,
        writeCapacity: 1,
        globalSecondaryIndexes: [
          { name: "by", hashKey: s("email"), rangeKey: s("email"), projection: "INCLUDE" },
          { name: "by-day", hashKey: { name: "pk", type: "N" }, nonKeyAttributes: ["status"], readCapacity: 2.5 },
          { name: "by-day", hashKey: s("day"), writeCapacity: 0 },
        ],
      }),
    ).toEqual([
      'key attributes "pk" are given different types: an attribute has one type in the table and every index.',
      "globalSecondaryIndexes names must be unique; repeated: by-day.",
      'globalSecondaryIndexes["by"] name must be 3-255 letters, digits, "_", "-" and ".", e.g. "by-email".',
      'globalSecondaryIndexes["by"].rangeKey "email" is its hashKey too: a sort key must be another attribute.',
      'globalSecondaryIndexes["by"] projects "INCLUDE" without nonKeyAttributes: list the attributes to copy, or use "ALL" or "KEYS_ONLY".',
      'globalSecondaryIndexes["by-day"].nonKeyAttributes apply to projection "INCLUDE" only: drop them or set projection: "INCLUDE".',
      'globalSecondaryIndexes["by-day"].readCapacity 2.5 must be a whole number of capacity units >= 1.',
      'globalSecondaryIndexes["by-day"].writeCapacity 0 must be a whole number of capacity units >= 1.',
    ]);
  });

  it("allows at most 20 indexes", () => {
    const indexes = Array.from({ length: 21 }, (_, i) => ({ name: `index-${i}`, hashKey: { name: `a${i}`, type: "S" as const } }));
    expect(problems({ globalSecondaryIndexes: indexes })).toEqual(["globalSecondaryIndexes has 21 indexes: a table has at most 20."]);
  });

  it("leaves values that are Terraform tokens to Terraform", () => {
    const stack = bareStack();
    const name = new TerraformVariable(stack, "name", { type: "string" }).stringValue;
    const days = new TerraformVariable(stack, "days", { type: "number" }).numberValue;
    expect(() => new Table(stack, "t", { ...BASE, name, pointInTimeRecoveryDays: days, costedSizeGiB: days })).not.toThrow();
  });

  it("stops synth with the construct path", () => {
    expect(() => new Table(bareStack(), "t", { ...BASE, name: "a" })).toThrow(/^Invalid props for bare\/t:\n  - name "a" must be 3-255/);
  });
});
