import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildApp, synthAll } from "../stacks/app.js";
import { Testing } from "cdktf";
import { OpenlitStack } from "../stacks/openlit/stack.js";
import { SYSTEMS } from "../stacks/systems.js";
import { onlyResource, resourcesOf, synthOpenlit, synthStack } from "./support/synth.js";

const RFC_VARIABLES = [
  "aws_region", "environment", "instance_type", "key_pair_name", "allowed_cidr", "aws_account_id", "ecr_repository", "image_tag",
  "clickhouse_host", "clickhouse_port", "clickhouse_database", "clickhouse_username", "clickhouse_password",
  "otel_host", "otel_port", "otel_secure", "demo_emails", "demo_passwords",
];

const ENVIRONMENTS = SYSTEMS.find((s) => s.name === "openlit")!.environments.map((name) => ({ name }));

describe("OpenlitStack variables", () => {
  const json = synthOpenlit("demo");

  it("declares every variable of the RFC, by its name", () => {
    for (const name of RFC_VARIABLES) expect(json.variable, name).toHaveProperty(name);
  });

  it("gives every variable a type and a description", () => {
    for (const [name, v] of Object.entries(json.variable)) {
      expect(v.type, name).toMatch(/^(string|number|bool)$/);
      expect(v.description, name).toBeTruthy();
    }
  });

  it("marks passwords sensitive and ephemeral (never in plan files or state)", () => {
    for (const name of ["clickhouse_password", "demo_passwords", "owner_password"]) {
      expect(json.variable[name]).toMatchObject({ sensitive: true, ephemeral: true });
    }
    const notSecret = Object.entries(json.variable).filter(([, v]) => v.sensitive).map(([n]) => n);
    expect(notSecret.sort()).toEqual(["clickhouse_password", "demo_passwords", "owner_password"]);
  });

  it("requires the values only the operator knows: allowed_cidr, clickhouse_host, clickhouse_password, owner_password", () => {
    const required = Object.entries(json.variable).filter(([, v]) => !("default" in v)).map(([n]) => n);
    expect(required.sort()).toEqual(["allowed_cidr", "clickhouse_host", "clickhouse_password", "owner_password"]);
  });

  it("documents every variable in environments/terraform.tfvars.example", () => {
    const example = readFileSync("environments/openlit/terraform.tfvars.example", "utf8");
    const documented = new Set([...example.matchAll(/^#?\s*(\w+)\s*=/gm)].map((m) => m[1]));
    expect(Object.keys(json.variable).filter((name) => !documented.has(name))).toEqual([]);
  });

  it("pins the environment variable to the stack's own environment", () => {
    expect(json.variable.environment.default).toBe("demo");
    expect(json.variable.environment.validation[0].condition).toBe('${var.environment == "demo"}');
  });
});

describe("OpenlitStack wiring", () => {
  const json = synthOpenlit("demo");

  it("pins the AWS provider the bindings were generated for", () => {
    expect(json.terraform.required_providers.aws).toEqual({ source: "aws", version: "6.25.0" });
  });

  it("writes every stack with a versions file requiring Terraform >= 1.11", () => {
    const outdir = mkdtempSync(join(tmpdir(), "synth-"));
    synthAll(buildApp({ outdir, env: {} }));
    for (const { name } of ENVIRONMENTS) {
      const dir = join(outdir, "stacks", `openlit-${name}`);
      expect(readdirSync(dir).sort()).toEqual(["cdk.tf.json", "versions.tf.json"]);
      expect(JSON.parse(readFileSync(join(dir, "versions.tf.json"), "utf8"))).toEqual({ terraform: { required_version: ">= 1.11" } });
    }
  });

  it("tags everything through provider default_tags as the RFC does", () => {
    expect(json.provider.aws[0].default_tags).toEqual([{ tags: { Project: "OpenLIT", Environment: "${var.environment}", ManagedBy: "Terraform" } }]);
    expect(json.provider.aws[0].region).toBe("${var.aws_region}");
  });

  it("opens UI and OTLP to allowed_cidr, and SSH only when a key pair is set", () => {
    const rules = Object.fromEntries(resourcesOf(json, "aws_vpc_security_group_ingress_rule").map(([id, r]) => [id.replace(/_[0-9A-F]{8}$/, ""), r]));
    expect(Object.keys(rules).sort()).toEqual([
      "security_group_ingress-http-acme-anywhere", "security_group_ingress-https-operator", "security_group_ingress-openlit-ui-operator",
      "security_group_ingress-otlp-operator", "security_group_ingress-ssh-operator",
    ]);
    for (const [id, rule] of Object.entries(rules)) if (!id.includes("acme")) expect(rule.cidr_ipv4).toBe("${var.allowed_cidr}");
    // with domain_name: 443 for the operator, 80 for everyone (Let's Encrypt's HTTP-01 challenge, and the redirect)
    const tls = "${(length(var.domain_name) >= 1) ? 1 : 0}";
    expect(rules["security_group_ingress-https-operator"]).toMatchObject({ from_port: 443, to_port: 443, count: tls });
    expect(rules["security_group_ingress-http-acme-anywhere"]).toMatchObject({ from_port: 80, to_port: 80, count: tls, cidr_ipv4: "0.0.0.0/0" });
    expect(rules["security_group_ingress-ssh-operator"]).toMatchObject({ from_port: 22, to_port: 22, count: "${(length(var.key_pair_name) >= 1) ? 1 : 0}" });
    expect(rules["security_group_ingress-openlit-ui-operator"]).toMatchObject({ from_port: 3000, to_port: 3000 });
    expect(rules["security_group_ingress-otlp-operator"]).toMatchObject({ from_port: 4317, to_port: 4318 });
    expect(rules["security_group_ingress-openlit-ui-operator"].count).toBeUndefined();
  });

  it("places the instance in the chosen subnet, or the default subnet of a fixed zone", () => {
    const subnet = Object.values(json.data.aws_subnet)[0];
    expect(subnet.id).toBe("${(length(var.subnet_id) < 1) ? null : var.subnet_id}");
    expect(subnet.default_for_az).toBe("${(length(var.subnet_id) < 1) ? true : null}");
    expect(onlyResource(json, "aws_instance").subnet_id).toMatch(/^\$\{data\.aws_subnet\.network_subnet_[0-9A-F]{8}\.id\}$/);
  });

  it("has an opt-in health gate that waits for the EIP association and re-runs when the instance changes", () => {
    const gate = onlyResource(json, "null_resource");
    expect(gate.count).toBe("${var.enable_health_gate ? 1 : 0}");
    expect(json.variable.enable_health_gate).toMatchObject({ type: "bool", default: false });
    expect(gate.depends_on).toEqual([expect.stringMatching(/^aws_eip_association\./)]);
    expect(gate.triggers.instance_id).toMatch(/^\$\{aws_instance\./);
    expect(gate.triggers.host).toMatch(/^\$\{\(length\(var\.domain_name\) >= 1\) \? var\.domain_name : aws_eip\..*\.public_ip\}$/);
    expect(json.terraform.required_providers.null).toEqual({ source: "null", version: "3.2.4" });
  });

  it("tells the operator scripts what to check and what to snapshot, without naming the system in the scripts", () => {
    const { host, checks } = json.output.health_checks.value;
    // the Elastic IP over HTTP, or with domain_name the name over HTTPS (the certificate is for the name)
    expect(host).toMatch(/^\$\{\(length\(var\.domain_name\) >= 1\) \? var\.domain_name : aws_eip\..*\.public_ip\}$/);
    expect(checks).toMatch(/^\$\{jsondecode\(\(length\(var\.domain_name\) >= 1\) \? local\.health_checks_tls : local\.health_checks_plain\)\}$/);
    const plain = JSON.parse(json.locals.health_checks_plain!);
    const tls = JSON.parse(json.locals.health_checks_tls!);
    expect(plain.map((c: { name: string }) => c.name)).toEqual(["ui", "otlp-http", "otlp-grpc"]);
    expect(plain[0]).toMatchObject({ protocol: "http", port: 3000 });
    expect(plain[1]).toMatchObject({ protocol: "http", port: 4318, path: "/v1/traces", method: "POST" });
    expect(JSON.parse(plain[1].body).resourceSpans).toHaveLength(1);
    expect(tls[0]).toMatchObject({ protocol: "https", port: 443 });
    expect(tls[1]).toMatchObject({ protocol: "https", port: 4318, path: "/v1/traces", method: "POST" });
    expect(json.output.snapshot_volume_ids.value).toEqual([expect.stringMatching(/^\$\{aws_ebs_volume\.openlit_DataVolume_[0-9A-F]{8}\.id\}$/)]);
  });

  it("outputs what the operator needs", () => {
    expect(Object.keys(json.output).sort()).toEqual([
      "architecture", "aws_region", "container_log_group", "cost_breakdown", "data_volume_id", "estimated_monthly_cost_usd", "health_checks", "instance_id",
      "openlit_image", "openlit_url", "otlp_grpc_endpoint", "otlp_http_endpoint", "public_ip", "session_manager_command", "snapshot_volume_ids", "ssh_command",
    ]);
    const tls = "(length(var.domain_name) >= 1) ? ";
    expect(json.output.openlit_url.value).toMatch(/^\$\{\(length\(var\.domain_name\) >= 1\) \? "https:\/\/\$\{var\.domain_name\}" : "http:\/\/\$\{aws_eip\..*\.public_ip\}:3000"\}$/);
    expect(json.output.otlp_grpc_endpoint.value).toContain(tls);
    expect(json.output.otlp_grpc_endpoint.value).toMatch(/:4317"\}$/);
    expect(json.output.otlp_http_endpoint.value).toMatch(/:4318"\}$/);
    expect(json.output.ssh_command.value).toContain("aws ssm start-session --target");
    expect(json.output.ssh_command.value).toContain("ssh -i ~/.ssh/${var.key_pair_name}.pem ec2-user@");
  });
});

describe("OpenlitStack state backend", () => {
  it("keeps local state at the repository root by a relative path", () => {
    expect(synthOpenlit("demo").terraform.backend).toEqual({ local: { path: "../../../terraform.openlit-demo.tfstate" } });
  });

  it("uses encrypted, lock-file-locked S3 state per stack when a bucket is configured", () => {
    const json = synthStack(new OpenlitStack(Testing.app(), { environment: "staging", backend: { bucket: "acme-tf-state", region: "eu-west-1" } }));
    expect(json.terraform.backend).toEqual({
      s3: { bucket: "acme-tf-state", key: "cdktf-aws-stacks/openlit-staging/terraform.tfstate", region: "eu-west-1", encrypt: true, use_lockfile: true },
    });
  });
});

describe("Synthesized stacks (the reviewed snapshots are the offline plans, __tests__/offline-terraform)", () => {
  it("contain no secret value from any sample file", () => {
    const samples = ["environments/openlit/secrets.tfvars.example", "__tests__/fixtures/secrets-sample.tfvars"]
      .flatMap((f) => [...readFileSync(f, "utf8").matchAll(/^\s*\w+\s*=\s*"([^"]+)"/gm)].flatMap((m) => m[1].split(",")));
    expect(samples.length).toBeGreaterThan(2);
    for (const environment of ENVIRONMENTS.map((e) => e.name)) {
      const text = JSON.stringify(synthOpenlit(environment));
      for (const secret of samples) expect(text, `${environment} leaks ${secret}`).not.toContain(secret);
    }
  });
});
