/**
 * Small cdktf stacks used as fixtures for the offline Terraform machinery:
 * they cover the shapes our real stacks use (write-only SSM values, data
 * sources, nested instance blocks, null_resource with provisioner, validated
 * variables, an s3 backend) without depending on the real stacks.
 */
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Fn, S3Backend, TerraformOutput, TerraformStack, TerraformVariable, Testing } from "cdktf";
import type { Construct } from "constructs";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { DataAwsCallerIdentity } from "@cdktf/provider-aws/lib/data-aws-caller-identity";
import { DataAwsSsmParameter } from "@cdktf/provider-aws/lib/data-aws-ssm-parameter";
import { Instance } from "@cdktf/provider-aws/lib/instance";
import { SsmParameter } from "@cdktf/provider-aws/lib/ssm-parameter";
import { NullProvider } from "@cdktf/provider-null/lib/provider";
import { Resource as NullResource } from "@cdktf/provider-null/lib/resource";
import { terraformVersion } from "../../scripts/offline-terraform/index.js";

export class OfflineFixtureStack extends TerraformStack {
  constructor(scope: Construct, id: string, opts: { requiredVariable?: boolean } = {}) {
    super(scope, id);
    new S3Backend(this, { bucket: "fixture-state-bucket", key: "fixture/terraform.tfstate", region: "eu-west-1" });
    new AwsProvider(this, "aws", { region: "eu-west-1" });
    new NullProvider(this, "null");

    const env = new TerraformVariable(this, "env", {
      type: "string",
      default: opts.requiredVariable ? undefined : "dev",
      description: "Deployment environment",
    });
    env.addValidation({ condition: Fn.contains(["dev", "prod"], env.stringValue), errorMessage: "env must be dev or prod." });
    const dbPassword = new TerraformVariable(this, "db_password", { type: "string", sensitive: true, default: "fixture-only" });

    const me = new DataAwsCallerIdentity(this, "me");
    const ami = new DataAwsSsmParameter(this, "ami", { name: "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64" });

    new SsmParameter(this, "db_password_param", {
      name: `/fixture/${env.stringValue}/db-password`,
      type: "SecureString",
      valueWo: dbPassword.stringValue,
      valueWoVersion: 1,
    });

    const web = new Instance(this, "web", {
      ami: ami.insecureValue,
      instanceType: "t4g.small",
      rootBlockDevice: { volumeSize: 30, volumeType: "gp3", encrypted: true },
      metadataOptions: { httpTokens: "required", httpEndpoint: "enabled" },
      tags: { Name: `fixture-${env.stringValue}`, Account: me.accountId },
    });

    new NullResource(this, "after_boot", {
      triggers: { instance: web.id },
      provisioners: [{ type: "local-exec", command: "echo instance ready" }],
    });

    new TerraformOutput(this, "instance_id", { value: web.id });
    new TerraformOutput(this, "account_id", { value: me.accountId });
  }
}

const createdDirs: string[] = [];

/** Removes every temp directory the fixture helpers created (call from afterAll). */
export function cleanupFixtures(): void {
  for (const dir of createdDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** Synthesizes the fixture with cdktf and returns the stack directory (contains cdk.tf.json). */
export function synthFixture(opts: { requiredVariable?: boolean } = {}): string {
  const appDir = mkdtempSync(join(tmpdir(), "offline-tf-app-")); // else Testing.app() leaves an empty temp dir
  createdDirs.push(appDir);
  const app = Testing.app({ outdir: appDir });
  const stack = new OfflineFixtureStack(app, "fixture", opts);
  const outdir = Testing.fullSynth(stack);
  createdDirs.push(outdir);
  return join(outdir, "stacks", "fixture");
}

/** Copies a synthesized stack's config into a new temp stack dir after `mutate` edits the JSON. */
export function mutatedStack(stackDir: string, mutate: (config: any) => void): string {
  const config = JSON.parse(readFileSync(join(stackDir, "cdk.tf.json"), "utf8"));
  mutate(config);
  return writeJsonStack(config);
}

export function writeJsonStack(config: unknown): string {
  const parent = mkdtempSync(join(tmpdir(), "offline-tf-fixture-"));
  createdDirs.push(parent);
  const dir = join(parent, "stack");
  mkdirSync(dir);
  writeFileSync(join(dir, "cdk.tf.json"), JSON.stringify(config, null, 2));
  return dir;
}

export function writeTempFile(name: string, content: string): string {
  const parent = mkdtempSync(join(tmpdir(), "offline-tf-vars-"));
  createdDirs.push(parent);
  const path = join(parent, name);
  writeFileSync(path, content);
  return path;
}

/**
 * These tests exercise the real Terraform CLI. Without it they must fail,
 * never skip or pass silently: a green run has to mean Terraform checked it.
 */
export function requireTerraform(): string {
  const version = terraformVersion();
  if (!version) {
    const where = process.env.CI ? "CI is set: the CI image must provide it" : "install Terraform 1.11.x locally";
    throw new Error(`terraform CLI not found on PATH - the offline Terraform tests cannot run (${where}).`);
  }
  return version;
}

/** Terraform wraps long diagnostics; compare text with whitespace collapsed. */
export function flat(text: string): string {
  return text.replace(/[│╷╵]/g, " ").replace(/\s+/g, " ");
}
