// The generic compose host on a bare stack: no system around it, only what a caller gives.
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TerraformStack, TerraformVariable, Testing } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { ComposeHost, ComposeHostProps } from "../modules/compose-host/index.js";
import { ValidationError } from "../modules/core/index.js";
import { CostEstimate } from "../modules/cost-estimate/index.js";
import { onlyResource, resourcesOf, bootScriptOf, synthStack, TfJson } from "./support/synth.js";
import { MINIMAL_HOST_PROPS, synthHost } from "./support/compose-host.js";
import { renderWithTerraform } from "./support/user-data.js";

const SAMPLES = {
  "local.host_docker_platform": "linux/arm64",
  "local.host_ecr_registry": "",
  "local.host_db_password_parameter": "",
  "aws_ebs_volume.host_DataVolume.id": "vol-0123456789abcdef0",
  "aws_ssm_parameter.host_Secrets_DbPassword.name": "/shop/test/db-password",
};

describe("ComposeHost defaults", () => {
  const json = synthHost();
  const instance = onlyResource(json, "aws_instance");

  it("is a t4g.small with a 20 GiB encrypted gp3 root, IMDSv2 and no key pair", () => {
    expect(instance.instance_type).toBe("t4g.small");
    expect(instance.root_block_device).toEqual({ volume_type: "gp3", volume_size: 20, encrypted: true, delete_on_termination: true });
    expect(instance.metadata_options).toMatchObject({ http_tokens: "required", http_put_response_hop_limit: 1 });
    expect(instance.key_name).toBe("${(length(\"\") >= 1) ? \"\" : null}");
  });

  it("creates no data volume, no public address, no secrets, no log group and no spot request unless asked", () => {
    for (const type of ["aws_ebs_volume", "aws_volume_attachment", "aws_eip", "aws_eip_association", "aws_ssm_parameter", "aws_cloudwatch_log_group"]) {
      expect(resourcesOf(json, type), type).toEqual([]);
    }
    expect(instance.instance_market_options).toBeUndefined();
    const policies = resourcesOf(json, "aws_iam_role_policy").map(([, p]) => p.name);
    expect(policies).not.toContain("read-own-ssm-parameters");
  });

  it("writes no system's name anywhere", () => {
    expect(JSON.stringify(json)).not.toMatch(/openlit|clickhouse/i);
  });
});

describe("ComposeHost options", () => {
  const json = synthHost({
    dataVolume: { sizeGiB: 50, mountPoint: "/var/lib/shop", directory: "/var/lib/shop/db", snapshotTag: { key: "shop:snap", value: "yes" } },
    elasticIp: true,
    spot: true,
    secrets: { path: "/shop/test", parameters: { "db-password": { envVar: "DB_PASSWORD", value: "${var.db_password}", description: "database password" } } },
    containerLogs: { enabled: false, groupName: "/shop/test/containers" },
  });
  const instance = onlyResource(json, "aws_instance");

  it("asks spot for a persistent request that stops on interruption (the instance and its volumes come back)", () => {
    expect(instance.instance_market_options).toEqual({ market_type: "spot", spot_options: { spot_instance_type: "persistent", instance_interruption_behavior: "stop" } });
  });

  it("keeps the data on its own encrypted volume, tagged for snapshots, attached as /dev/sdf", () => {
    expect(onlyResource(json, "aws_ebs_volume")).toMatchObject({ size: 50, type: "gp3", encrypted: true, final_snapshot: true, tags: { Name: "shop-test-data", "shop:snap": "yes" } });
    expect(onlyResource(json, "aws_volume_attachment")).toMatchObject({ device_name: "/dev/sdf", stop_instance_before_detaching: true });
  });

  it("writes secrets through write-only arguments and lets the role read only below their path", () => {
    const parameter = onlyResource(json, "aws_ssm_parameter");
    expect(parameter).toMatchObject({ name: "/shop/test/db-password", type: "SecureString", value_wo: "${var.db_password}", value_wo_version: 1 });
    const read = resourcesOf(json, "aws_iam_role_policy").map(([, p]) => p).find((p) => p.name === "read-own-ssm-parameters");
    expect(read.policy).toContain(":parameter/shop/test/*");
    expect(bootScriptOf(json)).not.toContain("var.db_password");
  });

  it("switches container logs with a literal to a plain count (no Terraform conditional on a constant)", () => {
    expect(onlyResource(json, "aws_cloudwatch_log_group").count).toBe(0);
    const logs = resourcesOf(json, "aws_iam_role_policy").map(([, p]) => p).find((p) => p.name === "write-container-logs");
    expect(logs.count).toBe(0);
  });

  it("switches container logs on with a literal true: a plain count and the awslogs driver picked at synth", () => {
    const on = synthHost({ containerLogs: { enabled: true, groupName: "/shop/test/containers" } });
    expect(onlyResource(on, "aws_cloudwatch_log_group")).toMatchObject({ count: 1, name: "/shop/test/containers", retention_in_days: 14 });
    const logging = Object.entries<string>(on.locals).find(([n]) => n.includes("container_logging"))![1];
    expect(logging).toMatch(/^\$\{jsonencode\(\{"driver" = "awslogs"/);
  });

  it("renders a boot script that bash and shellcheck accept, reading the secret into the env file at every start", async () => {
    const script = await renderWithTerraform(bootScriptOf(json), SAMPLES);
    expect(script).toContain('readonly DATA_VOLUME_ID="vol-0123456789abcdef0"');
    expect(script).toContain('mkdir -p "$DATA_DIR"');
    expect(script).toContain(`value=$(get_secret "$DB_PASSWORD_PARAMETER")\nprintf "DB_PASSWORD='%s'\\n" "$value" > "$tmp"`);
    expect(script).toContain("ExecStartPre=/usr/local/sbin/shop-prestart");
    expect(script).toContain("RequiresMountsFor=/var/lib/shop");
    expect(script).toContain("image: nginx:1.27");
    const file = join(mkdtempSync(join(tmpdir(), "host-ud-")), "user-data.sh");
    writeFileSync(file, script);
    expect(spawnSync("bash", ["-n", file], { encoding: "utf8" }).stderr).toBe("");
    const lint = spawnSync("shellcheck", ["-s", "bash", file], { encoding: "utf8" });
    expect(lint.error, "shellcheck must be installed").toBeUndefined();
    expect(lint.stdout + lint.stderr).toBe("");
  });
});

describe("ComposeHost without a data volume", () => {
  it("boots without waiting for a volume and mounts nothing", async () => {
    const json = synthHost();
    const script = await renderWithTerraform(bootScriptOf(json), SAMPLES);
    expect(script).not.toContain("DATA_VOLUME_ID");
    expect(script).not.toContain("RequiresMountsFor");
    expect(script).toContain('log "starting; region $REGION"');
    expect(script).toContain('log "shop.service is running"');
  });
});

describe("ComposeHost misuse", () => {
  it("reports every problem at once, naming the prop and the construct path", () => {
    expect(() => synthHost({ instanceType: "large", rootVolumeSizeGiB: 4, composeVersion: "2.29", securityGroupIds: [] })).toThrow(
      new RegExp(["Invalid props for test/host", 'instanceType "large"', "rootVolumeSizeGiB 4", 'composeVersion "2.29"', "securityGroupIds is empty"].join("[\\s\\S]*")),
    );
  });

  it("keeps its defaults in one place", () => {
    expect(MINIMAL_HOST_PROPS.instanceType).toBeUndefined();
  });
});

/** What ComposeHost gives the application callback. */
type HostContext = Parameters<ComposeHostProps["application"]>[0];

/**
 * A bare host as in support/compose-host.ts, with props that may need the stack (variables), and the cost outputs:
 * the construct, its JSON, its boot script (as synthesized: Terraform-escaped) and what the application was given.
 */
function buildHost(overrides: (stack: TerraformStack) => Partial<ComposeHostProps> = () => ({})) {
  const stack = new TerraformStack(Testing.app(), "test");
  new AwsProvider(stack, "aws", { region: "us-east-1" });
  const props = { ...MINIMAL_HOST_PROPS, ...overrides(stack) };
  let given: HostContext | undefined;
  const host = new ComposeHost(stack, "host", { ...props, application: (context) => ((given = context), props.application(context)) });
  CostEstimate.of(stack).writeOutputs(stack, "test");
  const json = synthStack(stack);
  return { host, json, script: bootScriptOf(json), given: given! };
}

/** The text between two markers of the boot script; fails when either is missing. */
function between(script: string, start: string, end: string): string {
  const from = script.indexOf(start);
  const to = script.indexOf(end, from);
  if (from < 0 || to < 0) throw new Error(`boot script lacks ${from < 0 ? start : end}`);
  return script.slice(from + start.length, to);
}

/** The prestart script, as the boot script's heredoc holds it. */
const prestartOf = (script: string) => between(script, "cat > /usr/local/sbin/shop-prestart <<'SH'\n", "\nSH\nchmod 0700 /usr/local/sbin/shop-prestart\n");

/** The problems a ComposeHost with these props reports. */
function problemsOf(overrides: Partial<ComposeHostProps>): readonly string[] {
  try {
    synthHost(overrides);
  } catch (e) {
    if (e instanceof ValidationError) return e.problems;
    throw e;
  }
  throw new Error("expected a ValidationError");
}

const plain = buildHost();
const DATA_VOLUME = { sizeGiB: 50, mountPoint: "/var/lib/shop" };

describe("ComposeHost Secrets Manager secrets", () => {
  const API_TOKEN_ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:shop-api-token-AbCdEf";
  const { script, given } = buildHost((s) => ({
    secretsManagerSecrets: [
      { envVar: "DB_PASSWORD", secretArn: new TerraformVariable(s, "db_secret_arn", { type: "string" }).stringValue },
      { envVar: "API_TOKEN", secretArn: API_TOKEN_ARN },
    ],
  }));
  const prestart = prestartOf(script);

  it("defines one Secrets Manager reader in the prestart script", () => {
    const reader = 'get_secrets_manager_secret() {\n  aws secretsmanager get-secret-value --region "$REGION" --secret-id "$1" --query SecretString --output text\n}\n';
    expect(prestart.split(reader)).toHaveLength(2);
    expect(prestart.match(/aws secretsmanager get-secret-value/g)).toHaveLength(1);
  });

  it("reads each secret by its ARN (a Terraform reference stays live) into its env var, appended to the env file before it is moved in place", () => {
    expect(prestart).toContain('readonly DB_PASSWORD_SECRET_ARN="${var.db_secret_arn}"\n');
    expect(prestart).toContain(`readonly API_TOKEN_SECRET_ARN="${API_TOKEN_ARN}"\n`);
    const reads = between(prestart, "# Single quotes: compose reads these values literally, with no interpolation.\n", 'mv "$tmp" /etc/shop/secrets.env');
    expect(reads).toBe(
      'value=$(get_secrets_manager_secret "$DB_PASSWORD_SECRET_ARN")\nprintf "DB_PASSWORD=\'%s\'\\n" "$value" >> "$tmp"\n' +
        'value=$(get_secrets_manager_secret "$API_TOKEN_SECRET_ARN")\nprintf "API_TOKEN=\'%s\'\\n" "$value" >> "$tmp"\n',
    );
  });

  it("gives the application the secrets env file without any SSM secret", () => {
    expect(given.secretsEnvFile).toBe("/etc/shop/secrets.env");
    expect(plain.given.secretsEnvFile).toBe("");
  });

  it("without secretsManagerSecrets has no Secrets Manager reader", () => {
    expect(plain.script).not.toContain("secretsmanager");
    expect(plain.script).not.toContain("get_secrets_manager_secret");
  });

  it("rejects an envVar that is not an environment variable name", () => {
    expect(problemsOf({ secretsManagerSecrets: [{ envVar: "db_password", secretArn: "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf" }] })).toEqual([
      'secretsManagerSecrets[0].envVar "db_password" must be an environment variable name (A-Z, 0-9, _).',
    ]);
  });

  it("rejects an envVar that an SSM parameter gives too", () => {
    expect(
      problemsOf({
        secrets: { path: "/shop/test", parameters: { "db-password": { envVar: "DB_PASSWORD", value: "${var.db_password}", description: "database password" } } },
        secretsManagerSecrets: [{ envVar: "DB_PASSWORD", secretArn: "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf" }],
      }),
    ).toEqual(["secrets.parameters and secretsManagerSecrets envVar values must be unique; repeated: DB_PASSWORD."]);
  });
});

describe("ComposeHost preStart and postStart", () => {
  const { script } = buildHost(() => ({
    application: (host) => ({
      ...MINIMAL_HOST_PROPS.application(host),
      preStart: "sysctl -w vm.swappiness=10\necho tuned\n",
      postStart: "#!/bin/bash\nset -euo pipefail\necho started\n",
    }),
  }));

  it("appends preStart's lines at the end of the prestart script, inside its heredoc", () => {
    expect(prestartOf(script).endsWith('>/dev/null\nfi\nsysctl -w vm.swappiness=10\necho tuned')).toBe(true);
  });

  it("installs postStart as the root-only /usr/local/sbin/<app>-poststart before the service starts", () => {
    const install = "cat > /usr/local/sbin/shop-poststart <<'SH'\n#!/bin/bash\nset -euo pipefail\necho started\nSH\nchmod 0700 /usr/local/sbin/shop-poststart\n";
    expect(script).toContain(install);
    expect(script.indexOf(install)).toBeLessThan(script.indexOf("systemctl restart shop.service"));
  });

  it("runs postStart after every successful start (ExecStartPost)", () => {
    expect(script).toContain("ExecStart=/usr/bin/docker compose up --detach --remove-orphans --wait --wait-timeout 600\nExecStartPost=/usr/local/sbin/shop-poststart\n");
  });

  it("without them: the prestart script ends with the registry login, and there is no poststart script or ExecStartPost", () => {
    expect(prestartOf(plain.script).endsWith('docker login --username AWS --password-stdin "$ECR_REGISTRY" >/dev/null\nfi')).toBe(true);
    expect(plain.script).not.toContain("poststart");
    expect(plain.script).not.toContain("ExecStartPost");
  });
});

describe("ComposeHost data volume growth", () => {
  const grown = buildHost(() => ({ dataVolume: DATA_VOLUME }));

  it("grows the filesystem before every start, when the volume is mounted (default)", () => {
    expect(prestartOf(grown.script).split("\n")).toContain('if mountpoint -q "/var/lib/shop"; then xfs_growfs -d "/var/lib/shop" >/dev/null; fi');
  });

  it("growOnStart false: never grows it", () => {
    expect(buildHost(() => ({ dataVolume: { ...DATA_VOLUME, growOnStart: false } })).script).not.toContain("xfs_growfs");
  });

  it("without a data volume: nothing to grow", () => {
    expect(plain.script).not.toContain("xfs_growfs");
  });

  it("exposes the data volume's attachment, and none without a volume", () => {
    expect(grown.host.dataVolumeAttachment?.friendlyUniqueId).toBe(resourcesOf(grown.json, "aws_volume_attachment")[0]![0]);
    expect(plain.host.dataVolumeAttachment).toBeUndefined();
  });
});

describe("ComposeHost spot price", () => {
  /** The instance's cost expression, without the output's formatting. */
  const instanceCost = (json: TfJson) => {
    const item: string = json.output.cost_breakdown.value["host-instance"];
    const match = /^\$\{try\(format\("%\.2f", (.*)\), "unknown"\)\}$/.exec(item);
    if (!match) throw new Error(`unexpected cost item ${item}`);
    return match[1]!;
  };
  const onDemand = instanceCost(plain.json);

  it("prices a spot host at the on-demand list price times 0.3 by default", () => {
    expect(onDemand).toMatch(/\["t4g\.small"\]\)$/);
    expect(instanceCost(buildHost(() => ({ spot: true })).json)).toBe(`(${onDemand} * 0.3)`);
  });

  it("takes spotPriceFactor, a Terraform number too", () => {
    const json = buildHost((s) => ({ spot: true, spotPriceFactor: new TerraformVariable(s, "spot_price_factor", { type: "number" }).numberValue })).json;
    expect(instanceCost(json)).toBe(`(${onDemand} * var.spot_price_factor)`);
  });

  it("ignores spotPriceFactor on an on-demand host", () => {
    expect(instanceCost(buildHost(() => ({ spotPriceFactor: 0.5 })).json)).toBe(onDemand);
  });
});
