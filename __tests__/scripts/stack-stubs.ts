/**
 * Stubs for the operator scripts run against a system's deployed stacks (lighthouse-scripts, vectordb-scripts): the
 * repository's tfvars, a terraform that answers init/plan/apply/state/destroy and the stack's outputs, and the EC2
 * calls of destroy.sh's final snapshot. Each test file adds what its system's checks need (SSM, curl).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT, Sandbox } from "./stubs.js";

/** The repository's own tfvars, keyed "<system>/<env>" as SandboxOptions.environments takes them. */
export function repoTfvars(keys: readonly string[]): Record<string, string> {
  return Object.fromEntries(keys.map((k) => [k, readFileSync(join(REPO_ROOT, "environments", `${k}.tfvars`), "utf8")]));
}

/**
 * terraform for deployed stacks told apart by -chdir: plan exits PLAN_RC (default 2 = changes); `outputs` are case
 * lines matching `"<stack> <output args>"` (e.g. `"shop-dev -json health_checks") ... ;;`); anything else fails loudly.
 */
export function terraformStub(opts: { resources: number; state: readonly string[]; outputs: readonly string[] }): string {
  const n = opts.resources;
  return [
    'sub=""; stack=""; rest=()',
    'for a in "$@"; do case "$a" in -chdir=*) stack=${a##*/} ;; *) if [[ -z "$sub" ]]; then sub=$a; else rest+=("$a"); fi ;; esac; done',
    'case "$sub" in',
    '  init) echo "Terraform has been successfully initialized!" ;;',
    `  plan) echo "Plan: ${n} to add, 0 to change, 0 to destroy."; exit "\${PLAN_RC:-2}" ;;`,
    `  apply) echo "Apply complete! Resources: ${n} added, 0 changed, 0 destroyed." ;;`,
    `  state) printf '%s\\n' ${opts.state.join(" ")} ;;`,
    `  destroy) echo "Destroy complete! Resources: ${n} destroyed." ;;`,
    "  output)",
    '    case "$stack ${rest[*]}" in',
    ...opts.outputs.map((l) => `  ${l}`),
    '      *) echo "Error: Output not found: ${rest[*]}" >&2; exit 1 ;;',
    "    esac ;;",
    '  *) echo "terraform stub: unexpected $*" >&2; exit 97 ;;',
    "esac",
  ].join("\n");
}

/** A volume destroy.sh snapshots: its id, the instance it is attached to, its tags. */
export interface StubVolume {
  readonly volume: string;
  readonly instance: string;
  readonly tags: Readonly<Record<string, string>>;
}

/** aws: `cases` (the system's own, e.g. SSM) and the EC2 calls of destroy.sh's final snapshot; anything else exits 99. */
export function awsStub(volumes: readonly StubVolume[], cases: readonly string[] = []): string {
  const described = volumes.map((v) => {
    const answer = JSON.stringify({
      Volumes: [{ VolumeId: v.volume, Attachments: [{ InstanceId: v.instance, State: "attached" }], Tags: Object.entries(v.tags).map(([Key, Value]) => ({ Key, Value })) }],
    });
    return `    ${v.volume}) printf '%s\\n' '${answer}' ;;`;
  });
  return [
    'arg() { local prev="" a; for a in "${@:2}"; do [[ "$prev" == "$1" ]] && { printf %s "$a"; return; }; prev=$a; done; }',
    'case "$1 $2" in',
    ...cases,
    '  "ec2 describe-volumes")',
    '    case "$(arg --volume-ids "$@")" in',
    ...described,
    "      *) exit 98 ;;",
    "    esac ;;",
    '  "ec2 stop-instances") printf \'STOPPINGINSTANCES\\t%s\\n\' "$(arg --instance-ids "$@")" ;;',
    '  "ec2 wait") ;;',
    '  "ec2 create-snapshot") v=$(arg --volume-id "$@"); printf \'snap-%s\\n\' "${v#vol-}" ;;',
    "  *) exit 99 ;;",
    "esac",
  ].join("\n");
}

/** The snapshot id the aws stub gives a volume. */
export const snapshotOf = (volume: string) => `snap-${volume.slice(4)}`;
/** terraform's -chdir and -var-file arguments for a stack, as the scripts pass them (ROOT: the sandbox). */
export const chdirArg = (stack: string) => `-chdir=ROOT/cdktf.out/stacks/${stack}`;
export const varFileArg = (system: string, stack: string) => `-var-file=ROOT/environments/${system}/${stack.slice(system.length + 1)}.tfvars`;
/** The stub calls of a run, without the (stubbed, instant) sleeps. */
export const commandsOf = (sb: Sandbox) => sb.commands().filter((c) => !c.startsWith("sleep "));

/** The value after `flag` in a recorded call. */
export function argOf(args: readonly string[], flag: string): string | undefined {
  const k = args.indexOf(flag);
  return k < 0 ? undefined : args[k + 1];
}
