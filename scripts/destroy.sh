#!/usr/bin/env bash
# Tear down one stack, after a final snapshot of the volumes it lists.
set -euo pipefail

# shellcheck source=lib/common.sh source-path=SCRIPTDIR
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)/lib/common.sh"

usage() {
  cat <<USAGE
Usage: $SCRIPT_NAME <stack> [options]

<stack> is <system>-<env>, e.g. shop-dev for environments/shop/dev.tfvars. A
bare <env> (e.g. dev) works while exactly one system has that environment.

Destroys the stack as synthesized in cdktf.out/stacks/<stack>/ (run
npm run synth first, or pass --synth):
  confirm   type the stack name (or pass --yes); never proceeds without a
            terminal unless --yes is given
  init      terraform init -input=false (after npm run synth with --synth)
  snapshot  the EBS volumes listed in the stack's output snapshot_volume_ids
            (terraform output -json snapshot_volume_ids: a JSON list of volume
            ids; missing or empty = nothing to snapshot): the instances they
            are attached to are stopped so the data is consistent, then one
            aws ec2 create-snapshot per volume, tagged with the volume's own
            tags plus Name=<stack>-final-<volume id>, Stack=<stack>,
            SourceVolumeId and CreatedBy=destroy.sh; waits until every snapshot
            is completed (default; --no-snapshot skips)
  destroy   terraform destroy -input=false -auto-approve with the same -var-file
            arguments as deploy (environments/<system>/<env>.tfvars [+ .secrets.tfvars])
Then lists what was removed and the snapshots that were kept. Running it again
on a destroyed stack is harmless (nothing left to snapshot or destroy). ECR
repositories and their images are not touched.

Region for the AWS calls: the stack's output aws_region when it has one, else
AWS_REGION / AWS_DEFAULT_REGION, else aws configure get region.

Options:
  --yes                     do not ask (required when stdin is not a terminal)
  --synth                   run npm run synth first (default: use the stack
                            already synthesized in cdktf.out/stacks/<stack>/)
  --snapshot                take the final snapshots; fail if there is nothing to snapshot
  --no-snapshot             skip the final snapshots: the data is lost for good
  --snapshot-timeout SECONDS  give up waiting for the snapshots (default 3600)
  -h, --help                show this help

Secrets: terraform destroy needs the same variables as deploy
(environments/<system>/<env>.secrets.tfvars or TF_VAR_<name>).
Environment: AWS credentials/profile.
USAGE
}

STACK_ARG=""
YES=false
SYNTH=false
SNAPSHOT=default
SNAPSHOT_TIMEOUT=3600

while [[ $# -gt 0 ]]; do
  case "$1" in
    --*=*)
      set -- "${1%%=*}" "${1#*=}" "${@:2}"
      continue
      ;;
    -h | --help)
      usage
      exit 0
      ;;
    --yes | -y) YES=true; shift ;;
    --synth) SYNTH=true; shift ;;
    --snapshot) SNAPSHOT=yes; shift ;;
    --no-snapshot) SNAPSHOT=no; shift ;;
    --snapshot-timeout) need_value "$@"; SNAPSHOT_TIMEOUT=$2; shift 2 ;;
    -*) usage_error "unknown option: $1" ;;
    *)
      [[ -z "$STACK_ARG" ]] || usage_error "unexpected argument: $1 (one stack per run)"
      STACK_ARG=$1
      shift
      ;;
  esac
done
[[ -n "$STACK_ARG" ]] || usage_error "missing <stack>. Available stacks: $(available_stacks)"
is_uint "$SNAPSHOT_TIMEOUT" || usage_error "--snapshot-timeout must be whole seconds"

resolve_stack "$STACK_ARG"
if [[ "$SYNTH" == false && ! -f "$STACK_DIR/cdk.tf.json" ]]; then
  die "stack $STACK is not synthesized ($STACK_DIR/cdk.tf.json is missing); run: npm run synth, or pass --synth; nothing was changed"
fi

# --- confirmation first: nothing runs before it -----------------------------
if [[ "$YES" == false ]]; then
  if ! is_interactive; then
    usage_error "refusing to destroy $STACK: stdin is not a terminal and --yes was not given; nothing was changed"
  fi
  if [[ "$SNAPSHOT" == no ]]; then
    warn "--no-snapshot: the volumes of stack $STACK will be deleted without a backup"
  else
    info "a final snapshot of each volume in the output snapshot_volume_ids of $STACK is taken first (attached instances are stopped for it); --no-snapshot skips it"
  fi
  if ! confirm "Destroy every resource of stack $STACK? Type the stack name to confirm:" "$STACK"; then
    die "not confirmed; nothing was changed"
  fi
fi

require_cmd terraform
require_cmd node "Node.js >= 20"
[[ "$SYNTH" == false ]] || require_cmd npm
[[ "$SNAPSHOT" == no ]] || require_cmd aws

if [[ "$SYNTH" == true ]]; then
  run_step synth "npm run synth" synth_stack
fi
step secrets "sensitive variables of $STACK"
require_secrets
set_var_file_args
run_step init "terraform init" tf init -input=false

# What is in the state now, to report what was removed.
RESOURCES=()
while IFS= read -r line; do
  [[ -z "$line" ]] || RESOURCES+=("$line")
done < <(tf state list 2>/dev/null || true)

# json_lines MODE JSON [STACK]: small JSON readers (Node; jq may be missing).
#   ids             a JSON list of strings -> one per line (exit 3 when not a
#                   list of strings; null = empty)
#   volumes STACK   aws ec2 describe-volumes output -> per volume one line
#                   "<volume id>|<attached instance ids>|<--tag-specifications
#                   JSON for its snapshot: its tags except aws:*, plus ours>"
# shellcheck disable=SC2016 # JavaScript template literals, not shell expansions
JSON_JS='
const [mode, text, stack] = process.argv.slice(1);
let d;
try { d = JSON.parse(text); } catch (e) { process.stderr.write(`not JSON: ${e.message}\n`); process.exit(3); }
if (mode === "ids") {
  if (d === null) process.exit(0);
  if (!Array.isArray(d) || d.some((x) => typeof x !== "string")) { process.stderr.write(`expected a JSON list of strings, got ${text}\n`); process.exit(3); }
  for (const x of d) process.stdout.write(`${x}\n`);
} else {
  for (const v of (d && d.Volumes) || []) {
    const id = v.VolumeId;
    const ours = { Name: `${stack}-final-${id}`, Stack: stack, SourceVolumeId: id, CreatedBy: "destroy.sh" };
    const tags = (v.Tags || []).filter((t) => !t.Key.startsWith("aws:") && !(t.Key in ours));
    for (const [Key, Value] of Object.entries(ours)) tags.push({ Key, Value });
    const spec = JSON.stringify([{ ResourceType: "snapshot", Tags: tags.slice(-50) }]);
    process.stdout.write(`${id}|${(v.Attachments || []).map((a) => a.InstanceId).join(" ")}|${spec}\n`);
  }
}
'
json_lines() { node -e "$JSON_JS" "$@"; }

SNAPSHOT_IDS=()
SNAPSHOT_VOLUMES=()
REGION=""
STOPPED_INSTANCES=()
# snapshot_fail MESSAGE: abandon before destroying; say so, and how to restart
# the instances stopped for the snapshot.
snapshot_fail() {
  local msg="$1; nothing was destroyed"
  if [[ ${#STOPPED_INSTANCES[@]} -gt 0 ]]; then
    msg="$msg. $(join_by " " "${STOPPED_INSTANCES[@]}") was stopped for the snapshot; start it again with: aws ec2 start-instances --region $REGION --instance-ids ${STOPPED_INSTANCES[*]}"
  fi
  fail_step "$msg"
}
# nothing_to_snapshot REASON: fine by default, an error with --snapshot.
nothing_to_snapshot() {
  if [[ "$SNAPSHOT" == yes ]]; then
    fail_step "$1; re-run with --no-snapshot to destroy without a snapshot"
  fi
  info "$1: nothing to snapshot"
}

if [[ "$SNAPSHOT" == no ]]; then
  step snapshot "skipped (--no-snapshot)"
else
  step snapshot "final snapshots of the volumes in output snapshot_volume_ids"
  VOLUME_IDS=()
  if ! stack_has_output snapshot_volume_ids; then
    nothing_to_snapshot "stack $STACK declares no output snapshot_volume_ids"
  elif ! ids_json=$(tf output -json snapshot_volume_ids 2>/dev/null); then
    nothing_to_snapshot "output snapshot_volume_ids of stack $STACK has no value (already destroyed?)"
  else
    ids=$(json_lines ids "$ids_json") || fail_step "output snapshot_volume_ids of stack $STACK is not a JSON list of volume ids"
    while IFS= read -r id; do
      [[ -n "$id" ]] || continue
      [[ "$id" =~ ^vol-[0-9a-f]+$ ]] || fail_step "output snapshot_volume_ids of stack $STACK lists '$id', which is not an EBS volume id (vol-...)"
      VOLUME_IDS+=("$id")
    done <<<"$ids"
    [[ ${#VOLUME_IDS[@]} -gt 0 ]] || nothing_to_snapshot "output snapshot_volume_ids of stack $STACK is empty"
  fi

  if [[ ${#VOLUME_IDS[@]} -gt 0 ]]; then
    if stack_has_output aws_region; then
      REGION=$(tf output -raw aws_region 2>/dev/null || true)
    fi
    REGION=${REGION:-${AWS_REGION:-${AWS_DEFAULT_REGION:-}}}
    [[ -n "$REGION" ]] || REGION=$(aws configure get region 2>/dev/null || true)
    [[ -n "$REGION" ]] || fail_step "cannot tell the region: the stack has no aws_region output, AWS_REGION is not set and aws configure has no region"
    REGION_ARGS=(--region "$REGION")
    info "volumes to snapshot: ${VOLUME_IDS[*]} ($REGION)"

    volumes_json=$(aws ec2 describe-volumes "${REGION_ARGS[@]}" --volume-ids "${VOLUME_IDS[@]}" --output json) ||
      snapshot_fail "aws ec2 describe-volumes ${VOLUME_IDS[*]} failed (re-run, or --no-snapshot to skip the snapshot)"
    volumes=$(json_lines volumes "$volumes_json" "$STACK") || snapshot_fail "cannot read the answer of aws ec2 describe-volumes"
    INSTANCES=()
    TAG_SPECS=() # in the order of VOLUME_IDS
    for vol in "${VOLUME_IDS[@]}"; do
      spec=""
      while IFS='|' read -r id attached tags; do
        [[ "$id" == "$vol" ]] || continue
        spec=$tags
        for inst in $attached; do
          case " ${INSTANCES[*]+${INSTANCES[*]}} " in *" $inst "*) ;; *) INSTANCES+=("$inst") ;; esac
        done
      done <<<"$volumes"
      [[ -n "$spec" ]] || snapshot_fail "aws ec2 describe-volumes does not know $vol"
      TAG_SPECS+=("$spec")
    done
    if [[ ${#INSTANCES[@]} -gt 0 ]]; then
      info "stopping ${INSTANCES[*]} so the snapshots are consistent"
      aws ec2 stop-instances "${REGION_ARGS[@]}" --instance-ids "${INSTANCES[@]}" --output text >/dev/null ||
        snapshot_fail "could not stop ${INSTANCES[*]} (re-run, or --no-snapshot to skip the snapshot)"
      STOPPED_INSTANCES=("${INSTANCES[@]}")
      aws ec2 wait instance-stopped "${REGION_ARGS[@]}" --instance-ids "${INSTANCES[@]}" ||
        snapshot_fail "${INSTANCES[*]} did not stop"
    fi
    for ((v = 0; v < ${#VOLUME_IDS[@]}; v++)); do
      vol=${VOLUME_IDS[v]}
      snap=$(aws ec2 create-snapshot "${REGION_ARGS[@]}" --volume-id "$vol" \
        --description "Final snapshot of $vol (stack $STACK) before destroy ($(date -u +%Y-%m-%dT%H:%M:%SZ))" \
        --tag-specifications "${TAG_SPECS[v]}" --query SnapshotId --output text) ||
        snapshot_fail "create-snapshot of $vol failed"
      [[ "$snap" =~ ^snap-[0-9a-f]+$ ]] || snapshot_fail "unexpected create-snapshot answer '$snap' for $vol"
      SNAPSHOT_IDS+=("$snap")
      SNAPSHOT_VOLUMES+=("$vol")
      info "snapshot $snap of $vol started"
    done
    info "waiting for ${SNAPSHOT_IDS[*]} to complete (up to ${SNAPSHOT_TIMEOUT}s)"
    start=$SECONDS
    while :; do
      # The AWS waiter gives up after 10 minutes; loop on it until our timeout.
      if aws ec2 wait snapshot-completed "${REGION_ARGS[@]}" --snapshot-ids "${SNAPSHOT_IDS[@]}"; then
        break
      fi
      states=$(aws ec2 describe-snapshots "${REGION_ARGS[@]}" --snapshot-ids "${SNAPSHOT_IDS[@]}" \
        --query 'Snapshots[].State' --output text 2>/dev/null || true)
      pending=false
      for state in $states; do
        case "$state" in
          completed) ;;
          pending) pending=true ;;
          *) snapshot_fail "a snapshot of ${SNAPSHOT_IDS[*]} is in state '$state'" ;;
        esac
      done
      [[ -n "$states" ]] || snapshot_fail "cannot read the state of ${SNAPSHOT_IDS[*]}"
      [[ "$pending" == true ]] || break
      if ((SECONDS - start >= SNAPSHOT_TIMEOUT)); then
        snapshot_fail "snapshots ${SNAPSHOT_IDS[*]} still pending after ${SNAPSHOT_TIMEOUT}s (re-run later)"
      fi
      info "snapshots still pending..."
    done
    info "snapshots completed: ${SNAPSHOT_IDS[*]}"
  fi
fi

run_step destroy "terraform destroy" tf destroy -input=false -auto-approve "${VAR_FILE_ARGS[@]}"

# --- report (stdout) --------------------------------------------------------
printf 'Destroyed stack %s.\n' "$STACK"
if [[ ${#RESOURCES[@]} -eq 0 ]]; then
  printf 'Removed: nothing (the state was already empty).\n'
else
  printf 'Removed %d resource(s):\n' "${#RESOURCES[@]}"
  printf '  - %s\n' "${RESOURCES[@]}"
fi
for ((i = 0; i < ${#SNAPSHOT_IDS[@]}; i++)); do
  printf 'Kept: final snapshot %s of %s in %s. Delete it when no longer needed:\n' "${SNAPSHOT_IDS[i]}" "${SNAPSHOT_VOLUMES[i]}" "$REGION"
  printf '  aws ec2 delete-snapshot --region %s --snapshot-id %s\n' "$REGION" "${SNAPSHOT_IDS[i]}"
done
if [[ "$SNAPSHOT" == no ]]; then
  printf 'No final snapshot was taken (--no-snapshot).\n'
fi
printf 'Not touched: ECR repositories and their images, and earlier snapshots.\n'
