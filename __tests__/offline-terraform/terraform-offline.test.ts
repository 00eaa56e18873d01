/**
 * End-to-end: real `terraform init/validate/plan/show -json` through the
 * stand-in providers, on a cdktf-synthesized fixture stack.
 *
 * One init; the validate and the two plans (the second one only proves that
 * the normalized plan is deterministic) start together in beforeAll and run
 * concurrently, each in its own copy of the initialized workspace.
 *
 * The validate and the second plan run the plugin as Terraform would run any
 * provider, a process of its own (node, the standalone plugin); the first plan
 * is served by the runner's plugin host (plugin-host.ts), as every other test
 * is: the two plans must be the same.
 */
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { startPluginHost } from "../../scripts/offline-terraform/plugin-host.js";
import {
  initWorkspace,
  installStandInProviders,
  normalizePlan,
  type PlanStackResult,
  type StackRunResult,
  type Workspace,
} from "../../scripts/offline-terraform/index.js";
import { flat, requireTerraform, synthFixture, cleanupFixtures } from "./fixtures.js";

let stackDir: string;
let ws: Workspace;
let validated: Promise<StackRunResult>;
let planned: Promise<PlanStackResult>;
let plannedAgain: Promise<PlanStackResult>;

beforeAll(async () => {
  requireTerraform();
  stackDir = await synthFixture();
  ws = await initWorkspace({ stackDir });
  validated = ws.validate({ keepScratch: true, pluginHost: false });
  planned = ws.plan({ pluginHost: true });
  plannedAgain = ws.plan({ pluginHost: false });
  // surface failures in the tests that await them, not as unhandled rejections
  for (const p of [validated, planned, plannedAgain]) p.catch(() => undefined);
}, 120_000);

afterAll(async () => {
  await Promise.allSettled([validated, planned, plannedAgain]);
  ws?.cleanup();
  cleanupFixtures();
});

describe("offline terraform on a cdktf fixture stack", () => {
  it("synthesizes an s3 backend that the scratch copy replaces with a local one", async () => {
    const config = JSON.parse(readFileSync(join(stackDir, "cdk.tf.json"), "utf8"));
    expect(Object.keys(config.terraform.backend)).toEqual(["s3"]);
    expect(ws.init.exitCode, ws.init.stdout + ws.init.stderr).toBe(0);
    const r = await validated;
    expect(r.originalBackend).toBe("s3");
    expect(r.runs.map((x) => x.args[0])).toEqual(["init", "validate"]);
    expect(r.pluginHost).toBe(false);
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain("Success! The configuration is valid.");
    // lock file and .terraform only ever exist in the scratch copy
    expect(existsSync(join(r.scratchDir!, ".terraform.lock.hcl"))).toBe(true);
    expect(existsSync(join(stackDir, ".terraform.lock.hcl"))).toBe(false);
    expect(existsSync(join(stackDir, ".terraform"))).toBe(false);
    expect(readFileSync(join(r.scratchDir!, ".terraform.lock.hcl"), "utf8")).toContain('provider "registry.terraform.io/hashicorp/aws"');
    rmSync(r.scratchDir!, { recursive: true, force: true });
  });

  it("serves schemas pruned to the configured types, with the complete provider block", async () => {
    const r = await validated;
    expect(r.schema.fullSchemaReason).toBeUndefined();
    expect(r.schema.served).toEqual({ aws: { resources: 2, dataSources: 2 }, null: { resources: 1, dataSources: 0 } });
  });

  it("plans creates with computed values unknown, write-only values null and data sources known", async () => {
    const r = await planned;
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain("Plan: 3 to add, 0 to change, 0 to destroy.");
    expect(r.stdout).toContain("value_wo         = (write-only attribute)");
    expect(flat(r.stdout)).toContain("Offline placeholder values for data.aws_caller_identity");

    const plan = normalizePlan(r.showJson);
    expect(plan.resourceChanges.map((c) => `${c.address}:${c.actions.join(",")}`)).toEqual([
      "aws_instance.web:create",
      "aws_ssm_parameter.db_password_param:create",
      "null_resource.after_boot:create",
    ]);
    const instance = plan.resourceChanges.find((c) => c.address === "aws_instance.web")!;
    expect(instance.after).toMatchObject({
      instance_type: "t4g.small",
      root_block_device: [{ volume_size: 30, volume_type: "gp3", encrypted: true }],
      metadata_options: [{ http_tokens: "required", http_endpoint: "enabled" }],
      tags: { Name: "fixture-dev", Account: "123456789012" },
    });
    expect(instance.unknown).toEqual(expect.arrayContaining(["arn", "id", "root_block_device[0].volume_id"]));

    const param = plan.resourceChanges.find((c) => c.type === "aws_ssm_parameter")!;
    // value_wo comes from a sensitive variable, so the normalized view masks it...
    expect(param.after).toMatchObject({ name: "/fixture/dev/db-password", type: "SecureString", value_wo: "(sensitive)", value_wo_version: 1 });
    // ...but in the raw plan it is null: Terraform requires write-only attributes to be null in plans
    const rawParam = (r.showJson as { resource_changes: Array<{ type: string; change: { after: Record<string, unknown> } }> }).resource_changes.find(
      (c) => c.type === "aws_ssm_parameter",
    )!;
    expect(rawParam.change.after.value_wo).toBeNull();
    expect(JSON.stringify(plan)).not.toContain("fixture-only"); // the sensitive variable's value never appears
    expect(plan.variables.db_password).toBe("(sensitive)");

    const hook = plan.resourceChanges.find((c) => c.type === "null_resource")!;
    expect(hook.unknown).toEqual(["id", "triggers.instance"]);
    expect(plan.outputChanges.account_id).toEqual({ actions: ["create"], after: "123456789012", unknown: false });
    expect(plan.outputChanges.instance_id!.unknown).toBe(true);
  });

  it("normalizes show -json into a stable object (no timestamps, versions or absolute paths)", async () => {
    const [r, again] = await Promise.all([planned, plannedAgain]);
    expect([r.pluginHost, again.pluginHost]).toEqual([true, false]); // plugin host and standalone plugin processes agree
    // the hosted plan really was served by the host (not by the wrapper's fallback to node)
    const host = await startPluginHost((await installStandInProviders()).tlsPath);
    expect(host.served(), "the plugin host served no plugin process: is bash (with /dev/tcp) on PATH?").toBeGreaterThanOrEqual(2);
    const raw = JSON.stringify(r.showJson);
    expect(raw).toContain("terraform_version");
    const normalized = JSON.stringify(normalizePlan(r.showJson));
    expect(normalized).not.toMatch(/terraform_version|timestamp|\/tmp\//);
    expect(again.exitCode, again.stdout + again.stderr).toBe(0);
    expect(normalizePlan(r.showJson)).toEqual(normalizePlan(again.showJson));
  });
});
