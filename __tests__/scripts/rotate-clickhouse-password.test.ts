/**
 * scripts/rotate-clickhouse-password.sh against stub terraform (the stacks' outputs) and aws (Secrets Manager, SSM Run
 * Command, ECS). h3-pipeline-dev uses ClickHouse Cloud (no node instance ids), h3-pipeline-prod three nodes of its own,
 * h3-pipeline-staging is synthesized but not deployed. The aws stub keeps a copy of the secret file it was given
 * (content and mode) in the sandbox's HOME, so the tests see the password that was written without it ever being an
 * argument. ROTATE_POLL_SECONDS=0: no sleeping between polls.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { TestContext } from "vitest";
import { argOf, chdirArg, terraformStub } from "./stack-stubs.js";
import { cdkTfJson, createSandbox, OPENLIT_STACK, Sandbox, testSandbox } from "./stubs.js";

const SCRIPT = "rotate-clickhouse-password.sh";
const REGION = "us-east-1";
const ARN = (env: string) => `arn:aws:secretsmanager:${REGION}:123456789012:secret:h3-pipeline-${env}/clickhouse-password-Ab12Cd`;
const NODES = ["i-0a1b2c3d4e5f60718", "i-0b1c2d3e4f5a60729", "i-0c1d2e3f4a5b6073a"];
const OUTPUTS = ["clickhouse_password_secret_arn", "clickhouse_node_instance_ids", "cluster_name", "service_name", "aws_region"];
/** A password to look for everywhere it must not be: distinctive, with characters a shell would mangle. */
const PASSWORD = "Canary-9f3e'x \"$HOME\" q7*Zp";
const ENV = { ROTATE_POLL_SECONDS: "0" };

const STACK_JSON = cdkTfJson({ secrets: ["clickhouse_password"], outputs: [...OUTPUTS, "app_url"] });
const stackFiles = (envs: readonly string[], json = STACK_JSON) =>
  Object.fromEntries(envs.map((e) => [`cdktf.out/stacks/h3-pipeline-${e}/cdk.tf.json`, json]));

function outputLines(env: string, nodes: readonly string[]): string[] {
  const values: Record<string, unknown> = {
    clickhouse_password_secret_arn: ARN(env),
    clickhouse_node_instance_ids: nodes,
    cluster_name: `h3-pipeline-${env}`,
    service_name: `h3-pipeline-${env}-app`,
    aws_region: REGION,
  };
  return Object.entries(values).map(([k, v]) => `"h3-pipeline-${env} -json ${k}") printf '%s\\n' '${JSON.stringify(v)}' ;;`);
}
const terraform = terraformStub({ resources: 1, state: [], outputs: [...outputLines("dev", []), ...outputLines("prod", NODES)] });

/**
 * aws: put-secret-value copies the secret file (content, path, whether its mode is 0600); send-command answers
 * cmd-<instance>; get-command-invocation: InvocationDoesNotExist on the first poll, InProgress on the second, Success
 * from the third (FAKE_FAIL_NODE: that node's restart ends Failed; FAKE_STUCK=1: InProgress for ever).
 */
const aws = `
arg() { local prev="" a; for a in "\${@:2}"; do [[ "$prev" == "$1" ]] && { printf %s "$a"; return; }; prev=$a; done; }
case "$1 $2" in
  "secretsmanager put-secret-value")
    f=$(arg --secret-string "$@"); f=\${f#file://}
    cat "$f" > "$HOME/secret-received"; printf '%s' "$f" > "$HOME/secret-path"; find "$f" -perm 0600 > "$HOME/secret-mode"
    echo v-0001 ;;
  "ssm send-command") echo "cmd-$(arg --instance-ids "$@")" ;;
  "ssm get-command-invocation")
    i=$(arg --instance-id "$@"); n=$(cat "$HOME/polls-$i" 2>/dev/null || echo 0); n=$((n + 1)); echo "$n" > "$HOME/polls-$i"
    if [[ $n -eq 1 ]]; then echo "An error occurred (InvocationDoesNotExist) when calling the GetCommandInvocation operation" >&2; exit 254; fi
    if [[ -n "\${FAKE_STUCK:-}" || $n -eq 2 ]]; then printf 'InProgress\\tInProgress\\n'
    elif [[ "$i" == "\${FAKE_FAIL_NODE:-none}" ]]; then printf 'Failed\\tFailed\\n'
    else printf 'Success\\tSuccess\\n'; fi ;;
  "ecs update-service") echo "$(arg --service "$@")" ;;
  "ecs wait") ;;
  *) exit 99 ;;
esac`;

function sandbox(ctx: Pick<TestContext, "onTestFinished">, files: Record<string, string> = {}) {
  return testSandbox(ctx, {
    stubs: { terraform, aws },
    realTools: ["mktemp"],
    environments: { "h3-pipeline/dev": "", "h3-pipeline/prod": "", "h3-pipeline/staging": "", "openlit/demo": "" },
    files: { ...stackFiles(["dev", "prod", "staging"]), "cdktf.out/stacks/openlit-demo/cdk.tf.json": OPENLIT_STACK, "pw.txt": `${PASSWORD}\n`, ...files },
  });
}
const pwFile = (sb: Sandbox) => join(sb.root, "pw.txt");

/** The stub calls, the secret file's (random) path shown as SECRET_FILE. */
function commands(sb: Sandbox): string[] {
  return sb.commands().map((c) => c.replace(/file:\/\/\S+/, "file://SECRET_FILE"));
}
const readOutputs = (stack: string) => OUTPUTS.map((o) => `terraform ${chdirArg(stack)} output -json ${o}`);
const PUT = (env: string) => `aws secretsmanager put-secret-value --secret-id ${ARN(env)} --secret-string file://SECRET_FILE --query VersionId --output text --region ${REGION}`;
const SEND = (node: string) =>
  `aws ssm send-command --document-name AWS-RunShellScript --parameters commands=["systemctl restart clickhouse"] --instance-ids ${node} --comment ${SCRIPT}: restart clickhouse --query Command.CommandId --output text --region ${REGION}`;
const POLL = (node: string) => `aws ssm get-command-invocation --command-id cmd-${node} --instance-id ${node} --query [Status,StatusDetails] --output text --region ${REGION}`;
const RESTART = (node: string) => [SEND(node), POLL(node), POLL(node), POLL(node)];
const UPDATE = (env: string) => `aws ecs update-service --cluster h3-pipeline-${env} --service h3-pipeline-${env}-app --force-new-deployment --query service.serviceName --output text --region ${REGION}`;
const WAIT = (env: string) => `aws ecs wait services-stable --cluster h3-pipeline-${env} --services h3-pipeline-${env}-app --region ${REGION}`;

/** The secret file the aws stub was given: its content, whether it had mode 0600, whether it still exists. */
function secretReceived(sb: Sandbox) {
  const path = readFileSync(join(sb.home, "secret-path"), "utf8");
  return { content: readFileSync(join(sb.home, "secret-received"), "utf8"), mode600: readFileSync(join(sb.home, "secret-mode"), "utf8").trim() === path, exists: existsSync(path) };
}
const awsWrites = (sb: Sandbox) => commands(sb).filter((c) => /^aws (secretsmanager put|ssm send|ecs update)/.test(c));

describe.concurrent("rotate-clickhouse-password.sh", () => {
  it("ClickHouse Cloud without --cloud-password-changed: stops before changing anything, saying what to do", async ({ expect, onTestFinished }) => {
    const sb = sandbox({ onTestFinished });
    const r = await sb.run(SCRIPT, ["h3-pipeline-dev", "--password-file", pwFile(sb)], { env: ENV });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("managed cloud service");
    expect(r.stderr).toContain("set this same password on the cloud service");
    expect(r.stderr).toContain("--cloud-password-changed; nothing was changed");
    expect(commands(sb)).toEqual(readOutputs("h3-pipeline-dev"));
    expect(r.stdout).toBe("");
  });

  it("ClickHouse Cloud with --cloud-password-changed: writes the secret from a 0600 file, forces a new deployment, waits", async ({ expect, onTestFinished }) => {
    const sb = sandbox({ onTestFinished });
    const r = await sb.run(SCRIPT, ["h3-pipeline-dev", "--password-file", pwFile(sb), "--cloud-password-changed"], { env: ENV });
    expect(r.stderr).not.toContain("error");
    expect(r.code).toBe(0);
    expect(commands(sb)).toEqual([...readOutputs("h3-pipeline-dev"), PUT("dev"), UPDATE("dev"), WAIT("dev")]);
    expect(secretReceived(sb)).toEqual({ content: PASSWORD, mode600: true, exists: false });
    expect(r.stdout.split("\n")).toEqual([
      `Rotated the database password of stack h3-pipeline-dev (${REGION}):`,
      "  1. managed cloud service: the new password was set there by the operator (--cloud-password-changed)",
      `  2. secret ${ARN("dev")}: new value written (version v-0001)`,
      "  3. service h3-pipeline-dev-app (cluster h3-pipeline-dev): new deployment forced; stable again",
      expect.stringContaining("Update the stack's own copy of the password too (environments/h3-pipeline/dev.secrets.tfvars"),
      "",
    ]);
  });

  it("--no-wait: forces the new deployment without waiting for it", async ({ expect, onTestFinished }) => {
    const sb = sandbox({ onTestFinished });
    const r = await sb.run(SCRIPT, ["h3-pipeline-dev", "--password-file", pwFile(sb), "--cloud-password-changed", "--no-wait"], { env: ENV });
    expect(r.code).toBe(0);
    expect(commands(sb)).toEqual([...readOutputs("h3-pipeline-dev"), PUT("dev"), UPDATE("dev")]);
    expect(r.stdout).toContain("new deployment forced (not waited for: --no-wait)");
  });

  it("self-hosted: secret, then the three nodes strictly one after another (each polled to Success), then the tasks", async ({ expect, onTestFinished }) => {
    const sb = sandbox({ onTestFinished });
    const r = await sb.run(SCRIPT, ["h3-pipeline-prod", "--password-file", pwFile(sb)], { env: ENV });
    expect(r.stderr).not.toContain("error");
    expect(r.code).toBe(0);
    expect(commands(sb)).toEqual([...readOutputs("h3-pipeline-prod"), PUT("prod"), ...NODES.flatMap(RESTART), UPDATE("prod"), WAIT("prod")]);
    expect(secretReceived(sb)).toEqual({ content: PASSWORD, mode600: true, exists: false });
    expect(r.stdout).toContain(NODES.map((n, i) => `  ${i + 2}. node ${n} restarted (${i + 1} of 3)`).join("\n"));
    expect(r.stdout).toContain("  5. service h3-pipeline-prod-app (cluster h3-pipeline-prod): new deployment forced; stable again");
    // The restart command is exactly the documented one.
    const send = sb.calls().find((c) => c.args[1] === "send-command")!;
    expect(argOf(send.args, "--parameters")).toBe('commands=["systemctl restart clickhouse"]');
  });

  it("self-hosted: a node whose restart fails stops the script, naming it, before the next node and the ECS step", async ({ expect, onTestFinished }) => {
    const sb = sandbox({ onTestFinished });
    const r = await sb.run(SCRIPT, ["h3-pipeline-prod", "--password-file", pwFile(sb)], { env: { ...ENV, FAKE_FAIL_NODE: NODES[1] } });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`error: node ${NODES[1]} (2 of 3): the restart ended Failed (Failed) (command cmd-${NODES[1]}`);
    expect(r.stderr).toContain(`Done before: secret ${ARN("prod")} holds the new password (version v-0001); restarted node ${NODES[0]} (1 of 3)`);
    expect(commands(sb)).toEqual([...readOutputs("h3-pipeline-prod"), PUT("prod"), ...RESTART(NODES[0]), ...RESTART(NODES[1])]);
    expect(r.stdout).toBe("");
  });

  it("self-hosted: a restart that never ends fails after --timeout, naming the node", async ({ expect, onTestFinished }) => {
    const sb = sandbox({ onTestFinished });
    const r = await sb.run(SCRIPT, ["h3-pipeline-prod", "--password-file", pwFile(sb), "--timeout", "0"], { env: { ...ENV, FAKE_STUCK: "1" } });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`error: node ${NODES[0]} (1 of 3): the restart did not end within 0s (last status: not delivered yet; command cmd-${NODES[0]})`);
    expect(awsWrites(sb)).toEqual([PUT("prod"), SEND(NODES[0])]);
  });

  it("the password never appears in any stub's arguments, nor in the output; --print shows it on stdout only", async ({ expect, onTestFinished }) => {
    const sb = sandbox({ onTestFinished });
    const quiet = await sb.run(SCRIPT, ["h3-pipeline-prod", "--password-file", pwFile(sb)], { env: ENV });
    const dry = await sb.run(SCRIPT, ["h3-pipeline-prod", "--password-file", pwFile(sb), "--dry-run"], { env: ENV });
    const printed = await sb.run(SCRIPT, ["h3-pipeline-dev", "--password-file", pwFile(sb), "--cloud-password-changed", "--print"], { env: ENV });
    for (const r of [quiet, dry, printed]) expect(r.code).toBe(0);
    const calls = sb.calls();
    expect(calls.filter((c) => c.cmd === "aws").length).toBeGreaterThan(10);
    for (const c of calls) {
      expect(c.args.join(" ")).not.toContain(PASSWORD);
      expect(c.args.join(" ")).not.toContain("Canary");
    }
    for (const text of [quiet.stdout, quiet.stderr, dry.stdout, dry.stderr, printed.stderr]) expect(text).not.toContain("Canary");
    expect(printed.stdout.split("\n")[0]).toBe(PASSWORD);
    expect(printed.stdout.split(PASSWORD).length).toBe(2);
  });

  it("--generate: a 40-character password from [A-Za-z0-9], written to the secret and never shown", async ({ expect, onTestFinished }) => {
    const sb = sandbox({ onTestFinished });
    const r = await sb.run(SCRIPT, ["h3-pipeline-prod", "--generate"], { env: ENV });
    expect(r.code).toBe(0);
    const { content, mode600 } = secretReceived(sb);
    expect(content).toMatch(/^[A-Za-z0-9]{40}$/);
    expect(mode600).toBe(true);
    expect(r.stdout + r.stderr).not.toContain(content);
    for (const c of sb.calls()) expect(c.args.join(" ")).not.toContain(content);

    const again = testSandbox({ onTestFinished }, { stubs: { terraform, aws }, realTools: ["mktemp"], environments: { "h3-pipeline/prod": "" }, files: stackFiles(["prod"]) });
    const printed = await again.run(SCRIPT, ["h3-pipeline-prod", "--generate", "--print", "--no-wait"], { env: ENV });
    expect(printed.code).toBe(0);
    const second = secretReceived(again).content;
    expect(second).toMatch(/^[A-Za-z0-9]{40}$/);
    expect(second).not.toBe(content);
    expect(printed.stdout.split("\n")[0]).toBe(second);
  });

  it("--generate is refused for ClickHouse Cloud, which needs the password first", async ({ expect, onTestFinished }) => {
    const sb = sandbox({ onTestFinished });
    const r = await sb.run(SCRIPT, ["h3-pipeline-dev", "--generate", "--cloud-password-changed"], { env: ENV });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--generate cannot be used");
    expect(r.stderr).toContain("nothing was changed");
    expect(commands(sb)).toEqual(readOutputs("h3-pipeline-dev"));
  });

  it("--dry-run: prints the steps in order and calls no aws command", async ({ expect, onTestFinished }) => {
    const sb = sandbox({ onTestFinished });
    const r = await sb.run(SCRIPT, ["h3-pipeline-prod", "--generate", "--dry-run"], { env: ENV });
    expect(r.code).toBe(0);
    expect(commands(sb)).toEqual(readOutputs("h3-pipeline-prod"));
    const steps = [...r.stdout.matchAll(/^ {2}(\d+)\. (\S+ \S+)/gm)].map((m) => `${m[1]} ${m[2]}`);
    expect(steps).toEqual(["1 write the", "2 restart node", "3 restart node", "4 restart node", "5 restart the", "6 wait for"]);
    expect(r.stdout).toContain(`aws ssm send-command --region ${REGION} --document-name AWS-RunShellScript --parameters 'commands=["systemctl restart clickhouse"]' --instance-ids ${NODES[2]}`);
    expect(r.stdout).toContain("aws ecs update-service --region us-east-1 --cluster h3-pipeline-prod --service h3-pipeline-prod-app --force-new-deployment");
    expect(r.stdout).toMatch(/^Dry run: nothing was changed\./);
  });

  it("refuses a stack that is not deployed (exit 1), naming the output it could not read", async ({ expect, onTestFinished }) => {
    const sb = sandbox({ onTestFinished });
    const r = await sb.run(SCRIPT, ["h3-pipeline-staging", "--password-file", pwFile(sb)], { env: ENV });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("could not read output clickhouse_password_secret_arn of stack h3-pipeline-staging: is it deployed? (scripts/deploy.sh h3-pipeline-staging)");
    expect(commands(sb)).toEqual([`terraform ${chdirArg("h3-pipeline-staging")} output -json clickhouse_password_secret_arn`]);
  });

  it.for([
    ["openlit-demo", OPENLIT_STACK, "stack openlit-demo declares no output <db>_password_secret_arn"],
    ["h3-pipeline-prod", cdkTfJson({ outputs: ["clickhouse_password_secret_arn", "aws_region"] }), "stack h3-pipeline-prod declares no output clickhouse_node_instance_ids, cluster_name, service_name"],
  ])("refuses a stack without the outputs (exit 2): %s", async ([stack, json, message], { expect, onTestFinished }) => {
    const sb = sandbox({ onTestFinished }, { [`cdktf.out/stacks/${stack}/cdk.tf.json`]: json });
    const r = await sb.run(SCRIPT, [stack, "--password-file", pwFile(sb)], { env: ENV });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(sb.calls()).toEqual([]);
  });

  // One sandbox for --help and the usage errors: none of them may call anything, so its stub log must stay empty.
  let quiet: Sandbox;
  afterAll(() => quiet?.cleanup());
  const quietSandbox = () =>
    (quiet ??= createSandbox({
      stubs: { terraform: "exit 99", aws: "exit 99" },
      environments: { "h3-pipeline/prod": "" },
      files: { ...stackFiles(["prod"]), "pw.txt": `${PASSWORD}\n`, "empty.txt": "\n", "two-lines.txt": "a\nb\n" },
    }));

  it("--help prints the usage and calls nothing", async ({ expect }) => {
    const sb = quietSandbox();
    const r = await sb.run(SCRIPT, ["--help"], { cwd: "/" });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: rotate-clickhouse-password\.sh <stack> \(--password-file FILE \| --generate\) \[options\]\n/);
    expect(r.stderr).toBe("");
    expect(sb.calls()).toEqual([]);
  });

  it.for([
    [[], "missing <stack>. Available stacks: h3-pipeline-prod"],
    [["h3-pipeline-prod"], "no new password: pass --password-file FILE (its content is the password) or --generate"],
    [["h3-pipeline-prod", "--generate", "--force"], "unknown option: --force"],
    [["h3-pipeline-prod", "--generate", "--password-file", "ROOT/pw.txt"], "--password-file and --generate exclude each other"],
    [["h3-pipeline-prod", "--password-file", "ROOT/empty.txt"], "password file 'ROOT/empty.txt' is empty"],
    [["h3-pipeline-prod", "--password-file", "ROOT/two-lines.txt"], "has more than one line"],
    [["h3-pipeline-prod", "--password-file", "ROOT/missing.txt"], "password file 'ROOT/missing.txt' does not exist"],
    [["h3-pipeline-prod", "--generate", "--timeout", "soon"], "--timeout must be whole seconds"],
  ] as const)("refuses bad usage with exit 2: %j", async ([args, message], { expect }) => {
    const sb = quietSandbox();
    const root = (s: string) => s.split("ROOT").join(sb.root);
    const r = await sb.run(SCRIPT, args.map(root), { env: ENV });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(root(message));
    expect(r.stdout).toBe("");
    expect(sb.calls()).toEqual([]);
  });
});
