import { chmodSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { TestContext } from "vitest";
import { bodies, testSandbox } from "./stubs.js";

const DIR = "-chdir=ROOT/cdktf.out/stacks/openlit-demo";
const VARS = "-var-file=ROOT/environments/openlit/demo.tfvars -var-file=ROOT/environments/openlit/demo.secrets.tfvars";

/** terraform stub: a deployed stack unless EMPTY_STATE=1; FAIL_ON fails a subcommand. */
const terraform = `
sub=""; for a in "$@"; do case "$a" in -chdir=*) ;; *) sub=$a; break ;; esac; done
if [[ "$sub" == "\${FAIL_ON:-none}" ]]; then echo "Error: $sub exploded" >&2; exit 1; fi
case "$sub" in
  state) [[ -n "\${EMPTY_STATE:-}" ]] || printf '%s\\n' aws_instance.openlit aws_ebs_volume.data aws_eip.openlit ;;
  output)
    if [[ -n "\${EMPTY_STATE:-}" ]]; then echo 'Error: Output not found' >&2; exit 1; fi
    case "\${@: -1}" in
      data_volume_id) printf vol-0abc123 ;;
      instance_id) printf i-0def456 ;;
      aws_region) printf eu-west-1 ;;
      *) exit 1 ;;
    esac ;;
  destroy) echo "Destroy complete! Resources: 3 destroyed." ;;
esac`;

/** aws stub: snapshots complete; SNAP_FAIL=1 fails create-snapshot; PENDING_ROUNDS makes the waiter time out N times. */
const aws = `
case "$2" in
  create-snapshot) [[ -z "\${SNAP_FAIL:-}" ]] || { echo 'An error occurred (IncorrectState)' >&2; exit 254; }; printf 'snap-0feed42\\n' ;;
  wait)
    if [[ "$3" == snapshot-completed && -n "\${PENDING_ROUNDS:-}" ]]; then
      n=$(cat "$HOME/rounds" 2>/dev/null || echo 0)
      if (( n < PENDING_ROUNDS )); then echo $((n + 1)) > "$HOME/rounds"; echo 'Waiter SnapshotCompleted failed: Max attempts exceeded' >&2; exit 255; fi
    fi ;;
  describe-snapshots) echo pending ;;
esac`;

const CONFIRM_PROMPT = "Type the environment name to confirm:";
const isDestroy = (c: string) => c.startsWith("terraform ") && c.includes(" destroy ");

// Every test has its own sandbox (stub log, HOME), so the tests run concurrently.
function sandbox(ctx: Pick<TestContext, "onTestFinished">) {
  const sb = testSandbox(ctx, { stubs: { terraform, aws, npm: bodies.npmSynth(), curl: "exit 99", docker: "exit 99" } });
  const f = join(sb.root, "environments", "openlit", "demo.secrets.tfvars");
  writeFileSync(f, 'clickhouse_password = "correct-horse-battery"\n');
  chmodSync(f, 0o600);
  return sb;
}

const SNAPSHOT_CMDS = [
  "aws ec2 stop-instances --region eu-west-1 --instance-ids i-0def456 --output text",
  "aws ec2 wait instance-stopped --region eu-west-1 --instance-ids i-0def456",
  expect.stringMatching(
    /^aws ec2 create-snapshot --region eu-west-1 --volume-id vol-0abc123 --description Final snapshot of openlit-demo data volume before destroy \(.+\) --tag-specifications ResourceType=snapshot,Tags=\[\{Key=Name,Value=openlit-demo-final\},\{Key=Environment,Value=demo\},.*\] --query SnapshotId --output text$/,
  ),
  "aws ec2 wait snapshot-completed --region eu-west-1 --snapshot-ids snap-0feed42",
];

describe.concurrent("destroy.sh", () => {
  it("refuses without --yes when stdin is not a terminal, and runs nothing", async ({ expect, onTestFinished }) => {
    const sb = sandbox({ onTestFinished });
    const r = await sb.run("destroy.sh", ["demo"]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("refusing to destroy openlit-demo");
    expect(r.stderr).toContain("--yes");
    expect(sb.calls()).toEqual([]);
  });

  it("with --yes: snapshots the data volume (instance stopped first), waits, then destroys with the deploy var files", async ({ expect, onTestFinished }) => {
    const sb = sandbox({ onTestFinished });
    const r = await sb.run("destroy.sh", ["demo", "--yes"]);
    expect(r.stderr).not.toContain("error");
    expect(r.code).toBe(0);
    expect(sb.commands()).toEqual([
      "npm run synth",
      `terraform ${DIR} init -input=false`,
      `terraform ${DIR} state list`,
      `terraform ${DIR} output -raw data_volume_id`,
      `terraform ${DIR} output -raw instance_id`,
      `terraform ${DIR} output -raw aws_region`,
      ...SNAPSHOT_CMDS,
      `terraform ${DIR} destroy -input=false -auto-approve ${VARS}`,
    ]);
    expect(r.stdout).toContain("Removed 3 resource(s):\n  - aws_instance.openlit\n  - aws_ebs_volume.data\n  - aws_eip.openlit");
    expect(r.stdout).toContain("Kept: final snapshot snap-0feed42 in eu-west-1");
  });

  it("keeps waiting while the snapshot is pending beyond one AWS waiter run", async ({ expect, onTestFinished }) => {
    const sb = sandbox({ onTestFinished });
    const r = await sb.run("destroy.sh", ["demo", "--yes"], { env: { PENDING_ROUNDS: "2" } });
    expect(r.code).toBe(0);
    const cmds = sb.commands();
    expect(cmds.filter((c) => c.startsWith("aws ec2 wait snapshot-completed"))).toHaveLength(3);
    expect(cmds.filter((c) => c.startsWith("aws ec2 describe-snapshots"))).toHaveLength(2);
    expect(isDestroy(cmds[cmds.length - 1])).toBe(true);
  });

  it("does not destroy when the snapshot fails", async ({ expect, onTestFinished }) => {
    const sb = sandbox({ onTestFinished });
    const r = await sb.run("destroy.sh", ["demo", "--yes"], { env: { SNAP_FAIL: "1" } });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("step 'snapshot' failed");
    expect(r.stderr).toContain("nothing was destroyed");
    expect(r.stderr).toContain("i-0def456 was stopped for the snapshot; start it again with: aws ec2 start-instances --region eu-west-1 --instance-ids i-0def456");
    expect(sb.commands().some(isDestroy)).toBe(false);
  });

  it("--no-snapshot skips AWS entirely", async ({ expect, onTestFinished }) => {
    const sb = sandbox({ onTestFinished });
    const r = await sb.run("destroy.sh", ["demo", "--yes", "--no-snapshot"]);
    expect(r.code).toBe(0);
    expect(sb.commands().some((c) => c.startsWith("aws"))).toBe(false);
    expect(sb.commands()[sb.commands().length - 1]).toBe(`terraform ${DIR} destroy -input=false -auto-approve ${VARS}`);
    expect(r.stdout).toContain("No final snapshot was taken (--no-snapshot).");
    expect(r.stdout).not.toContain("Kept: final snapshot");
  });

  it("is harmless on an already destroyed environment; --snapshot insists on a volume", async ({ expect, onTestFinished }) => {
    const sb = sandbox({ onTestFinished });
    const r = await sb.run("destroy.sh", ["demo", "--yes"], { env: { EMPTY_STATE: "1" } });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("nothing to snapshot");
    expect(r.stdout).toContain("Removed: nothing");
    expect(sb.commands().some((c) => c.startsWith("aws"))).toBe(false);

    const strict = await sb.run("destroy.sh", ["demo", "--yes", "--snapshot"], { env: { EMPTY_STATE: "1" } });
    expect(strict.code).not.toBe(0);
    expect(strict.stderr).toContain("--no-snapshot");
    expect(sb.commands().filter(isDestroy)).toHaveLength(1); // only the first run's
  });

  it("stops naming the step when terraform destroy fails", async ({ expect, onTestFinished }) => {
    const sb = sandbox({ onTestFinished });
    const r = await sb.run("destroy.sh", ["demo", "--yes", "--no-snapshot"], { env: { FAIL_ON: "destroy" } });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("step 'destroy' failed");
    expect(r.stdout).not.toContain("Destroyed environment");
  });

  it("on a terminal, proceeds only when the environment name is typed", async ({ expect, onTestFinished }) => {
    const sb = sandbox({ onTestFinished });
    const wrong = await sb.run("destroy.sh", ["demo", "--no-snapshot"], { tty: { input: "yes\n", prompt: CONFIRM_PROMPT } });
    expect(wrong.code).not.toBe(0);
    expect(wrong.stdout + wrong.stderr).toContain("not confirmed; nothing was changed");
    expect(sb.calls()).toEqual([]);

    const right = await sb.run("destroy.sh", ["demo", "--no-snapshot"], { tty: { input: "demo\n", prompt: CONFIRM_PROMPT } });
    expect(right.code).toBe(0);
    expect(sb.commands().filter(isDestroy)).toHaveLength(1);
  });

  it("rejects an unknown environment, listing the available ones", async ({ expect, onTestFinished }) => {
    const sb = sandbox({ onTestFinished });
    const r = await sb.run("destroy.sh", ["prod", "--yes"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("Available environments: demo, staging");
    expect(sb.calls()).toEqual([]);
  });
});
