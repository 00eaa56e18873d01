/**
 * Proof that the offline run is not a rubber stamp: each broken variant of
 * the fixture must be rejected by the real Terraform CLI (through the
 * stand-in provider's schema), with Terraform's own error text.
 */
import { installStandInProviders, planStack, validateStack } from "../../scripts/offline-terraform/index.js";
import { flat, mutatedStack, requireTerraform, synthFixture, writeTempFile, cleanupFixtures } from "./fixtures.js";

let base: string;

beforeAll(async () => {
  requireTerraform();
  await installStandInProviders();
  base = synthFixture();
}, 120_000);

afterAll(() => cleanupFixtures());

const instanceOf = (config: any) => config.resource.aws_instance.web;

describe("terraform rejects broken configurations through the stand-in provider", () => {
  it("unknown argument", async () => {
    const stackDir = mutatedStack(base, (c) => (instanceOf(c).instance_typo = "t4g.small"));
    const r = await validateStack({ stackDir });
    expect(r.exitCode).not.toBe(0);
    expect(flat(r.stderr)).toContain("Error: Extraneous JSON object property");
    expect(flat(r.stderr)).toContain('No argument or block type is named "instance_typo".');
  });

  it("missing required argument", async () => {
    const stackDir = mutatedStack(base, (c) => delete c.resource.aws_ssm_parameter.db_password_param.name);
    const r = await validateStack({ stackDir });
    expect(r.exitCode).not.toBe(0);
    expect(flat(r.stderr)).toContain("Error: Missing required argument");
    expect(flat(r.stderr)).toContain('The argument "name" is required, but no definition was found.');
  });

  it("wrong type", async () => {
    const stackDir = mutatedStack(base, (c) => (instanceOf(c).root_block_device.volume_size = { size: 30 }));
    const r = await validateStack({ stackDir });
    expect(r.exitCode).not.toBe(0);
    expect(flat(r.stderr)).toContain("Error: Incorrect attribute value type");
    expect(flat(r.stderr)).toContain("number required");
  });

  it("a nested block given as a plain string", async () => {
    const stackDir = mutatedStack(base, (c) => (instanceOf(c).metadata_options = "required"));
    const r = await validateStack({ stackDir });
    expect(r.exitCode).not.toBe(0);
    expect(flat(r.stderr)).toMatch(/Error: Incorrect JSON value type|Error: Unsupported block type|block definition/);
  });

  it("reference to an undeclared resource", async () => {
    const stackDir = mutatedStack(base, (c) => (instanceOf(c).subnet_id = "${aws_subnet.missing.id}"));
    const r = await validateStack({ stackDir });
    expect(r.exitCode).not.toBe(0);
    expect(flat(r.stderr)).toContain("Error: Reference to undeclared resource");
    expect(flat(r.stderr)).toContain('A managed resource "aws_subnet" "missing" has not been declared in the root module.');
  });

  it("tfvars value failing a variable's validation", async () => {
    const varFile = writeTempFile("bad.tfvars", 'env = "qa"\n');
    const r = await planStack({ stackDir: base, varFiles: [varFile] });
    expect(r.exitCode).not.toBe(0);
    expect(flat(r.stderr)).toContain("Error: Invalid value for variable");
    expect(flat(r.stderr)).toContain("env must be dev or prod.");
  });

  it("missing required variable", async () => {
    const app = synthFixture({ requiredVariable: true });
    const r = await planStack({ stackDir: app });
    expect(r.exitCode).not.toBe(0);
    expect(flat(r.stderr)).toContain("Error: No value for required variable");
    expect(flat(r.stderr)).toContain('The root module input variable "env" is not set, and has no default value.');
  });

  it("an unsupported resource type is reported, not silently accepted", async () => {
    const stackDir = mutatedStack(base, (c) => (c.resource.aws_not_a_thing = { x: {} }));
    const r = await validateStack({ stackDir });
    expect(r.exitCode).not.toBe(0);
    expect(flat(r.stderr)).toContain("Error: Invalid resource type");
  });
});
