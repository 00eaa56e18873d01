/**
 * Proof that the offline run is not a rubber stamp: each broken variant of
 * the fixture must be rejected by the real Terraform CLI (through the
 * stand-in provider's schema), with Terraform's own error text.
 *
 * One `terraform init` serves every variant of the fixture: each case runs in
 * its own copy of the initialized workspace with its config edited, and the
 * cases run concurrently (each is an independent Terraform process).
 */
import { initWorkspace, planStack, type Workspace } from "../../scripts/offline-terraform/index.js";
import { flat, requireTerraform, synthFixture, writeTempFile, cleanupFixtures } from "./fixtures.js";

let ws: Workspace;
let requiredVariableStack: string;

beforeAll(async () => {
  requireTerraform();
  requiredVariableStack = await synthFixture({ requiredVariable: true });
  ws = await initWorkspace({ stackDir: await synthFixture() });
  expect(ws.init.exitCode, ws.init.stdout + ws.init.stderr).toBe(0);
}, 120_000);

afterAll(() => {
  ws?.cleanup();
  cleanupFixtures();
});

const instanceOf = (config: any) => config.resource.aws_instance.web;

describe.concurrent("terraform rejects broken configurations through the stand-in provider", () => {
  it("unknown argument", async () => {
    const r = await ws.validate({ mutate: (c) => (instanceOf(c).instance_typo = "t4g.small") });
    expect(r.exitCode).not.toBe(0);
    expect(flat(r.stderr)).toContain("Error: Extraneous JSON object property");
    expect(flat(r.stderr)).toContain('No argument or block type is named "instance_typo".');
  });

  it("missing required argument", async () => {
    const r = await ws.validate({ mutate: (c) => delete c.resource.aws_ssm_parameter.db_password_param.name });
    expect(r.exitCode).not.toBe(0);
    expect(flat(r.stderr)).toContain("Error: Missing required argument");
    expect(flat(r.stderr)).toContain('The argument "name" is required, but no definition was found.');
  });

  it("wrong type", async () => {
    const r = await ws.validate({ mutate: (c) => (instanceOf(c).root_block_device.volume_size = { size: 30 }) });
    expect(r.exitCode).not.toBe(0);
    expect(flat(r.stderr)).toContain("Error: Incorrect attribute value type");
    expect(flat(r.stderr)).toContain("number required");
  });

  it("a nested block given as a plain string", async () => {
    const r = await ws.validate({ mutate: (c) => (instanceOf(c).metadata_options = "required") });
    expect(r.exitCode).not.toBe(0);
    expect(flat(r.stderr)).toMatch(/Error: Incorrect JSON value type|Error: Unsupported block type|block definition/);
  });

  it("reference to an undeclared resource", async () => {
    const r = await ws.validate({ mutate: (c) => (instanceOf(c).subnet_id = "${aws_subnet.missing.id}") });
    expect(r.exitCode).not.toBe(0);
    expect(flat(r.stderr)).toContain("Error: Reference to undeclared resource");
    expect(flat(r.stderr)).toContain('A managed resource "aws_subnet" "missing" has not been declared in the root module.');
  });

  it("tfvars value failing a variable's validation", async () => {
    const varFile = writeTempFile("bad.tfvars", 'env = "qa"\n');
    const r = await ws.plan({ varFiles: [varFile] });
    expect(r.exitCode).not.toBe(0);
    expect(flat(r.stderr)).toContain("Error: Invalid value for variable");
    expect(flat(r.stderr)).toContain("env must be dev or prod.");
  });

  it("missing required variable", async () => {
    const r = await planStack({ stackDir: requiredVariableStack });
    expect(r.exitCode).not.toBe(0);
    expect(flat(r.stderr)).toContain("Error: No value for required variable");
    expect(flat(r.stderr)).toContain('The root module input variable "env" is not set, and has no default value.');
  });

  it("an unsupported resource type is reported, not silently accepted", async () => {
    const r = await ws.validate({ mutate: (c) => (c.resource.aws_not_a_thing = { x: {} }) });
    expect(r.exitCode).not.toBe(0);
    expect(flat(r.stderr)).toContain("Error: Invalid resource type");
    expect(flat(r.stderr)).toContain('The provider hashicorp/aws does not support resource type "aws_not_a_thing".');
  });

  it("the pruned schema keeps Terraform's suggestions for misspelt types", async () => {
    const r = await ws.validate({
      mutate: (c) => {
        c.resource.aws_instanc = { typo: { ami: "ami-1", instance_type: "t4g.small" } };
        c.resource.aws_caller_identity = { wrong_mode: {} };
        c.data.aws_ssm_parametr = { typo: { name: "/x" } };
      },
    });
    expect(r.exitCode).not.toBe(0);
    // served: the configured types plus Terraform's suggestion candidates, nothing else
    expect(r.schema.served.aws!.resources).toBeLessThan(20);
    const err = flat(r.stderr);
    expect(err).toContain('The provider hashicorp/aws does not support resource type "aws_instanc". Did you mean "aws_instance"?');
    expect(err).toContain('The provider hashicorp/aws does not support resource type "aws_caller_identity". Did you intend to use the data source "aws_caller_identity"?');
    expect(err).toContain('The provider hashicorp/aws does not support data source "aws_ssm_parametr". Did you mean "aws_ssm_parameter"?');
  });
});
