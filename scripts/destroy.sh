#!/usr/bin/env bash
# Tear down one environment's stack, after a final snapshot of the data volume.
set -euo pipefail

# shellcheck source=lib/common.sh source-path=SCRIPTDIR
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)/lib/common.sh"

usage() {
  cat <<USAGE
Usage: $SCRIPT_NAME <environment> [options]

Destroys stack \$STACK_PREFIX-<environment> (default prefix: openlit):
  confirm   type the environment name (or pass --yes); never proceeds without
            a terminal unless --yes is given
  synth     npm run synth, terraform init -input=false
  snapshot  stop the instance (terraform output instance_id) so the data is
            consistent, then
            aws ec2 create-snapshot --volume-id <terraform output data_volume_id>
            and wait until the snapshot is completed (default; --no-snapshot skips)
  destroy   terraform destroy -input=false -auto-approve with the same -var-file
            arguments as deploy (environments/<env>.tfvars [+ .secrets.tfvars])
Then lists what was removed and the snapshot that was kept. Running it again on
a destroyed environment is harmless (nothing left to snapshot or destroy).
The ECR repository and its images are not touched.

Options:
  --yes                     do not ask (required when stdin is not a terminal)
  --snapshot                take the final snapshot; fail if there is no data volume
  --no-snapshot             skip the final snapshot: the data is lost for good
  --snapshot-timeout SECONDS  give up waiting for the snapshot (default 3600)
  -h, --help                show this help

Secrets: terraform destroy needs the same variables as deploy
(environments/<env>.secrets.tfvars or TF_VAR_clickhouse_password).
Environment: STACK_PREFIX, AWS credentials/profile.
USAGE
}

ENV_NAME=""
YES=false
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
    --snapshot) SNAPSHOT=yes; shift ;;
    --no-snapshot) SNAPSHOT=no; shift ;;
    --snapshot-timeout) need_value "$@"; SNAPSHOT_TIMEOUT=$2; shift 2 ;;
    -*) usage_error "unknown option: $1" ;;
    *)
      [[ -z "$ENV_NAME" ]] || usage_error "unexpected argument: $1 (one environment per run)"
      ENV_NAME=$1
      shift
      ;;
  esac
done
[[ -n "$ENV_NAME" ]] || usage_error "missing <environment>. Available: $(available_environments)"
is_uint "$SNAPSHOT_TIMEOUT" || usage_error "--snapshot-timeout must be whole seconds"

require_environment "$ENV_NAME"
STACK=$(stack_name "$ENV_NAME")
DIR=$(stack_dir "$ENV_NAME")

# --- confirmation first: nothing runs before it -----------------------------
if [[ "$YES" == false ]]; then
  if ! is_interactive; then
    usage_error "refusing to destroy $STACK: stdin is not a terminal and --yes was not given; nothing was changed"
  fi
  if [[ "$SNAPSHOT" == no ]]; then
    warn "--no-snapshot: the OpenLIT data volume of '$ENV_NAME' will be deleted without a backup"
  else
    info "a final snapshot of the OpenLIT data volume is taken first (the instance is stopped for it); --no-snapshot skips it"
  fi
  if ! confirm "Destroy every resource of environment '$ENV_NAME' (stack $STACK)? Type the environment name to confirm:" "$ENV_NAME"; then
    die "not confirmed; nothing was changed"
  fi
fi

require_secrets "$ENV_NAME"
require_cmd npm
require_cmd terraform
[[ "$SNAPSHOT" == no ]] || require_cmd aws
set_var_file_args "$ENV_NAME"

synth() {
  (cd "$REPO_ROOT" && npm run synth) || return
  [[ -f "$DIR/cdk.tf.json" ]] || {
    err "npm run synth did not produce $DIR/cdk.tf.json"
    return 1
  }
}
run_step synth "npm run synth" synth
run_step init "terraform init" tf "$ENV_NAME" init -input=false

# What is in the state now, to report what was removed.
RESOURCES=()
while IFS= read -r line; do
  [[ -z "$line" ]] || RESOURCES+=("$line")
done < <(tf "$ENV_NAME" state list 2>/dev/null || true)

# output NAME: a stack output, or empty when absent.
output() { tf "$ENV_NAME" output -raw "$1" 2>/dev/null || true; }

SNAPSHOT_ID=""
REGION=""
STOPPED_INSTANCE=""
# snapshot_fail MESSAGE: abandon before destroying; say so, and how to restart
# the instance when it was stopped for the snapshot.
snapshot_fail() {
  local msg="$1; nothing was destroyed"
  if [[ -n "$STOPPED_INSTANCE" ]]; then
    msg="$msg. $STOPPED_INSTANCE was stopped for the snapshot; start it again with: aws ec2 start-instances --region $REGION --instance-ids $STOPPED_INSTANCE"
  fi
  fail_step "$msg"
}
if [[ "$SNAPSHOT" == no ]]; then
  step snapshot "skipped (--no-snapshot)"
else
  step snapshot "final snapshot of the OpenLIT data volume"
  VOLUME_ID=$(output data_volume_id)
  INSTANCE_ID=$(output instance_id)
  REGION=$(output aws_region)
  REGION=${REGION:-${AWS_REGION:-${AWS_DEFAULT_REGION:-}}}
  if [[ ! "$VOLUME_ID" =~ ^vol-[0-9a-f]+$ ]]; then
    if [[ "$SNAPSHOT" == yes ]]; then
      fail_step "no data_volume_id output in stack $STACK (already destroyed?); re-run with --no-snapshot to destroy without a snapshot"
    fi
    warn "no data volume in stack $STACK (already destroyed?); nothing to snapshot"
  else
    [[ -n "$REGION" ]] || fail_step "cannot tell the region: no aws_region output and AWS_REGION is not set"
    REGION_ARGS=(--region "$REGION")
    if [[ "$INSTANCE_ID" =~ ^i-[0-9a-f]+$ ]]; then
      info "stopping $INSTANCE_ID so the snapshot of $VOLUME_ID is consistent"
      aws ec2 stop-instances "${REGION_ARGS[@]}" --instance-ids "$INSTANCE_ID" --output text >/dev/null ||
        snapshot_fail "could not stop $INSTANCE_ID (re-run, or --no-snapshot to skip the snapshot)"
      STOPPED_INSTANCE=$INSTANCE_ID
      aws ec2 wait instance-stopped "${REGION_ARGS[@]}" --instance-ids "$INSTANCE_ID" ||
        snapshot_fail "$INSTANCE_ID did not stop"
    fi
    SNAPSHOT_ID=$(aws ec2 create-snapshot "${REGION_ARGS[@]}" --volume-id "$VOLUME_ID" \
      --description "Final snapshot of $STACK data volume before destroy ($(date -u +%Y-%m-%dT%H:%M:%SZ))" \
      --tag-specifications "ResourceType=snapshot,Tags=[{Key=Name,Value=$STACK-final},{Key=Environment,Value=$ENV_NAME},{Key=Stack,Value=$STACK},{Key=CreatedBy,Value=destroy.sh},{Key=openlit:role,Value=data},{Key=openlit:environment,Value=$ENV_NAME}]" \
      --query SnapshotId --output text) ||
      snapshot_fail "create-snapshot of $VOLUME_ID failed"
    [[ "$SNAPSHOT_ID" =~ ^snap-[0-9a-f]+$ ]] || snapshot_fail "unexpected create-snapshot answer '$SNAPSHOT_ID'"
    info "snapshot $SNAPSHOT_ID of $VOLUME_ID started; waiting for it to complete (up to ${SNAPSHOT_TIMEOUT}s)"
    start=$SECONDS
    while :; do
      # The AWS waiter gives up after 10 minutes; loop on it until our timeout.
      if aws ec2 wait snapshot-completed "${REGION_ARGS[@]}" --snapshot-ids "$SNAPSHOT_ID"; then
        break
      fi
      state=$(aws ec2 describe-snapshots "${REGION_ARGS[@]}" --snapshot-ids "$SNAPSHOT_ID" \
        --query 'Snapshots[0].State' --output text 2>/dev/null || true)
      case "$state" in
        completed) break ;;
        pending) ;;
        *) snapshot_fail "snapshot $SNAPSHOT_ID is in state '${state:-unknown}'" ;;
      esac
      if ((SECONDS - start >= SNAPSHOT_TIMEOUT)); then
        snapshot_fail "snapshot $SNAPSHOT_ID still pending after ${SNAPSHOT_TIMEOUT}s (re-run later)"
      fi
      info "snapshot $SNAPSHOT_ID still pending..."
    done
    info "snapshot $SNAPSHOT_ID completed"
  fi
fi

run_step destroy "terraform destroy" tf "$ENV_NAME" destroy -input=false -auto-approve "${VAR_FILE_ARGS[@]}"

# --- report (stdout) --------------------------------------------------------
printf 'Destroyed environment %s (stack %s).\n' "$ENV_NAME" "$STACK"
if [[ ${#RESOURCES[@]} -eq 0 ]]; then
  printf 'Removed: nothing (the state was already empty).\n'
else
  printf 'Removed %d resource(s):\n' "${#RESOURCES[@]}"
  printf '  - %s\n' "${RESOURCES[@]}"
fi
if [[ -n "$SNAPSHOT_ID" ]]; then
  printf 'Kept: final snapshot %s in %s (OpenLIT data). Delete it when no longer needed:\n' "$SNAPSHOT_ID" "$REGION"
  printf '  aws ec2 delete-snapshot --region %s --snapshot-id %s\n' "$REGION" "$SNAPSHOT_ID"
fi
if [[ "$SNAPSHOT" == no ]]; then
  printf 'No final snapshot was taken (--no-snapshot).\n'
fi
printf 'Not touched: the ECR repository and its images, and earlier snapshots.\n'
