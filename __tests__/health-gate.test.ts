import { App, TerraformStack, TerraformVariable, Testing } from "cdktf";
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

function onlyGate(props: HealthGateProps): Json {
  const found = gates(synth((s) => new HealthGate(s, "gate", props)));
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
    expect(exec.command).toContain('bash "$HEALTH_GATE_SCRIPT" --host "$HEALTH_GATE_HOST" --timeout "$HEALTH_GATE_TIMEOUT"');
    expect(exec.command).not.toContain("${"); // nothing for Terraform to interpolate inside the shell command
    expect(exec.environment).toEqual({
      HEALTH_GATE_SCRIPT: "${path.module}/../../../scripts/health-check.sh",
      HEALTH_GATE_HOST: "203.0.113.10",
      HEALTH_GATE_TIMEOUT: "600",
      HEALTH_GATE_INTERVAL: "5",
      HEALTH_GATE_UI_PORT: "3000",
      HEALTH_GATE_OTLP_HTTP_PORT: "4318",
      HEALTH_GATE_OTLP_GRPC_PORT: "4317",
    });
    expect(exec.environment.HEALTH_GATE_SCRIPT).toBe(DEFAULT_HEALTH_CHECK_SCRIPT);
    // every flag the command passes exists in the script's --help
    for (const flag of exec.command.match(/--[a-z-]+/g)) expect(flag).toMatch(/^--(host|timeout|interval|ui-port|otlp-http-port|otlp-grpc-port)$/);
  });

  it("passes host tokens through and merges triggers after host", () => {
    const json = synth((s) => {
      const ip = new TerraformVariable(s, "ip", { type: "string" });
      const id = new TerraformVariable(s, "instance", { type: "string" });
      new HealthGate(s, "gate", { host: ip.stringValue, triggers: { instance_id: id.stringValue, image_tag: "v1" } });
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
        new HealthGate(s, "gate", { host: "203.0.113.10", enabled: on.booleanValue });
      }),
    );
    expect(r.count).toBe("${var.enable_health_gate ? 1 : 0}");
  });

  it("honours timeoutSeconds, intervalSeconds, scriptPath and ports", () => {
    const r = onlyGate({
      host: "gate.example.com",
      timeoutSeconds: 120,
      intervalSeconds: 2,
      scriptPath: "/opt/ops/health-check.sh",
      uiPort: 8080,
      otlpHttpPort: 14318,
      otlpGrpcPort: 14317,
    });
    expect(r.provisioner[0]["local-exec"].environment).toMatchObject({
      HEALTH_GATE_SCRIPT: "/opt/ops/health-check.sh",
      HEALTH_GATE_TIMEOUT: "120",
      HEALTH_GATE_INTERVAL: "2",
      HEALTH_GATE_UI_PORT: "8080",
      HEALTH_GATE_OTLP_HTTP_PORT: "14318",
      HEALTH_GATE_OTLP_GRPC_PORT: "14317",
    });
  });

  it("adds explicit dependencies (e.g. the EIP association) and none by default", () => {
    expect(onlyGate({ host: "203.0.113.10" }).depends_on).toBeUndefined();
    const [r] = gates(
      synth((s) => {
        const before = new NullResource(s, "eip_association");
        new HealthGate(s, "gate", { host: "203.0.113.10", dependsOn: [before] });
      }),
    );
    expect(r.depends_on).toEqual(["null_resource.eip_association"]);
  });

  it("uses the stack's null provider and creates none itself", () => {
    const json = synth((s) => new HealthGate(s, "gate", { host: "203.0.113.10" }));
    expect(Object.keys(json.provider ?? {})).toEqual(["null"]);
    expect(json.provider.null).toHaveLength(1);
  });

  it("rejects invalid props at synth with every problem listed", () => {
    expect(() =>
      synth((s) => new HealthGate(s, "gate", { host: "bad host;rm", timeoutSeconds: 0, uiPort: 70000, triggers: { host: "x" } })),
    ).toThrow(/host "bad host;rm"[\s\S]*timeoutSeconds[\s\S]*uiPort[\s\S]*triggers/);
  });

  it("points the default script path at scripts/health-check.sh from cdktf.out/stacks/<stack>", async () => {
    const { existsSync } = await import("node:fs");
    const { join, resolve } = await import("node:path");
    const stackDir = resolve(import.meta.dirname, "..", "cdktf.out", "stacks", "openlit-demo");
    expect(existsSync(join(stackDir, DEFAULT_HEALTH_CHECK_SCRIPT.replace("${path.module}/", "")))).toBe(true);
  });
});
