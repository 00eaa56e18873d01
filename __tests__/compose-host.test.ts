// The generic compose host on a bare stack: no system around it, only what a caller gives.
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
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
import { shellcheckEach } from "./support/shellcheck.js";

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

describe("ComposeHost Secrets Manager JSON keys", () => {
  // One secret holding a JSON object (a Terraform reference: the same string for every entry), read for two of its
  // keys and once whole; another secret taken whole keeps its own read.
  const API_ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:shop-api-AbCdEf";
  const DB_ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:shop-db-AbCdEf";
  const { script } = buildHost((s) => {
    const api = new TerraformVariable(s, "api_secret_arn", { type: "string" }).stringValue;
    return {
      secretsManagerSecrets: [
        { envVar: "API_KEY", secretArn: api, jsonKey: "API_KEY" },
        { envVar: "OPENAI_API_KEY", secretArn: api, jsonKey: "openai.api-key" },
        { envVar: "DB_PASSWORD", secretArn: DB_ARN },
        { envVar: "API_SECRETS", secretArn: api },
      ],
    };
  });
  const prestart = prestartOf(script);
  const READS =
    "# One read of this secret for API_KEY, OPENAI_API_KEY, API_SECRETS.\n" +
    'secret_1=$(get_secrets_manager_secret "$SECRET_1_ARN")\n' +
    'value=$(secret_json_key "$secret_1" "$SECRET_1_ARN" "API_KEY" API_KEY)\n' +
    'printf "API_KEY=\'%s\'\\n" "$value" >> "$tmp"\n' +
    'value=$(secret_json_key "$secret_1" "$SECRET_1_ARN" "openai.api-key" OPENAI_API_KEY)\n' +
    'printf "OPENAI_API_KEY=\'%s\'\\n" "$value" >> "$tmp"\n' +
    'value=$(get_secrets_manager_secret "$DB_PASSWORD_SECRET_ARN")\n' +
    'printf "DB_PASSWORD=\'%s\'\\n" "$value" >> "$tmp"\n' +
    "value=$secret_1\n" +
    'printf "API_SECRETS=\'%s\'\\n" "$value" >> "$tmp"\n';

  it("names each secret's ARN once: a shared secret by number, a secret one entry takes whole after its env var", () => {
    const arns = prestart.split("\n").filter((l) => /^readonly \w+_ARN=/.test(l));
    expect(arns).toEqual(['readonly SECRET_1_ARN="${var.api_secret_arn}"', `readonly DB_PASSWORD_SECRET_ARN="${DB_ARN}"`]);
  });

  it("reads each secret once, then gives every entry its key (or the whole string), in the order given", () => {
    expect(between(prestart, "# Single quotes: compose reads these values literally, with no interpolation.\n", 'mv "$tmp" /etc/shop/secrets.env')).toBe(READS);
    expect(prestart.match(/\$\(get_secrets_manager_secret /g)).toHaveLength(2);
    expect(prestart.match(/aws secretsmanager get-secret-value/g)).toHaveLength(1);
  });

  it("extracts a key with python3, failing with the key named for a missing key, a non-object, a quote or a line break", () => {
    const helper = between(prestart, "secret_json_key() {\n", "\n}\n");
    expect(helper).toContain("python3 -c 'import json, sys\n");
    expect(helper).toContain('3) echo "shop-prestart: secret $2 is not a JSON object, so it has no key \\"$3\\" for $4" >&2 ;;');
    expect(helper).toContain('4) echo "shop-prestart: secret $2 has no key \\"$3\\" (for $4): add it to the secret\'s JSON object" >&2 ;;');
    expect(helper).toContain("5) echo \"shop-prestart: key \\\"$3\\\" of secret $2 holds a single quote or a line break, which the env file's single-quoted $4 line cannot carry: change the value (not shown here)\" >&2 ;;");
  });

  it("keeps the whole-string form without keys: no python3, no shared read", () => {
    const whole = prestartOf(buildHost(() => ({ secretsManagerSecrets: [{ envVar: "DB_PASSWORD", secretArn: DB_ARN }] })).script);
    expect(whole).not.toContain("secret_json_key");
    expect(whole).not.toContain("python3");
    expect(whole).toContain('value=$(get_secrets_manager_secret "$DB_PASSWORD_SECRET_ARN")\nprintf "DB_PASSWORD=\'%s\'\\n" "$value" >> "$tmp"\nmv "$tmp"');
  });

  it("rejects a jsonKey that is not letters, digits, _ . -, and an envVar given twice", () => {
    expect(
      problemsOf({
        secretsManagerSecrets: [
          { envVar: "API_KEY", secretArn: API_ARN, jsonKey: "api key" },
          { envVar: "API_KEY", secretArn: API_ARN, jsonKey: "$(id)" },
          { envVar: "OTHER", secretArn: API_ARN, jsonKey: "" },
        ],
      }),
    ).toEqual([
      'secretsManagerSecrets[0].jsonKey "api key" must be a key of the secret\'s JSON object made of letters, digits, _ . and - (known at synth).',
      'secretsManagerSecrets[1].jsonKey "$(id)" must be a key of the secret\'s JSON object made of letters, digits, _ . and - (known at synth).',
      'secretsManagerSecrets[2].jsonKey "" must be a key of the secret\'s JSON object made of letters, digits, _ . and - (known at synth).',
      "secrets.parameters and secretsManagerSecrets envVar values must be unique; repeated: API_KEY.",
    ]);
  });

  describe("rendered by Terraform", () => {
    let dir: string;
    let rendered: string;
    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), "host-json-keys-"));
      const boot = await renderWithTerraform(script, { ...SAMPLES, "var.api_secret_arn": API_ARN });
      rendered = prestartOf(boot);
      writeFileSync(join(dir, "user-data.sh"), boot);
      writeFileSync(join(dir, "prestart.sh"), rendered);
    });

    it("is bash and shellcheck-clean, the boot script and the prestart script it writes", async () => {
      expect(rendered).toContain(`readonly SECRET_1_ARN="${API_ARN}"\n`);
      expect(rendered).toContain('if "\\x27" in value or "\\n" in value or "\\r" in value:\n');
      for (const file of ["user-data.sh", "prestart.sh"]) expect(spawnSync("bash", ["-n", join(dir, file)], { encoding: "utf8" }).stderr, file).toBe("");
      const lint = await shellcheckEach(["--shell=bash", "--severity=style"], ["user-data.sh", "prestart.sh"], { cwd: dir });
      expect(lint.map((r) => [r.file, r.status, r.output])).toEqual([
        ["user-data.sh", 0, ""],
        ["prestart.sh", 0, ""],
      ]);
    });

    /**
     * The rendered prestart script run by bash, its env file in a directory of its own, with a stub `aws` that logs
     * its calls and prints the secrets given (as the CLI's text output does, newline-terminated).
     */
    function runPrestart(name: string, secrets: { api: string; db: string }): Promise<{ status: number | null; stderr: string; envFile?: string; awsCalls: string[] }> {
      const run = join(dir, name);
      mkdirSync(join(run, "bin"), { recursive: true });
      mkdirSync(join(run, "etc"));
      writeFileSync(join(run, "prestart.sh"), rendered.replaceAll("/etc/shop/", `${run}/etc/`));
      writeFileSync(
        join(run, "bin", "aws"),
        `#!/bin/sh\nprintf '%s\\n' "$*" >> "${run}/aws-calls"\ncase "$*" in\n  *shop-api-*) printf '%s\\n' "$API_SECRET" ;;\n  *shop-db-*) printf '%s\\n' "$DB_SECRET" ;;\n  *) exit 254 ;;\nesac\n`,
        { mode: 0o755 },
      );
      return new Promise((done, fail) => {
        // Plain system directories: python3 as on Amazon Linux 2023 (/usr/bin), no version-manager shims.
        const env = { PATH: `${run}/bin:/usr/local/bin:/usr/bin:/bin`, API_SECRET: secrets.api, DB_SECRET: secrets.db };
        const child = spawn("bash", [join(run, "prestart.sh")], { env, stdio: ["ignore", "ignore", "pipe"] });
        let stderr = "";
        child.stderr.on("data", (d) => (stderr += d));
        child.on("error", fail);
        child.on("close", (status) => {
          const read = (f: string) => { try { return readFileSync(f, "utf8"); } catch { return undefined; } };
          done({ status, stderr, envFile: read(join(run, "etc", "secrets.env")), awsCalls: (read(join(run, "aws-calls")) ?? "").split("\n").filter(Boolean) });
        });
      });
    }

    const API = { API_KEY: "k-1 $HOME `id` \\ \"q\" %s", "openai.api-key": "sk-proj-2", retries: 3 };
    const DB = "db-pass-0";
    const SECRET_VALUE = "s3cret-never-printed";

    it("writes one line per entry from one read per secret, values literal, the file root-only; fails naming the key, never the value", async () => {
      const [ok, missing, notObject, quote, newline] = await Promise.all([
        runPrestart("ok", { api: JSON.stringify(API), db: DB }),
        runPrestart("missing", { api: JSON.stringify({ API_KEY: SECRET_VALUE }), db: DB }),
        runPrestart("not-object", { api: JSON.stringify([SECRET_VALUE]), db: DB }),
        runPrestart("quote", { api: JSON.stringify({ API_KEY: `${SECRET_VALUE}'`, "openai.api-key": "x" }), db: DB }),
        runPrestart("newline", { api: JSON.stringify({ API_KEY: `${SECRET_VALUE}\nline 2` }), db: DB }),
      ]);

      expect(ok.stderr).toBe("");
      expect(ok.status).toBe(0);
      expect(ok.envFile).toBe(
        `API_KEY='${API.API_KEY}'\nOPENAI_API_KEY='sk-proj-2'\nDB_PASSWORD='db-pass-0'\nAPI_SECRETS='${JSON.stringify(API)}'\n`,
      );
      expect(statSync(join(dir, "ok", "etc", "secrets.env")).mode & 0o777).toBe(0o600);
      expect(ok.awsCalls).toEqual([
        `secretsmanager get-secret-value --region us-east-1 --secret-id ${API_ARN} --query SecretString --output text`,
        `secretsmanager get-secret-value --region us-east-1 --secret-id ${DB_ARN} --query SecretString --output text`,
      ]);

      const failures = { missing, notObject, quote, newline };
      for (const [name, run] of Object.entries(failures)) {
        expect(run.status, name).not.toBe(0);
        expect(run.envFile, `${name}: no env file`).toBeUndefined();
        expect(run.stderr, name).not.toContain(SECRET_VALUE);
        expect(run.stderr, name).not.toContain("Traceback");
      }
      expect(missing.stderr).toBe(`shop-prestart: secret ${API_ARN} has no key "openai.api-key" (for OPENAI_API_KEY): add it to the secret's JSON object\n`);
      expect(notObject.stderr).toBe(`shop-prestart: secret ${API_ARN} is not a JSON object, so it has no key "API_KEY" for API_KEY\n`);
      const unfit = (key: string, envVar: string) =>
        `shop-prestart: key "${key}" of secret ${API_ARN} holds a single quote or a line break, which the env file's single-quoted ${envVar} line cannot carry: change the value (not shown here)\n`;
      expect(quote.stderr).toBe(unfit("API_KEY", "API_KEY"));
      expect(newline.stderr).toBe(unfit("API_KEY", "API_KEY"));
      // No temporary env file left behind.
      for (const name of ["missing", "not-object", "quote", "newline"]) expect(spawnSync("ls", ["-A", join(dir, name, "etc")], { encoding: "utf8" }).stdout, name).toBe("");
    });
  });
});

describe("ComposeHost extra container log groups", () => {
  const EXTRA = { worker: { groupName: "/shop/test/worker" }, "batch-jobs": { groupName: "/shop/test/batch" } };
  const built = buildHost((s) => ({
    containerLogs: { enabled: new TerraformVariable(s, "container_logs", { type: "bool" }).booleanValue, groupName: "/shop/test/api", retentionDays: 30, extraGroups: EXTRA },
    application: (host) => ({
      composeFile: `services:\n  api:\n    image: nginx:1.27\n    logging: ${host.logging}\n  worker:\n    image: nginx:1.27\n    logging: ${host.loggingFor("worker")}\n`,
    }),
  }));
  const { json, given, host } = built;
  const locals = json.locals as Record<string, string>;
  const localNamed = (name: string) => Object.entries(locals).find(([n]) => n.replace(/_[0-9A-F]{8}$/, "") === name)![1];

  it("creates every group with the main one's retention, counted by containerLogs.enabled", () => {
    const groups = resourcesOf(json, "aws_cloudwatch_log_group").map(([, g]) => g);
    expect(groups.map((g) => g.name).sort()).toEqual(["/shop/test/api", "/shop/test/batch", "/shop/test/worker"]);
    for (const g of groups) expect(g, g.name).toMatchObject({ retention_in_days: 30, count: "${var.container_logs ? 1 : 0}" });
    expect(host.extraLogGroupNames).toEqual({ worker: "/shop/test/worker", "batch-jobs": "/shop/test/batch" });
  });

  it("lets the role write to each group's streams, named, in the one log policy", () => {
    const policy = resourcesOf(json, "aws_iam_role_policy").map(([, p]) => p).find((p) => p.name === "write-container-logs");
    const arn = (group: string) => `"arn:aws:logs:us-east-1:123456789012:log-group:${group}:*"`;
    expect(policy.count).toBe("${var.container_logs ? 1 : 0}");
    expect(policy.policy).toContain(`"Resource" = [${[arn("/shop/test/api"), arn("/shop/test/worker"), arn("/shop/test/batch")].join(", ")}]`);
    expect(policy.policy.match(/\*/g)).toHaveLength(3);
  });

  it("gives loggingFor(key) the main logging's shape, for its group", () => {
    const main = localNamed("host_container_logging");
    expect(main).toContain('"awslogs-group" = "/shop/test/api"');
    expect(localNamed("host_container_logging_worker")).toBe(main.replace('"/shop/test/api"', '"/shop/test/worker"'));
    expect(localNamed("host_container_logging_batch_jobs")).toBe(main.replace('"/shop/test/api"', '"/shop/test/batch"'));
    expect(bootScriptOf(json)).toMatch(/ {4}logging: \$\{local\.host_container_logging_[0-9A-F]{8}\}\n {2}worker:\n {4}image: nginx:1\.27\n {4}logging: \$\{local\.host_container_logging_worker_[0-9A-F]{8}\}\n/);
  });

  it("gives loggingFor the local json-file logging when logs are off, and throws for a key that is not there", () => {
    const off = buildHost(() => ({ containerLogs: { enabled: false, groupName: "/shop/test/api", extraGroups: EXTRA } }));
    const offLocals = Object.entries(off.json.locals as Record<string, string>);
    const offWorker = offLocals.find(([n]) => n.startsWith("host_container_logging_worker_"))![1];
    expect(offWorker).toBe(offLocals.find(([n]) => /^host_container_logging_[0-9A-F]{8}$/.test(n))![1]);
    expect(offWorker).toContain('"driver" = "json-file"');
    expect(resourcesOf(off.json, "aws_cloudwatch_log_group").map(([, g]) => g.count)).toEqual([0, 0, 0]);
    expect(() => given.loggingFor("api")).toThrow('test/host: no log group "api" (containerLogs.extraGroups has worker, batch-jobs)');
    expect(() => plain.given.loggingFor("worker")).toThrow('test/host: no log group "worker" (containerLogs.extraGroups has none)');
  });

  it("keeps a host without extra groups as it was: one resource, no extra local", () => {
    const one = synthHost({ containerLogs: { enabled: true, groupName: "/shop/test/api" } });
    const policy = resourcesOf(one, "aws_iam_role_policy").map(([, p]) => p).find((p) => p.name === "write-container-logs");
    expect(policy.policy).toContain('"Resource" = "arn:aws:logs:us-east-1:123456789012:log-group:/shop/test/api:*"');
    expect(Object.keys(one.locals).filter((n) => n.startsWith("host_container_logging"))).toHaveLength(1);
  });

  it("rejects a key or a group name that is not one, and a group named twice", () => {
    expect(
      problemsOf({
        containerLogs: {
          enabled: true,
          groupName: "/shop/test/api",
          extraGroups: { Worker: { groupName: "/shop/test/worker" }, batch: { groupName: "shop test batch" }, again: { groupName: "/shop/test/api" } },
        },
      }),
    ).toEqual([
      'containerLogs.extraGroups key "Worker" must be lower-case letters, digits and dashes.',
      'containerLogs.extraGroups["batch"].groupName "shop test batch" is not a log group name: use 1-512 letters, digits and . _ - / #.',
      "containerLogs.groupName and extraGroups group names must be unique; repeated: /shop/test/api.",
    ]);
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
