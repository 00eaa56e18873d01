import { chmodSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { TestContext } from "vitest";
import { bodies, cdkTfJson, testSandbox } from "./stubs.js";

const DIR = "-chdir=ROOT/cdktf.out/stacks/shop-dev";
const VARS = "-var-file=ROOT/environments/shop/dev.tfvars -var-file=ROOT/environments/shop/dev.secrets.tfvars";

/**
 * terraform stub for a deployed stack shop-dev: VOLUMES is the value of output snapshot_volume_ids (default: two
 * volumes); EMPTY_STATE=1 is a destroyed stack (no outputs); FAIL_ON fails a subcommand.
 */
const terraform = `
sub=""; for a in "$@"; do case "$a" in -chdir=*) ;; *) sub=$a; break ;; esac; done
if [[ "$sub" == "\${FAIL_ON:-none}" ]]; then echo "Error: $sub exploded" >&2; exit 1; fi
case "$sub" in
  state) [[ -n "\${EMPTY_STATE:-}" ]] || printf '%s\\n' aws_instance.app aws_ebs_volume.db aws_ebs_volume.files ;;
  output)
    if [[ -n "\${EMPTY_STATE:-}" ]]; then echo 'Error: Output not found' >&2; exit 1; fi
    case "\${@: -1}" in
      snapshot_volume_ids) printf '%s\\n' "\${VOLUMES-[\\"vol-0abc123\\",\\"vol-0def456\\"]}" ;;
      aws_region) printf eu-west-1 ;;
      *) exit 1 ;;
    esac ;;
  destroy) echo "Destroy complete! Resources: 3 destroyed." ;;
esac`;

/** What aws ec2 describe-volumes says about the two volumes: their tags (one reserved aws:*) and the instance. */
const DESCRIBE_VOLUMES = JSON.stringify({
  Volumes: [
    { VolumeId: "vol-0abc123", Attachments: [{ InstanceId: "i-0aaa111" }], Tags: [{ Key: "Name", Value: "shop-db" }, { Key: "team", Value: "payments" }, { Key: "aws:cloudformation:x", Value: "y" }] },
    { VolumeId: "vol-0def456", Attachments: [{ InstanceId: "i-0aaa111" }], Tags: [{ Key: "role", Value: "files" }] },
  ],
});

/**
 * aws stub: create-snapshot answers snap-<volume digits>; SNAP_FAIL=1 fails it; PENDING_ROUNDS makes the waiter time
 * out N times (describe-snapshots then says pending).
 */
const aws = `
case "$2" in
  describe-volumes) printf '%s\\n' '${DESCRIBE_VOLUMES}' ;;
  create-snapshot)
    [[ -z "\${SNAP_FAIL:-}" ]] || { echo 'An error occurred (IncorrectState)' >&2; exit 254; }
    v=""; prev=""; for a in "$@"; do [[ "$prev" == --volume-id ]] && v=$a; prev=$a; done
    printf 'snap-%s\\n' "\${v#vol-}" ;;
  wait)
    if [[ "$3" == snapshot-completed && -n "\${PENDING_ROUNDS:-}" ]]; then
      n=$(cat "$HOME/rounds" 2>/dev/null || echo 0)
      if (( n < PENDING_ROUNDS )); then echo $((n + 1)) > "$HOME/rounds"; echo 'Waiter SnapshotCompleted failed: Max attempts exceeded' >&2; exit 255; fi
    fi ;;
  describe-snapshots) printf 'completed\\tpending\\n' ;;
esac`;

const CONFIRM_PROMPT = "Type the stack name to confirm:";
const isDestroy = (c: string) => c.startsWith("terraform ") && c.includes(" destroy ");
const SHOP_STACK = cdkTfJson({ secrets: ["db_password"], outputs: ["aws_region", "snapshot_volume_ids"] });

// Every test has its own sandbox (stub log, HOME), so the tests run concurrently.
function sandbox(ctx: Pick<TestContext, "onTestFinished">, opts: { stack?: string | null } = {}) {
  const files: Record<string, string> = {};
  if (opts.stack !== null) files["cdktf.out/stacks/shop-dev/cdk.tf.json"] = opts.stack ?? SHOP_STACK;
  const sb = testSandbox(ctx, {
    stubs: { terraform, aws, npm: bodies.npmSynth({ "shop-dev": SHOP_STACK }), curl: "exit 99", docker: "exit 99" },
    environments: { "shop/dev": 'environment = "dev"\n', "openlit/demo": "" },
    files,
  });
  const f = join(sb.root, "environments", "shop", "dev.secrets.tfvars");
  writeFileSync(f, 'db_password = "correct-horse-battery"\n');
  chmodSync(f, 0o600);
  return sb;
}

/** The --tag-specifications argument of a create-snapshot call, parsed. */
function tagsOf(cmd: string): Record<string, string> {
  const json = cmd.match(/--tag-specifications (\[.*\]) --query/)![1];
  const [spec] = JSON.parse(json);
  expect(spec.ResourceType).toBe("snapshot");
  return Object.fromEntries(spec.Tags.map((t: { Key: string; Value: string }) => [t.Key, t.Value]));
}

describe.concurrent("destroy.sh", () => {
  it("refuses without --yes when stdin is not a terminal, and runs nothing", async ({ expect, onTestFinished }) => {
    const sb = sandbox({ onTestFinished });
    const r = await sb.run("destroy.sh", ["shop-dev"]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("refusing to destroy shop-dev");
    expect(r.stderr).toContain("--yes");
    expect(sb.calls()).toEqual([]);
  });

  it("with --yes: snapshots every volume of snapshot_volume_ids (attached instance stopped first), waits, then destroys", async ({ expect, onTestFinished }) => {
    const sb = sandbox({ onTestFinished });
    const r = await sb.run("destroy.sh", ["shop-dev", "--yes"]);
    expect(r.stderr).not.toContain("error");
    expect(r.code).toBe(0);
    const cmds = sb.commands();
    expect(cmds).toEqual([
      `terraform ${DIR} init -input=false`,
      `terraform ${DIR} state list`,
      `terraform ${DIR} output -json snapshot_volume_ids`,
      `terraform ${DIR} output -raw aws_region`,
      "aws ec2 describe-volumes --region eu-west-1 --volume-ids vol-0abc123 vol-0def456 --output json",
      "aws ec2 stop-instances --region eu-west-1 --instance-ids i-0aaa111 --output text",
      "aws ec2 wait instance-stopped --region eu-west-1 --instance-ids i-0aaa111",
      expect.stringMatching(/^aws ec2 create-snapshot --region eu-west-1 --volume-id vol-0abc123 --description Final snapshot of vol-0abc123 \(stack shop-dev\) before destroy \(.+\) --tag-specifications \[.*\] --query SnapshotId --output text$/),
      expect.stringMatching(/^aws ec2 create-snapshot --region eu-west-1 --volume-id vol-0def456 /),
      "aws ec2 wait snapshot-completed --region eu-west-1 --snapshot-ids snap-0abc123 snap-0def456",
      `terraform ${DIR} destroy -input=false -auto-approve ${VARS}`,
    ]);
    // The volume's own tags (not the reserved aws:* ones), plus Name, Stack, SourceVolumeId and CreatedBy.
    expect(tagsOf(cmds[7])).toEqual({ team: "payments", Name: "shop-dev-final-vol-0abc123", Stack: "shop-dev", SourceVolumeId: "vol-0abc123", CreatedBy: "destroy.sh" });
    expect(tagsOf(cmds[8])).toEqual({ role: "files", Name: "shop-dev-final-vol-0def456", Stack: "shop-dev", SourceVolumeId: "vol-0def456", CreatedBy: "destroy.sh" });
    expect(r.stdout).toContain("Destroyed stack shop-dev.");
    expect(r.stdout).toContain("Removed 3 resource(s):\n  - aws_instance.app\n  - aws_ebs_volume.db\n  - aws_ebs_volume.files");
    expect(r.stdout).toContain("Kept: final snapshot snap-0abc123 of vol-0abc123 in eu-west-1");
    expect(r.stdout).toContain("Kept: final snapshot snap-0def456 of vol-0def456 in eu-west-1");
  });

  it("keeps waiting while a snapshot is pending beyond one AWS waiter run", async ({ expect, onTestFinished }) => {
    const sb = sandbox({ onTestFinished });
    const r = await sb.run("destroy.sh", ["shop-dev", "--yes"], { env: { PENDING_ROUNDS: "2" } });
    expect(r.code).toBe(0);
    const cmds = sb.commands();
    expect(cmds.filter((c) => c.startsWith("aws ec2 wait snapshot-completed"))).toHaveLength(3);
    expect(cmds.filter((c) => c.startsWith("aws ec2 describe-snapshots"))).toHaveLength(2);
    expect(isDestroy(cmds[cmds.length - 1])).toBe(true);
  });

  it("does not destroy when a snapshot fails, and says how to restart the stopped instance", async ({ expect, onTestFinished }) => {
    const sb = sandbox({ onTestFinished });
    const r = await sb.run("destroy.sh", ["shop-dev", "--yes"], { env: { SNAP_FAIL: "1" } });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("step 'snapshot' failed");
    expect(r.stderr).toContain("nothing was destroyed");
    expect(r.stderr).toContain("i-0aaa111 was stopped for the snapshot; start it again with: aws ec2 start-instances --region eu-west-1 --instance-ids i-0aaa111");
    expect(sb.commands().some(isDestroy)).toBe(false);
  });

  it.for<[string, Record<string, string>, string | undefined, string]>([
    ["an empty snapshot_volume_ids", { VOLUMES: "[]" }, undefined, "output snapshot_volume_ids of stack shop-dev is empty: nothing to snapshot"],
    ["a null snapshot_volume_ids", { VOLUMES: "null" }, undefined, "output snapshot_volume_ids of stack shop-dev is empty: nothing to snapshot"],
    ["no snapshot_volume_ids output", {}, cdkTfJson({ secrets: ["db_password"] }), "stack shop-dev declares no output snapshot_volume_ids: nothing to snapshot"],
  ])("says there is nothing to snapshot with %s, and destroys", async ([, env, stack, message], { expect, onTestFinished }) => {
    const sb = sandbox({ onTestFinished }, { stack });
    const r = await sb.run("destroy.sh", ["shop-dev", "--yes"], { env });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(message);
    expect(sb.commands().some((c) => c.startsWith("aws"))).toBe(false);
    expect(sb.commands().filter(isDestroy)).toHaveLength(1);
  });

  it("refuses a snapshot_volume_ids that is not a list of volume ids", async ({ expect, onTestFinished }) => {
    const sb = sandbox({ onTestFinished });
    const r = await sb.run("destroy.sh", ["shop-dev", "--yes"], { env: { VOLUMES: '["i-0aaa111"]' } });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("lists 'i-0aaa111', which is not an EBS volume id");
    expect(sb.commands().some(isDestroy)).toBe(false);
  });

  it("--no-snapshot skips AWS entirely", async ({ expect, onTestFinished }) => {
    const sb = sandbox({ onTestFinished });
    const r = await sb.run("destroy.sh", ["shop-dev", "--yes", "--no-snapshot"]);
    expect(r.code).toBe(0);
    expect(sb.commands().some((c) => c.startsWith("aws"))).toBe(false);
    expect(sb.commands()[sb.commands().length - 1]).toBe(`terraform ${DIR} destroy -input=false -auto-approve ${VARS}`);
    expect(r.stdout).toContain("No final snapshot was taken (--no-snapshot).");
    expect(r.stdout).not.toContain("Kept: final snapshot");
  });

  it("is harmless on an already destroyed stack; --snapshot insists on something to snapshot", async ({ expect, onTestFinished }) => {
    const sb = sandbox({ onTestFinished });
    const r = await sb.run("destroy.sh", ["shop-dev", "--yes"], { env: { EMPTY_STATE: "1" } });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("output snapshot_volume_ids of stack shop-dev has no value (already destroyed?): nothing to snapshot");
    expect(r.stdout).toContain("Removed: nothing");
    expect(sb.commands().some((c) => c.startsWith("aws"))).toBe(false);

    const strict = await sb.run("destroy.sh", ["shop-dev", "--yes", "--snapshot"], { env: { EMPTY_STATE: "1" } });
    expect(strict.code).not.toBe(0);
    expect(strict.stderr).toContain("--no-snapshot");
    expect(sb.commands().filter(isDestroy)).toHaveLength(1); // only the first run's
  });

  it("stops naming the step when terraform destroy fails", async ({ expect, onTestFinished }) => {
    const sb = sandbox({ onTestFinished });
    const r = await sb.run("destroy.sh", ["shop-dev", "--yes", "--no-snapshot"], { env: { FAIL_ON: "destroy" } });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("step 'destroy' failed");
    expect(r.stdout).not.toContain("Destroyed stack");
  });

  it("on a terminal, proceeds only when the stack name is typed", async ({ expect, onTestFinished }) => {
    const sb = sandbox({ onTestFinished });
    const wrong = await sb.run("destroy.sh", ["shop-dev", "--no-snapshot"], { tty: { input: "yes\n", prompt: CONFIRM_PROMPT } });
    expect(wrong.code).not.toBe(0);
    expect(wrong.stdout + wrong.stderr).toContain("not confirmed; nothing was changed");
    expect(sb.calls()).toEqual([]);

    const right = await sb.run("destroy.sh", ["shop-dev", "--no-snapshot"], { tty: { input: "shop-dev\n", prompt: CONFIRM_PROMPT } });
    expect(right.code).toBe(0);
    expect(sb.commands().filter(isDestroy)).toHaveLength(1);
  });

  it("needs the synthesized stack (says how to get it), or synthesizes with --synth", async ({ expect, onTestFinished }) => {
    const sb = sandbox({ onTestFinished }, { stack: null });
    const r = await sb.run("destroy.sh", ["shop-dev", "--yes"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("stack shop-dev is not synthesized");
    expect(r.stderr).toContain("run: npm run synth, or pass --synth; nothing was changed");
    expect(sb.calls()).toEqual([]);

    const s = await sb.run("destroy.sh", ["shop-dev", "--yes", "--no-snapshot", "--synth"]);
    expect(s.code).toBe(0);
    expect(sb.commands().slice(0, 2)).toEqual(["npm run synth -- shop-dev", `terraform ${DIR} init -input=false`]);
  });

  it("requires the stack's secrets before terraform runs", async ({ expect, onTestFinished }) => {
    const sb = sandbox({ onTestFinished });
    writeFileSync(join(sb.root, "environments", "shop", "dev.secrets.tfvars"), "# empty\n");
    const r = await sb.run("destroy.sh", ["shop-dev", "--yes"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("missing secrets for stack shop-dev: db_password");
    expect(sb.calls()).toEqual([]);
  });

  it("rejects an unknown stack, listing the available ones", async ({ expect, onTestFinished }) => {
    const sb = sandbox({ onTestFinished });
    const r = await sb.run("destroy.sh", ["shop-prod", "--yes"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("Available stacks: openlit-demo, shop-dev");
    expect(sb.calls()).toEqual([]);
  });
});
