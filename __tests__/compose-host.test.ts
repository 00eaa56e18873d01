// The generic compose host on a bare stack: no system around it, only what a caller gives.
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { onlyResource, resourcesOf, bootScriptOf } from "./support/synth.js";
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
