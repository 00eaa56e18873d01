import { App, Fn, TerraformStack, TerraformVariable, Testing } from "cdktf";
import { Construct } from "constructs";
import { NullProvider } from "@cdktf/provider-null/lib/provider";
import { Resource as NullResource } from "@cdktf/provider-null/lib/resource";
import { DEFAULT_HEALTH_CHECK_SCRIPT, HealthGate, HealthGateProps } from "../modules/health-gate/index.js";

type Json = Record<string, any>;

class GateStack extends TerraformStack {
  constructor(scope: Construct, id: string, build: (stack: TerraformStack) => void) {
    super(scope, id);
    new NullProvider(this, "null");
    build(this);
  }
}

function synth(build: (stack: TerraformStack) => void): Json {
  const app: App = Testing.app();
  const stack = new GateStack(app, "test", build);
  return JSON.parse(Testing.synth(stack)) as Json;
}

function gates(json: Json): Json[] {
  // The gates are the null_resources with a provisioner (a test may add plain ones).
  return Object.values((json.resource?.null_resource ?? {}) as Record<string, Json>).filter((r) => r.provisioner);
}

/** Two checks of each protocol, with a body that carries the characters JSON and Terraform care about. */
const CHECKS: HealthGateProps["checks"] = [
  { name: "web", protocol: "http", port: 8080, path: "/healthz" },
  { name: "ingest", protocol: "http", port: 9000, path: "/v1/x", method: "POST", content_type: "application/json", body: '{"a":"${not-terraform}"}' },
  { name: "db", protocol: "tcp", port: 5432 },
];

function onlyGate(props: Omit<HealthGateProps, "checks"> & Partial<Pick<HealthGateProps, "checks">>): Json {
  props = { checks: CHECKS, ...props };
  const found = gates(synth((s) => new HealthGate(s, "gate", props as HealthGateProps)));
  expect(found).toHaveLength(1);
  return found[0];
}

describe("HealthGate", () => {
  it("creates one null_resource with a local-exec running scripts/health-check.sh with the defaults", () => {
    const r = onlyGate({ host: "203.0.113.10" });
    expect(r.count).toBe(1);
    expect(r.triggers).toEqual({ host: "203.0.113.10" });
    expect(r.provisioner).toHaveLength(1);
    const exec = r.provisioner[0]["local-exec"];
    expect(exec.command).toBe('bash "$HEALTH_GATE_SCRIPT" --host "$HEALTH_GATE_HOST" --checks "$HEALTH_GATE_CHECKS" --timeout "$HEALTH_GATE_TIMEOUT" --interval "$HEALTH_GATE_INTERVAL"');
    expect(exec.command).not.toContain("${"); // nothing for Terraform to interpolate inside the shell command
    expect(exec.environment).toEqual({
      HEALTH_GATE_SCRIPT: "${path.module}/../../../scripts/health-check.sh",
      HEALTH_GATE_HOST: "203.0.113.10",
      HEALTH_GATE_TIMEOUT: "600",
      HEALTH_GATE_INTERVAL: "5",
      // JSON, with Terraform's `${` escaped so the body reaches the script unchanged
      HEALTH_GATE_CHECKS: JSON.stringify(CHECKS).replace("${", () => "$${"),
    });
    expect(exec.environment.HEALTH_GATE_SCRIPT).toBe(DEFAULT_HEALTH_CHECK_SCRIPT);
    // every flag the command passes exists in the script's --help
    for (const flag of exec.command.match(/--[a-z-]+/g)) expect(flag).toMatch(/^--(host|checks|timeout|interval)$/);
  });

  it("passes host tokens through and merges triggers after host", () => {
    const json = synth((s) => {
      const ip = new TerraformVariable(s, "ip", { type: "string" });
      const id = new TerraformVariable(s, "instance", { type: "string" });
      new HealthGate(s, "gate", { host: ip.stringValue, checks: CHECKS, triggers: { instance_id: id.stringValue, image_tag: "v1" } });
    });
    const [r] = gates(json);
    expect(r.triggers).toEqual({ host: "${var.ip}", instance_id: "${var.instance}", image_tag: "v1" });
    expect(r.provisioner[0]["local-exec"].environment.HEALTH_GATE_HOST).toBe("${var.ip}");
  });

  it("maps enabled false to count 0 and a boolean token to a conditional count", () => {
    expect(onlyGate({ host: "203.0.113.10", enabled: false }).count).toBe(0);
    const [r] = gates(
      synth((s) => {
        const on = new TerraformVariable(s, "enable_health_gate", { type: "bool", default: false });
        new HealthGate(s, "gate", { host: "203.0.113.10", checks: CHECKS, enabled: on.booleanValue });
      }),
    );
    expect(r.count).toBe("${var.enable_health_gate ? 1 : 0}");
  });

  it("honours timeoutSeconds, intervalSeconds and scriptPath", () => {
    const r = onlyGate({
      host: "gate.example.com",
      timeoutSeconds: 120,
      intervalSeconds: 2,
      scriptPath: "/opt/ops/health-check.sh",
    });
    expect(r.provisioner[0]["local-exec"].environment).toMatchObject({
      HEALTH_GATE_SCRIPT: "/opt/ops/health-check.sh",
      HEALTH_GATE_TIMEOUT: "120",
      HEALTH_GATE_INTERVAL: "2",
    });
  });

  it("adds explicit dependencies (e.g. the EIP association) and none by default", () => {
    expect(onlyGate({ host: "203.0.113.10" }).depends_on).toBeUndefined();
    const [r] = gates(
      synth((s) => {
        const before = new NullResource(s, "eip_association");
        new HealthGate(s, "gate", { host: "203.0.113.10", checks: CHECKS, dependsOn: [before] });
      }),
    );
    expect(r.depends_on).toEqual(["null_resource.eip_association"]);
  });

  it("uses the stack's null provider and creates none itself", () => {
    const json = synth((s) => new HealthGate(s, "gate", { host: "203.0.113.10", checks: CHECKS }));
    expect(Object.keys(json.provider ?? {})).toEqual(["null"]);
    expect(json.provider.null).toHaveLength(1);
  });

  it("rejects invalid props at synth with every problem listed", () => {
    expect(() =>
      synth((s) => new HealthGate(s, "gate", { host: "bad host;rm", checks: [{ name: "ui", protocol: "http", port: 70000 }], timeoutSeconds: 0, triggers: { host: "x" } })),
    ).toThrow(/host "bad host;rm"[\s\S]*timeoutSeconds[\s\S]*checks\["ui"\]\.port[\s\S]*triggers/);
  });

  describe("ssm checks", () => {
    const INSTANCE = "i-0123456789abcdef0";
    const PG_READY = `docker exec timescaledb pg_isready -h 127.0.0.1 -U postgres -d "my'db" && echo "\${HOSTNAME}"`;

    it("passes the instance id as host and the command unchanged to the script", () => {
      const checks: HealthGateProps["checks"] = [{ name: "postgres", protocol: "ssm", command: PG_READY, region: "eu-central-1" }];
      const r = onlyGate({ host: INSTANCE, checks });
      const exec = r.provisioner[0]["local-exec"];
      expect(exec.command).toBe('bash "$HEALTH_GATE_SCRIPT" --host "$HEALTH_GATE_HOST" --checks "$HEALTH_GATE_CHECKS" --timeout "$HEALTH_GATE_TIMEOUT" --interval "$HEALTH_GATE_INTERVAL"');
      expect(exec.environment.HEALTH_GATE_HOST).toBe(INSTANCE);
      // Terraform turns $${ back into ${: the script receives exactly this JSON
      expect(exec.environment.HEALTH_GATE_CHECKS.replace("$${", () => "${")).toBe(JSON.stringify(checks));
      expect(JSON.parse(exec.environment.HEALTH_GATE_CHECKS.replace("$${", () => "${"))[0].command).toBe(PG_READY);
    });

    it("takes the instance id as a token, and a region token in checks given as a string", () => {
      const [r] = gates(
        synth((s) => {
          const instance = new TerraformVariable(s, "instance_id", { type: "string" });
          const region = new TerraformVariable(s, "region", { type: "string" });
          const checks: HealthGateProps["checks"] = [{ name: "postgres", protocol: "ssm", command: "pg_isready", region: region.stringValue }];
          new HealthGate(s, "gate", { host: instance.stringValue, checks: Fn.jsonencode(checks) });
        }),
      );
      expect(r.provisioner[0]["local-exec"].environment).toMatchObject({
        HEALTH_GATE_HOST: "${var.instance_id}",
        HEALTH_GATE_CHECKS: '${jsonencode([{"name" = "postgres", "protocol" = "ssm", "command" = "pg_isready", "region" = var.region}])}',
      });
    });

    it("rejects a region token in a list of checks (it would be escaped, not resolved)", () => {
      expect(() =>
        synth((s) => {
          const region = new TerraformVariable(s, "region", { type: "string" });
          new HealthGate(s, "gate", { host: INSTANCE, checks: [{ name: "postgres", protocol: "ssm", command: "pg_isready", region: region.stringValue }] });
        }),
      ).toThrow('checks["postgres"] holds a Terraform expression, which a list of checks would escape: give checks as a string, e.g. Fn.jsonencode(checks).');
    });

    it("rejects an ssm check without command or with a port, and command on a tcp check", () => {
      const checks = [
        { name: "no-command", protocol: "ssm" },
        { name: "with-port", protocol: "ssm", command: "pg_isready", port: 5432, path: "/" },
        { name: "bad-region", protocol: "ssm", command: "true", region: "Frankfurt" },
      ] as unknown as HealthGateProps["checks"];
      const error = () => synth((s) => new HealthGate(s, "gate", { host: INSTANCE, checks }));
      expect(error).toThrow('checks["no-command"] is an ssm check: give command, the shell command to run on the instance.');
      expect(error).toThrow('checks["with-port"]: ssm checks take command, not port, path.');
      expect(error).toThrow('checks["bad-region"].region "Frankfurt" must be an AWS region such as "eu-central-1".');
      expect(() =>
        synth((s) => new HealthGate(s, "gate", { host: "203.0.113.10", checks: [{ name: "db", protocol: "tcp", port: 5432, command: "true" }] as unknown as HealthGateProps["checks"] })),
      ).toThrow('checks["db"] is a tcp check: command and region apply to ssm checks only.');
    });

    it("rejects an address as the host of ssm checks, and ssm mixed with http/tcp checks", () => {
      const pg = { name: "postgres", protocol: "ssm", command: "pg_isready" } as const;
      expect(() => synth((s) => new HealthGate(s, "gate", { host: "203.0.113.10", checks: [pg] }))).toThrow(
        'host "203.0.113.10" must be an EC2 instance id (e.g. i-0123456789abcdef0) for ssm checks: they run on that instance.',
      );
      expect(() => synth((s) => new HealthGate(s, "gate", { host: INSTANCE, checks: [pg, { name: "ui", protocol: "http", port: 80 }] }))).toThrow(
        "checks mix ssm with http/tcp checks: ssm checks run on the instance whose id is host, the others connect to host as an address; use one HealthGate for each.",
      );
    });
  });

  it("points the default script path at scripts/health-check.sh from cdktf.out/stacks/<stack>", async () => {
    const { existsSync } = await import("node:fs");
    const { join, resolve } = await import("node:path");
    const stackDir = resolve(import.meta.dirname, "..", "cdktf.out", "stacks", "openlit-demo");
    expect(existsSync(join(stackDir, DEFAULT_HEALTH_CHECK_SCRIPT.replace("${path.module}/", "")))).toBe(true);
  });
});
