// OpenLIT's compose host as the stack composes it: the RFC's instance, data volume, IAM and secrets.
import { gzipSync } from "node:zlib";
import { onlyResource, resourcesOf, synthOpenlit, bootScriptOf } from "./support/synth.js";
import { renderSampleUserData } from "./support/user-data-samples.js";

describe("OpenLIT host: instance", () => {
  const json = synthOpenlit("demo");
  const instance = onlyResource(json, "aws_instance");

  it("requires IMDSv2 and keeps containers away from instance credentials (hop limit 1)", () => {
    expect(instance.metadata_options).toEqual({ http_endpoint: "enabled", http_tokens: "required", http_put_response_hop_limit: 1 });
  });

  it("has an encrypted gp3 root volume sized by variable (20 GiB by default)", () => {
    expect(instance.root_block_device).toEqual({ volume_type: "gp3", volume_size: "${var.root_volume_size}", encrypted: true, delete_on_termination: true });
    expect(json.variable.root_volume_size.default).toBe(20);
  });

  it("takes the AL2023 AMI for the instance type's architecture from SSM and ignores later AMI releases", () => {
    const ami = Object.values(json.data.aws_ssm_parameter)[0];
    expect(ami.name).toMatch(/^\/aws\/service\/ami-amazon-linux-latest\/al2023-ami-kernel-default-\$\{local\.openlit_architecture_[0-9A-F]+\}$/);
    expect(instance.ami).toMatch(/^\$\{data\.aws_ssm_parameter\..*\.insecure_value\}$/);
    expect(instance.lifecycle.ignore_changes).toEqual(["ami"]);
  });

  it("replaces the instance when user-data changes (safe: data is on its own volume), sent gzipped within EC2's 16 KB", async () => {
    expect(instance.user_data_replace_on_change).toBe(true);
    expect(instance.user_data).toBeUndefined();
    expect(instance.user_data_base64).toMatch(/^\$\{base64gzip\(local\.openlit_user_data_[0-9A-F]{8}\)\}$/);
    const script = await renderSampleUserData("demo");
    expect(gzipSync(script).length).toBeLessThan(16 * 1024);
  });

  it("keeps automatic recovery on, monitoring and key pair optional", () => {
    expect(instance.maintenance_options).toEqual({ auto_recovery: "default" });
    expect(instance.monitoring).toBe("${var.detailed_monitoring}");
    expect(instance.key_name).toBe("${(length(var.key_pair_name) >= 1) ? var.key_pair_name : null}");
  });

  it("gets an Elastic IP through an association, so a replaced instance keeps its address", () => {
    expect(onlyResource(json, "aws_eip").domain).toBe("vpc");
    const association = onlyResource(json, "aws_eip_association");
    expect(association.instance_id).toMatch(/^\$\{aws_instance\./);
    expect(association.allocation_id).toMatch(/^\$\{aws_eip\..*\.allocation_id\}$/);
  });
});

describe("OpenLIT host: data volume", () => {
  const json = synthOpenlit("demo");
  const volume = onlyResource(json, "aws_ebs_volume");
  const attachment = onlyResource(json, "aws_volume_attachment");

  it("is an encrypted gp3 volume in the subnet's zone, snapshotted on destroy", () => {
    expect(volume).toMatchObject({ type: "gp3", encrypted: true, size: "${var.data_volume_size}", final_snapshot: "${var.data_volume_final_snapshot}" });
    expect(volume.availability_zone).toMatch(/^\$\{data\.aws_subnet\.network_subnet_[0-9A-F]{8}\.availability_zone\}$/);
    expect(volume.tags).toMatchObject({ "openlit:role": "data" });
  });

  it("is encrypted with a key of the stack (its snapshots hold OpenLIT's copy of the ClickHouse password), never replaced for it", () => {
    const keys = resourcesOf(json, "aws_kms_key").filter(([id]) => id.startsWith("openlit_DataKey_"));
    expect(keys).toHaveLength(1);
    const [keyId, key] = keys[0]!;
    expect(key).toMatchObject({ enable_key_rotation: true, deletion_window_in_days: 30 });
    expect(volume.kms_key_id).toBe(`\${aws_kms_key.${keyId}.arn}`);
    // an existing volume keeps its key: a new key_id would replace the volume, and its data
    expect(volume.lifecycle).toEqual({ ignore_changes: ["kms_key_id"] });
    const dlm = resourcesOf(json, "aws_iam_role_policy").map(([, p]) => p).find((p) => p.name === "use-volume-keys");
    expect(dlm.policy).toContain(`"Resource" = [aws_kms_key.${keyId}.arn]`);
  });

  it("is attached as /dev/sdf, stopping the instance before detaching", () => {
    expect(attachment).toMatchObject({ device_name: "/dev/sdf", stop_instance_before_detaching: true });
    expect(attachment.volume_id).toMatch(/^\$\{aws_ebs_volume\./);
  });

  it("is waited for, found by its volume id, and mounted by UUID in the boot script", () => {
    const ud = bootScriptOf(json);
    expect(ud).toContain('readonly DATA_VOLUME_ID="${aws_ebs_volume.');
    expect(ud).toContain("nvme-Amazon_Elastic_Block_Store_$${DATA_VOLUME_ID//-/}");
    expect(ud).toMatch(/UUID=\$uuid \$DATA_MOUNT xfs defaults,nofail/);
  });
});

describe("OpenLIT host: IAM", () => {
  const json = synthOpenlit("demo");
  const policies = resourcesOf(json, "aws_iam_role_policy").map(([, p]) => p);

  it("grants the SSM agent what AmazonSSMManagedInstanceCore does, except reading every parameter of the account", () => {
    expect(resourcesOf(json, "aws_iam_role_policy_attachment").filter(([id]) => id.startsWith("openlit_"))).toEqual([]);
    const agent = policies.find((p) => p.name === "ssm-agent");
    expect(agent.role).toMatch(/^\$\{aws_iam_role\.openlit_Role_[0-9A-F]+\.id\}$/);
    expect(agent.policy).toContain('"ssmmessages:OpenDataChannel"');
    expect(agent.policy).toContain('"ssm:UpdateInstanceInformation"');
    expect(agent.policy).not.toMatch(/ssm:GetParameter/);
  });

  it("lets the instance read SSM parameters below its own path only (staging cannot read demo's)", () => {
    const grants = policies.flatMap((p) => [...p.policy.matchAll(/\{"Sid" = "(\w+)", "Effect" = "Allow", "Action" = (\[[^\]]*\]|"[^"]*"), "Resource" = ("[^"]*")/g)])
      .filter((m) => /ssm:GetParameter/.test(m[2]!) || /ssm:\*|"\*"/.test(m[2]!));
    expect(grants.map((m) => [m[1], m[3]])).toEqual([["ReadOwnParameters", expect.stringMatching(/:parameter\/openlit\/\$\{var\.environment\}\/\*"$/)]]);
  });

  it("reads only this environment's SSM parameters", () => {
    const read = policies.find((p) => p.name === "read-own-ssm-parameters");
    expect(read.policy).toContain('"Action" = ["ssm:GetParameter", "ssm:GetParameters"]');
    expect(read.policy).toContain(":parameter/openlit/${var.environment}/*");
  });

  it("pulls from ECR only when an ECR repository is set, and only that repository", () => {
    const ecr = policies.find((p) => p.name === "ecr-pull");
    expect(ecr.count).toBe("${(length(var.ecr_repository) >= 1) ? 1 : 0}");
    expect(ecr.policy).toContain(":repository/${var.ecr_repository}");
  });

  it("uses no wildcard actions", () => {
    const actions = policies.flatMap((p) => [...p.policy.matchAll(/"Action" = (\[[^\]]*\]|"[^"]*")/g)].map((m) => m[1]));
    expect(actions.length).toBeGreaterThanOrEqual(3);
    for (const action of actions) expect(action).not.toContain("*");
  });
});

describe("OpenLIT host: secrets", () => {
  const json = synthOpenlit("demo");
  const params = Object.fromEntries(resourcesOf(json, "aws_ssm_parameter").map(([id, p]) => [id.replace(/_[0-9A-F]{8}$/, ""), p]));

  it("writes passwords to SecureStrings through write-only arguments", () => {
    expect(params.openlit_Secrets_ClickhousePassword).toMatchObject({
      type: "SecureString",
      value_wo: "${var.clickhouse_password}",
      value_wo_version: "${var.secrets_version}",
      name: "/openlit/${var.environment}/clickhouse-password",
    });
    expect(params.openlit_Secrets_ClickhousePassword.value).toBeUndefined();
    expect(params.openlit_Secrets_DemoPasswords).toMatchObject({ type: "SecureString", value_wo: "${var.demo_passwords}", count: "${(length(var.demo_emails) >= 1) ? 1 : 0}" });
  });

  it("keeps password variables out of user-data; the instance fetches them at service start", () => {
    const ud = bootScriptOf(json);
    expect(ud).not.toMatch(/var\.(clickhouse_password|demo_passwords)/);
    expect(ud).toContain("ExecStartPre=/usr/local/sbin/openlit-prestart");
    expect(ud).toContain("--with-decryption");
  });
});
