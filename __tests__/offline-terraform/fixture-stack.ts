/**
 * The cdktf fixture stack of the offline Terraform tests: it covers the shapes
 * our real stacks use (write-only SSM values, data sources, nested instance
 * blocks, null_resource with provisioner, validated variables, an s3 backend)
 * without depending on the real stacks. Loaded only when fixtures.ts has no
 * cached synthesis of it (importing cdktf costs ~1 s per test file).
 */
import { mkdtempSync } from "node:fs";
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

export interface FixtureOptions {
  requiredVariable?: boolean;
}

export class OfflineFixtureStack extends TerraformStack {
  constructor(scope: Construct, id: string, opts: FixtureOptions = {}) {
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

/** Synthesizes the fixture with cdktf into `parent` (a temp dir the caller removes); returns the stack directory. */
export function synthesizeFixture(opts: FixtureOptions = {}): { stackDir: string; tempDirs: string[] } {
  const appDir = mkdtempSync(join(tmpdir(), "offline-tf-app-")); // else Testing.app() leaves an empty temp dir
  const app = Testing.app({ outdir: appDir });
  const stack = new OfflineFixtureStack(app, "fixture", opts);
  const outdir = Testing.fullSynth(stack);
  return { stackDir: join(outdir, "stacks", "fixture"), tempDirs: [appDir, outdir] };
}
