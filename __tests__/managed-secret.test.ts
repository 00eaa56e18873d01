// ManagedSecret on a bare stack: created, existing (token and literal switch), reader statements, cost, validation.
import { TerraformOutput, TerraformStack, TerraformVariable, Testing } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { ManagedSecret, ManagedSecretProps } from "../modules/managed-secret/index.js";
import { CostEstimate } from "../modules/cost-estimate/index.js";
import { ValidationError } from "../modules/core/index.js";
import { onlyResource, synthStack, TfJson } from "./support/synth.js";

const BASE = { region: "eu-west-1", partition: "aws", accountId: "123456789012" } as const;
const RES = (type: string, id: string, attr: string) => new RegExp(`^\\$\\{one\\(${type.replace(/\./g, "\\.")}\\.${id}_[0-9A-F]{8}\\[\\*\\]\\.${attr}\\)\\}$`);

/**
 * Synthesizes a bare stack with one ManagedSecret "db-password"; its statements, ARN and name become outputs so they
 * are resolved like a caller's role policy would be.
 */
function build(props: (s: TerraformStack) => Partial<ManagedSecretProps>): TfJson {
  const stack = new TerraformStack(Testing.app(), "bare");
  new AwsProvider(stack, "aws", { region: "eu-west-1" });
  const secret = new ManagedSecret(stack, "db-password", { ...BASE, ...props(stack) });
  new TerraformOutput(stack, "statements", { value: secret.policyStatements() });
  new TerraformOutput(stack, "arn", { value: secret.secretArn });
  new TerraformOutput(stack, "name", { value: secret.secretName });
  CostEstimate.of(stack).writeOutputs(stack, "test");
  return synthStack(stack);
}

const variable = (s: TerraformStack, name: string, sensitive = false) => new TerraformVariable(s, name, { type: "string", default: sensitive ? undefined : "", sensitive }).stringValue;

function dataSource(json: TfJson): any {
  const all = Object.values(json.data?.aws_secretsmanager_secret ?? {});
  if (all.length !== 1) throw new Error(`expected one aws_secretsmanager_secret data source, found ${all.length}`);
  return all[0];
}

/** The problems a ValidationError lists, or [] when building succeeds. */
function problems(props: Partial<ManagedSecretProps>): readonly string[] {
  const stack = new TerraformStack(Testing.app(), "bare");
  try {
    new ManagedSecret(stack, "s", { ...BASE, ...props });
    return [];
  } catch (e) {
    if (e instanceof ValidationError) return e.problems;
    throw e;
  }
}

describe("ManagedSecret, created", () => {
  const json = build((s) => ({ name: "shop/prod/db-password", description: "database password", value: variable(s, "db_password", true), version: 3 }));

  it("creates the secret, encrypted with a key of its own, with the default recovery window", () => {
    const secret = onlyResource(json, "aws_secretsmanager_secret");
    expect(secret).toMatchObject({ name: "shop/prod/db-password", description: "database password", recovery_window_in_days: 7, count: 1 });
    expect(secret.kms_key_id).toMatch(RES("aws_kms_key", "db-password_Key", "arn"));
    const key = onlyResource(json, "aws_kms_key");
    expect(key).toMatchObject({ enable_key_rotation: true, deletion_window_in_days: 7, count: 1 });
    // `${jsonencode({"Version" = "2012-10-17", ...})}`: HCL object syntax, JSON once `" =` becomes `":`.
    const policy = JSON.parse(key.policy.replace(/^\$\{jsonencode\((.*)\)\}$/s, "$1").replace(/" = /g, '": '));
    expect(policy).toEqual({
      Version: "2012-10-17",
      Statement: [{ Sid: "AccountAdministers", Effect: "Allow", Principal: { AWS: "arn:aws:iam::123456789012:root" }, Action: "kms:*", Resource: "*" }],
    });
  });

  it("writes the value only through the write-only arguments", () => {
    const version = onlyResource(json, "aws_secretsmanager_secret_version");
    expect(version).toMatchObject({ secret_string_wo: "${var.db_password}", secret_string_wo_version: 3, count: 1 });
    expect(version.secret_id).toMatch(RES("aws_secretsmanager_secret", "db-password", "id"));
    expect(Object.keys(version)).not.toContain("secret_string");
  });

  it("declares the lookup with count 0 and takes ARN and name from the created secret", () => {
    expect(dataSource(json).count).toBe(0);
    expect(json.output.arn.value).toMatch(RES("aws_secretsmanager_secret", "db-password", "arn"));
    expect(json.output.name.value).toMatch(RES("aws_secretsmanager_secret", "db-password", "name"));
  });

  it("grants reading the secret and decrypting with its key through Secrets Manager only", () => {
    const [read, decrypt, ...rest] = json.output.statements.value;
    expect(rest).toEqual([]);
    expect(read).toEqual({ Sid: "DbPasswordRead", Effect: "Allow", Action: ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"], Resource: [json.output.arn.value] });
    expect(decrypt).toMatchObject({ Sid: "DbPasswordDecrypt", Action: ["kms:Decrypt"], Condition: { StringEquals: { "kms:ViaService": ["secretsmanager.eu-west-1.amazonaws.com"] } } });
    expect(decrypt.Resource).toMatch(/^\$\{aws_kms_key\.db-password_Key_[0-9A-F]{8}\[\*\]\.arn\}$/);
    for (const s of json.output.statements.value) {
      expect(s.Action.join(" ")).not.toContain("*");
      expect(JSON.stringify(s.Resource)).not.toBe('["*"]');
    }
  });

  it("prices the secret and its key", () => {
    expect(json.output.cost_breakdown.value).toMatchObject({ "db-password-secret": "${try(format(\"%.2f\", 0.4), \"unknown\")}", "db-password-key": "${try(format(\"%.2f\", 1), \"unknown\")}" });
  });
});

describe("ManagedSecret, existing secret chosen by a variable", () => {
  const json = build((s) => ({ name: "shop/prod/db-password", value: variable(s, "db_password", true), existingSecretId: variable(s, "existing_secret") }));
  const created = "(length(var.existing_secret) < 1)";

  it("counts the secret, its version and key, and the lookup, as Terraform conditionals", () => {
    for (const type of ["aws_secretsmanager_secret", "aws_secretsmanager_secret_version", "aws_kms_key"]) expect(onlyResource(json, type).count).toBe(`\${${created} ? 1 : 0}`);
    expect(dataSource(json).count).toBe("${(length(var.existing_secret) >= 1) ? 1 : 0}");
  });

  it("looks the secret up by ARN or by name, whichever the id is", () => {
    expect(dataSource(json)).toMatchObject({
      arn: '${startswith(var.existing_secret, "arn:") ? var.existing_secret : null}',
      name: '${startswith(var.existing_secret, "arn:") ? null : var.existing_secret}',
    });
  });

  it("picks the ARN and the name of the secret in use", () => {
    expect(json.output.arn.value).toMatch(/^\$\{\(length\(var\.existing_secret\) < 1\) \? one\(aws_secretsmanager_secret\.db-password_[0-9A-F]{8}\[\*\]\.arn\) : one\(data\.aws_secretsmanager_secret\.db-password_Existing_[0-9A-F]{8}\[\*\]\.arn\)\}$/);
    expect(json.output.name.value).toMatch(/^\$\{\(length\(var\.existing_secret\) < 1\) \? one\(aws_secretsmanager_secret\..*\[\*\]\.name\) : one\(data\.aws_secretsmanager_secret\..*\[\*\]\.name\)\}$/);
  });

  it("decrypts with the created key, or names only the existing secret (no KMS key: a no-op) when one is used", () => {
    const [read, decrypt] = json.output.statements.value;
    expect(read.Resource).toEqual([json.output.arn.value]);
    expect(decrypt.Resource).toMatch(/^\$\{\(length\(var\.existing_secret\) < 1\) \? aws_kms_key\.db-password_Key_[0-9A-F]{8}\[\*\]\.arn : data\.aws_secretsmanager_secret\.db-password_Existing_[0-9A-F]{8}\[\*\]\.arn\}$/);
    expect(decrypt.Condition).toEqual({ StringEquals: { "kms:ViaService": ["secretsmanager.eu-west-1.amazonaws.com"] } });
  });

  it("prices the secret and the key only when they are created", () => {
    const items = json.output.cost_breakdown.value;
    expect(items["db-password-secret"]).toContain(`${created} ? 0.4 : 0`);
    expect(items["db-password-key"]).toContain(`${created} ? 1 : 0`);
  });
});

describe("ManagedSecret, existing secret given as a literal", () => {
  const arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:shop/db-AbCdEf";
  const json = build(() => ({ existingSecretId: arn }));

  it("creates nothing (plain count 0) and looks the secret up by ARN (count 1)", () => {
    for (const type of ["aws_secretsmanager_secret", "aws_secretsmanager_secret_version", "aws_kms_key"]) expect(onlyResource(json, type).count).toBe(0);
    expect(dataSource(json)).toEqual({ arn, count: 1 });
    expect(json.output.arn.value).toMatch(RES("data.aws_secretsmanager_secret", "db-password_Existing", "arn"));
  });

  it("grants reading the existing secret only, and costs nothing", () => {
    expect(json.output.statements.value).toEqual([
      { Sid: "DbPasswordRead", Effect: "Allow", Action: ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"], Resource: [json.output.arn.value] },
    ]);
    expect(json.output.cost_breakdown.value).toEqual({});
  });

  it("looks a name up by name, and decrypts with a given key", () => {
    const keyArn = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
    const byName = build(() => ({ existingSecretId: "shop/db", kmsKeyArn: keyArn }));
    expect(dataSource(byName)).toEqual({ name: "shop/db", count: 1 });
    expect(byName.resource.aws_kms_key).toBeUndefined();
    expect(byName.output.statements.value[1]).toMatchObject({ Sid: "DbPasswordDecrypt", Resource: [keyArn] });
  });
});

describe("ManagedSecret validation", () => {
  it("reports every problem at once, naming the prop and the fix", () => {
    expect(problems({ name: "bad name!", value: "hunter2", version: 0, recoveryWindowInDays: 3, kmsKeyArn: "alias/mine" })).toEqual([
      'name "bad name!" must be 1-512 characters, only letters, digits and /_+=.@-, e.g. "myapp/prod/db-password".',
      "value is a literal string: pass a sensitive, ephemeral variable's value (a Terraform token) so the secret is not written into the synthesized configuration.",
      "version 0 must be a whole number >= 1; bump it to push a new value.",
      "recoveryWindowInDays 3 must be 0 (delete at once, no recovery) or a whole number of days from 7 to 30.",
      'kmsKeyArn "alias/mine" must be a KMS key ARN (arn:<partition>:kms:<region>:<account>:key/<id>); leave it out to create a key.',
    ]);
  });

  it("needs a name and a value whenever the secret may be created", () => {
    expect(problems({})).toEqual([
      "name is missing: give the name of the secret to create, or a non-empty existingSecretId to use an existing secret.",
      "value is missing: give the secret as a sensitive, ephemeral variable's value, or a non-empty existingSecretId to use an existing secret.",
    ]);
    expect(problems({ existingSecretId: "shop/db" })).toEqual([]);
  });

  it("checks the name length and the existing id", () => {
    expect(problems({ name: "a".repeat(513), value: "${var.v}", existingSecretId: "has space" })).toEqual([
      `name "${"a".repeat(513)}" must be 1-512 characters, only letters, digits and /_+=.@-, e.g. "myapp/prod/db-password".`,
      'existingSecretId "has space" must be a secret name (letters, digits and /_+=.@-) or a secret ARN (arn:<partition>:secretsmanager:<region>:<account>:secret:<name>-<suffix>); "" creates the secret.',
    ]);
  });

  it("accepts a recovery window of 0 and 7-30, and leaves tokens to Terraform", () => {
    for (const days of [0, 7, 30]) expect(problems({ name: "a", value: "${var.v}", recoveryWindowInDays: days })).toEqual([]);
    const stack = new TerraformStack(Testing.app(), "bare");
    const days = new TerraformVariable(stack, "days", { type: "number" }).numberValue;
    expect(() => new ManagedSecret(stack, "s", { ...BASE, name: variable(stack, "name"), value: variable(stack, "v", true), recoveryWindowInDays: days })).not.toThrow();
  });
});
