import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { App, TerraformStack, TerraformVariable, Testing } from "cdktf";
import { NullProvider } from "@cdktf/provider-null/lib/provider";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { Instance } from "@cdktf/provider-aws/lib/instance";
import { CANCEL_SPOT_REQUEST_COMMAND, DEFAULT_CANCEL_SPOT_REQUEST_SCRIPT, SpotRequestCleanup, SpotRequestCleanupProps } from "../modules/spot-request-cleanup/index.js";

type Json = Record<string, any>;

const REPO = resolve(import.meta.dirname, "..");

/** A bare stack with the null provider (the construct needs it and creates none), built by `build`. */
function synth(build: (stack: TerraformStack) => void): Json {
  const app: App = Testing.app();
  const stack = new TerraformStack(app, "test");
  new NullProvider(stack, "null");
  build(stack);
  return JSON.parse(Testing.synth(stack)) as Json;
}

function nullResources(json: Json): [string, Json][] {
  return Object.entries((json.resource?.null_resource ?? {}) as Record<string, Json>);
}

function onlyCleanup(props: SpotRequestCleanupProps): Json {
  const found = nullResources(synth((s) => new SpotRequestCleanup(s, "cleanup", props)));
  expect(found).toHaveLength(1);
  return found[0][1];
}

const LITERAL = { instanceId: "i-0123456789abcdef0", region: "eu-west-1" } as const;

describe("SpotRequestCleanup", () => {
  it("creates a null_resource whose destroy-time local-exec runs the cancel script with its triggers as environment", () => {
    const r = onlyCleanup(LITERAL);
    expect(r.count).toBe(1);
    expect(r.triggers).toEqual({ instance_id: "i-0123456789abcdef0", region: "eu-west-1", script: "${path.module}/../../../scripts/cancel-spot-request.sh" });
    expect(r.provisioner).toEqual([
      {
        "local-exec": {
          when: "destroy",
          command: 'bash "$SPOT_CLEANUP_SCRIPT" --region "$SPOT_REGION" --instance-id "$SPOT_INSTANCE_ID"',
          // One `$` each in the JSON: Terraform interpolates them at destroy time from the resource's own state.
          environment: {
            SPOT_CLEANUP_SCRIPT: "${self.triggers.script}",
            SPOT_REGION: "${self.triggers.region}",
            SPOT_INSTANCE_ID: "${self.triggers.instance_id}",
          },
        },
      },
    ]);
  });

  it("references nothing but self in the provisioner (Terraform refuses anything else at destroy time) and splices nothing into the command", () => {
    const exec = onlyCleanup(LITERAL).provisioner[0]["local-exec"];
    expect(exec.command).toBe(CANCEL_SPOT_REQUEST_COMMAND);
    expect(exec.command).not.toContain("${");
    const references = JSON.stringify(exec).match(/\$\{[^}]*\}/g) ?? [];
    expect(references).toHaveLength(3);
    for (const ref of references) expect(ref).toMatch(/^\$\{self\.triggers\.[a-z_]+\}$/);
    // every environment value names a trigger that exists
    const triggers = onlyCleanup(LITERAL).triggers;
    for (const value of Object.values<string>(exec.environment)) expect(Object.keys(triggers)).toContain(value.slice("${self.triggers.".length, -1));
  });

  it("passes only flags that the script's --help documents", () => {
    const help = readFileSync(join(REPO, "scripts", "cancel-spot-request.sh"), "utf8");
    for (const flag of CANCEL_SPOT_REQUEST_COMMAND.match(/--[a-z-]+/g) ?? []) expect(help).toContain(`  ${flag} `);
  });

  it("depends on the instance through the instance_id trigger, so Terraform destroys the cleanup (runs the cancel) first", () => {
    const json = synth((s) => {
      new AwsProvider(s, "aws", { region: "eu-west-1" });
      const host = new Instance(s, "host", {
        ami: "ami-0123456789abcdef0",
        instanceType: "t4g.small",
        instanceMarketOptions: { marketType: "spot", spotOptions: { spotInstanceType: "persistent", instanceInterruptionBehavior: "stop" } },
      });
      const region = new TerraformVariable(s, "aws_region", { type: "string" });
      new SpotRequestCleanup(s, "cleanup", { instanceId: host.id, region: region.stringValue });
    });
    const [[, r]] = nullResources(json);
    expect(r.triggers).toMatchObject({ instance_id: "${aws_instance.host.id}", region: "${var.aws_region}" });
    expect(r.provisioner[0]["local-exec"].environment.SPOT_INSTANCE_ID).toBe("${self.triggers.instance_id}");
  });

  it("maps enabled false to count 0 and a boolean variable to a conditional count", () => {
    expect(onlyCleanup({ ...LITERAL, enabled: false }).count).toBe(0);
    const [[, r]] = nullResources(
      synth((s) => {
        const spot = new TerraformVariable(s, "spot", { type: "bool", default: false });
        new SpotRequestCleanup(s, "cleanup", { ...LITERAL, enabled: spot.booleanValue });
      }),
    );
    expect(r.count).toBe("${var.spot ? 1 : 0}");
  });

  it("honours scriptPath, which is a trigger like the others", () => {
    const r = onlyCleanup({ ...LITERAL, scriptPath: "/opt/ops/cancel-spot-request.sh" });
    expect(r.triggers.script).toBe("/opt/ops/cancel-spot-request.sh");
    expect(r.provisioner[0]["local-exec"].environment.SPOT_CLEANUP_SCRIPT).toBe("${self.triggers.script}");
  });

  it("gives the null_resource the construct id Resource: its address is the construct's (public API)", () => {
    let cleanup: SpotRequestCleanup | undefined;
    const json = synth((s) => (cleanup = new SpotRequestCleanup(s, "cleanup", LITERAL)));
    expect(cleanup!.node.tryFindChild("Resource")).toBe(cleanup!.resource);
    // cdktf leaves "Resource" out of the logical id, as aws-cdk does: null_resource.cleanup_<hash of the path>
    expect(nullResources(json).map(([logicalId]) => logicalId)).toEqual(["cleanup_A0B0913C"]);
  });

  it("rejects invalid props at synth with every problem listed", () => {
    expect(() => synth((s) => new SpotRequestCleanup(s, "cleanup", { instanceId: "", region: "Europe", scriptPath: "" }))).toThrow(
      /test\/cleanup[\s\S]*instanceId is empty[\s\S]*region "Europe" is not an AWS region name[\s\S]*scriptPath must not be empty/,
    );
    expect(() => synth((s) => new SpotRequestCleanup(s, "cleanup", { instanceId: "web-1", region: "" }))).toThrow(/instanceId "web-1" is not an EC2 instance id[\s\S]*region is empty/);
  });

  it("points the default script path at scripts/cancel-spot-request.sh from cdktf.out/stacks/<stack>", () => {
    const stackDir = join(REPO, "cdktf.out", "stacks", "any-stack");
    expect(DEFAULT_CANCEL_SPOT_REQUEST_SCRIPT.startsWith("${path.module}/")).toBe(true);
    expect(join(stackDir, DEFAULT_CANCEL_SPOT_REQUEST_SCRIPT.replace("${path.module}/", ""))).toBe(join(REPO, "scripts", "cancel-spot-request.sh"));
  });
});
