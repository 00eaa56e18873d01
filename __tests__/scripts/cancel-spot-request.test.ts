import { join } from "node:path";
import type { TestContext } from "vitest";
import { TerraformStack, Testing } from "cdktf";
import { NullProvider } from "@cdktf/provider-null/lib/provider";
import { SpotRequestCleanup } from "../../modules/spot-request-cleanup/index.js";
import { runProcess } from "../support/process.js";
import { createSandbox, Sandbox, testSandbox } from "./stubs.js";

const INSTANCE = "i-0123456789abcdef0";
const REQUEST = "sir-0abc1234";
const ARGS = ["--region", "eu-west-1", "--instance-id", INSTANCE];

const DESCRIBE_INSTANCES = `aws ec2 describe-instances --region eu-west-1 --instance-ids ${INSTANCE} --query Reservations[].Instances[].SpotInstanceRequestId --output text`;
const DESCRIBE_REQUEST = `aws ec2 describe-spot-instance-requests --region eu-west-1 --spot-instance-request-ids ${REQUEST} --query SpotInstanceRequests[].[State,InstanceId] --output text`;
const CANCEL = `aws ec2 cancel-spot-instance-requests --region eu-west-1 --spot-instance-request-ids ${REQUEST} --query CancelledSpotInstanceRequests[].State --output text`;

/**
 * aws stub for one spot instance and its request (FAKE_*: the script's own globals would shadow plain names). FAKE_SIR: the instance's request id as describe-instances prints it
 * (default sir-0abc1234; "" or "None" for an on-demand instance); FAKE_MISSING=1: the instance does not exist; FAKE_FAIL=<operation>:
 * that call fails with an authorization error; FAKE_STATE: the request's state until cancelled (default active);
 * FAKE_LAUNCHED: the instance the request launched last (default ours); FAKE_STUCK=1: the cancel does not take.
 */
const aws = `
case "$2" in
  describe-instances)
    if [[ -n "\${FAKE_MISSING:-}" ]]; then
      echo "An error occurred (InvalidInstanceID.NotFound) when calling the DescribeInstances operation: The instance ID '${INSTANCE}' does not exist" >&2; exit 254
    fi ;;
esac
if [[ "$2" == "\${FAKE_FAIL:-none}" ]]; then
  echo "An error occurred (UnauthorizedOperation) when calling the $2 operation: You are not authorized to perform this operation." >&2; exit 254
fi
case "$2" in
  describe-instances) printf '%s\\n' "\${FAKE_SIR-${REQUEST}}" ;;
  describe-spot-instance-requests)
    state=\${FAKE_STATE:-active}; [[ -e "$HOME/cancelled" ]] && state=cancelled
    printf '%s\\t%s\\n' "$state" "\${FAKE_LAUNCHED:-${INSTANCE}}" ;;
  cancel-spot-instance-requests) [[ -n "\${FAKE_STUCK:-}" ]] || : > "$HOME/cancelled"; echo cancelled ;;
  *) exit 99 ;;
esac`;

function sandbox(ctx: Pick<TestContext, "onTestFinished">, files: Record<string, string> = {}) {
  // mktemp: the script keeps the CLI's stderr in a temporary file. sleep: the verify loop's delay, returned at once.
  return testSandbox(ctx, { stubs: { aws, sleep: "exit 0" }, realTools: ["mktemp"], environments: {}, files });
}

describe.concurrent("cancel-spot-request.sh", () => {
  it("cancels the instance's spot request, then checks that it is cancelled", async ({ expect, onTestFinished }) => {
    const sb = sandbox({ onTestFinished });
    const r = await sb.run("cancel-spot-request.sh", ARGS);
    expect(r.stderr).not.toContain("error");
    expect(r.code).toBe(0);
    expect(sb.commands()).toEqual([DESCRIBE_INSTANCES, DESCRIBE_REQUEST, CANCEL, DESCRIBE_REQUEST]);
    expect(r.stdout).toBe(`${REQUEST} cancelled\n`);
    expect(r.stderr).toContain(`cancelling spot request ${REQUEST} (active) of ${INSTANCE} in eu-west-1`);
  });

  it("takes region and instance from SPOT_REGION and SPOT_INSTANCE_ID", async ({ expect, onTestFinished }) => {
    const sb = sandbox({ onTestFinished });
    const r = await sb.run("cancel-spot-request.sh", [], { env: { SPOT_REGION: "eu-west-1", SPOT_INSTANCE_ID: INSTANCE } });
    expect(r.code).toBe(0);
    expect(sb.commands()).toContain(CANCEL);
  });

  it.for([
    ["no spot request (empty answer)", ""],
    ["no spot request (None)", "None"],
  ])("exits 0 without cancelling for an instance with %s", async ([, sir], { expect, onTestFinished }) => {
    const sb = sandbox({ onTestFinished });
    const r = await sb.run("cancel-spot-request.sh", ARGS, { env: { FAKE_SIR: sir } });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain(`instance ${INSTANCE} in eu-west-1 was not launched by a spot request: nothing to cancel`);
    expect(sb.commands()).toEqual([DESCRIBE_INSTANCES]);
  });

  it("exits 0 without cancelling when the instance does not exist", async ({ expect, onTestFinished }) => {
    const sb = sandbox({ onTestFinished });
    const r = await sb.run("cancel-spot-request.sh", ARGS, { env: { FAKE_MISSING: "1" } });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`instance ${INSTANCE} does not exist in eu-west-1 (any more): no spot request to cancel`);
    expect(sb.commands()).toEqual([DESCRIBE_INSTANCES]);
  });

  it.for(["cancelled", "closed", "failed"])("does nothing when the request is already %s (running it again is harmless)", async (state, { expect, onTestFinished }) => {
    const sb = sandbox({ onTestFinished });
    const r = await sb.run("cancel-spot-request.sh", ARGS, { env: { FAKE_STATE: state } });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`spot request ${REQUEST} of ${INSTANCE} is already ${state}: nothing to cancel`);
    expect(sb.commands()).toEqual([DESCRIBE_INSTANCES, DESCRIBE_REQUEST]);
  });

  it.for(["describe-instances", "describe-spot-instance-requests", "cancel-spot-instance-requests"])(
    "fails with the AWS CLI's message when %s fails",
    async (operation, { expect, onTestFinished }) => {
      const sb = sandbox({ onTestFinished });
      const r = await sb.run("cancel-spot-request.sh", ARGS, { env: { FAKE_FAIL: operation } });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`cancel-spot-request.sh: error: aws ec2 ${operation} --`);
      expect(r.stderr).toContain(` failed: An error occurred (UnauthorizedOperation) when calling the ${operation} operation: You are not authorized to perform this operation.`);
      expect(sb.commands().some((c) => c.startsWith("aws ec2 cancel-spot-instance-requests"))).toBe(operation === "cancel-spot-instance-requests");
    },
  );

  it("fails, naming the manual command, when the request is still active after the cancel", async ({ expect, onTestFinished }) => {
    const sb = sandbox({ onTestFinished });
    const r = await sb.run("cancel-spot-request.sh", ARGS, { env: { FAKE_STUCK: "1" } });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`spot request ${REQUEST} is still active after the cancel (5 checks)`);
    expect(r.stderr).toContain(`aws ec2 cancel-spot-instance-requests --region eu-west-1 --spot-instance-request-ids ${REQUEST}`);
    expect(sb.calls().filter((c) => c.cmd === "sleep").map((c) => c.args.join(" "))).toEqual(["2", "2", "2", "2"]);
  });

  it("warns about the instance a re-opened request has launched", async ({ expect, onTestFinished }) => {
    const sb = sandbox({ onTestFinished });
    const r = await sb.run("cancel-spot-request.sh", ARGS, { env: { FAKE_STATE: "open", FAKE_LAUNCHED: "i-0fedcba9876543210" } });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`warning: spot request ${REQUEST} launched i-0fedcba9876543210, not ${INSTANCE}`);
    expect(r.stderr).toContain("aws ec2 terminate-instances --region eu-west-1 --instance-ids i-0fedcba9876543210");
  });

  it.for([
    ["open", 1],
    ["active", 1],
    ["disabled", 1],
    ["cancelled", 0],
  ] as const)("--check reports a request that is %s (exit %i) and cancels nothing", async ([state, code], { expect, onTestFinished }) => {
    const sb = sandbox({ onTestFinished });
    const r = await sb.run("cancel-spot-request.sh", [...ARGS, "--check"], { env: { FAKE_STATE: state } });
    expect(r.code).toBe(code);
    expect(r.stdout).toBe(`${REQUEST} ${state}\n`);
    expect(sb.commands()).toEqual([DESCRIBE_INSTANCES, DESCRIBE_REQUEST]);
  });

  // One sandbox for --help and the usage errors: none of them may call anything, so its stub log must stay empty.
  let quiet: Sandbox;
  afterAll(() => quiet?.cleanup());

  it("--help prints the usage and calls nothing", async ({ expect }) => {
    const sb = (quiet ??= createSandbox({ stubs: { aws: "exit 99" }, environments: {} }));
    const r = await sb.run("cancel-spot-request.sh", ["--help"], { cwd: "/" });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: cancel-spot-request\.sh --region REGION --instance-id INSTANCE_ID \[--check\]\n/);
    expect(r.stderr).toBe("");
    expect(sb.calls()).toEqual([]);
  });

  it.for([
    [[], "no region: pass --region REGION (or set SPOT_REGION)"],
    [["--region", "eu-west-1"], "no instance: pass --instance-id INSTANCE_ID (or set SPOT_INSTANCE_ID)"],
    [["--region", "eu-west-1", "--instance-id", "web-1"], "instance id 'web-1' is not an EC2 instance id"],
    [["--region", "Europe", "--instance-id", INSTANCE], "region 'Europe' is not an AWS region name"],
    [[...ARGS, "--force"], "unknown argument: --force"],
  ] as const)("refuses bad usage with exit 2: %j", async ([args, message], { expect }) => {
    const sb = (quiet ??= createSandbox({ stubs: { aws: "exit 99" }, environments: {} }));
    const r = await sb.run("cancel-spot-request.sh", args);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(sb.calls()).toEqual([]);
  });
});

/** `${name}` references in a Terraform string, replaced from `scope`; a reference outside it fails the test. */
function interpolate(value: string, scope: Readonly<Record<string, string>>): string {
  return value.replace(/\$\{([^}]*)\}/g, (_, expr: string) => {
    if (!(expr in scope)) throw new Error(`\${${expr}} is not available here (only ${Object.keys(scope).join(", ")})`);
    return scope[expr]!;
  });
}

describe("SpotRequestCleanup's destroy-time command", () => {
  it("cancels the request when run as Terraform runs it: /bin/sh -c in the stack directory, with the triggers as environment", async ({ expect, onTestFinished }) => {
    const stack = new TerraformStack(Testing.app(), "shop-dev");
    new NullProvider(stack, "null");
    new SpotRequestCleanup(stack, "cleanup", { instanceId: INSTANCE, region: "eu-west-1" });
    const synthesized = Testing.synth(stack);
    const [resource] = Object.values<any>(JSON.parse(synthesized).resource.null_resource);
    const exec = resource.provisioner[0]["local-exec"];
    expect(exec.when).toBe("destroy");

    // What Terraform stores at create (the root module's path.module is "."), then gives self.triggers at destroy.
    const triggers: Record<string, string> = Object.fromEntries(Object.entries<string>(resource.triggers).map(([k, v]) => [k, interpolate(v, { "path.module": "." })]));
    const self = Object.fromEntries(Object.entries(triggers).map(([k, v]) => [`self.triggers.${k}`, v]));
    const environment = Object.fromEntries(Object.entries<string>(exec.environment).map(([k, v]) => [k, interpolate(v, self)]));
    expect(environment).toEqual({ SPOT_CLEANUP_SCRIPT: "./../../../scripts/cancel-spot-request.sh", SPOT_REGION: "eu-west-1", SPOT_INSTANCE_ID: INSTANCE });

    // local-exec runs in Terraform's working directory: cdktf.out/stacks/<stack> (terraform -chdir=...).
    const sb = sandbox({ onTestFinished }, { "cdktf.out/stacks/shop-dev/cdk.tf.json": synthesized });
    const r = await runProcess("/bin/sh", ["-c", exec.command], {
      cwd: join(sb.root, "cdktf.out", "stacks", "shop-dev"),
      env: { ...environment, PATH: sb.path, HOME: sb.home, STUB_LOG: join(sb.root, ".stub-log"), LANG: "C" },
    });
    expect(r.stderr).not.toContain("error");
    expect(r.status).toBe(0);
    expect(sb.commands()).toEqual([DESCRIBE_INSTANCES, DESCRIBE_REQUEST, CANCEL, DESCRIBE_REQUEST]);
  });
});
