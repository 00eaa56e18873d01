#!/usr/bin/env bash
# Cancel the spot request of an EC2 instance before the instance is terminated.
set -euo pipefail

# shellcheck source=lib/common.sh source-path=SCRIPTDIR
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)/lib/common.sh"

usage() {
  cat <<USAGE
Usage: $SCRIPT_NAME --region REGION --instance-id INSTANCE_ID [--check]

Cancels the spot request that launched an EC2 instance. A persistent spot
request outlives its instance: when the instance is terminated (terraform
destroy, or a replacement) AWS re-opens the request and launches a new, orphan
instance. AWS's order is: cancel the request first, then terminate the
instance. The SpotRequestCleanup construct runs this script from a destroy-time
provisioner, before Terraform terminates the instance.

Steps:
  find     aws ec2 describe-instances: the instance's SpotInstanceRequestId.
           An instance that does not exist (any more), or that was not
           launched by a spot request: nothing to do (exit 0).
  cancel   aws ec2 cancel-spot-instance-requests, unless the request is
           already cancelled, closed or failed (then: nothing to do).
  verify   aws ec2 describe-spot-instance-requests: the request must be
           cancelled or closed (asked up to $VERIFY_ATTEMPTS times, ${VERIFY_INTERVAL}s apart).
Running it again is harmless. Cancelling a request does not terminate its
instance. When the request has already launched another instance (it was
re-opened), that instance is named in a warning: terminate it yourself.

Options:
  --region REGION            the instance's region, e.g. eu-west-1 (SPOT_REGION)
  --instance-id INSTANCE_ID  the instance, e.g. i-0123456789abcdef0 (SPOT_INSTANCE_ID)
  --check                    cancel nothing: print "<request id> <state>" and
                             exit 1 when the request is still open, active or
                             disabled (it can still launch or restart an instance)
  -h, --help                 show this help

Needs the AWS CLI with credentials allowed ec2:DescribeInstances,
ec2:DescribeSpotInstanceRequests and ec2:CancelSpotInstanceRequests.
Messages go to stderr; results ("<request id> <state>") to stdout.
Exit status: 0 cancelled, or nothing to cancel (--check: no live request);
1 an AWS error (with the CLI's message), the request is not cancelled
afterwards, or (--check) a live request; 2 bad usage.
USAGE
}

VERIFY_ATTEMPTS=5
VERIFY_INTERVAL=2

REGION="${SPOT_REGION:-}"
INSTANCE_ID="${SPOT_INSTANCE_ID:-}"
CHECK=false

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
    --region) need_value "$@"; REGION=$2; shift 2 ;;
    --instance-id) need_value "$@"; INSTANCE_ID=$2; shift 2 ;;
    --check) CHECK=true; shift ;;
    *) usage_error "unknown argument: $1" ;;
  esac
done

[[ -n "$REGION" ]] || usage_error "no region: pass --region REGION (or set SPOT_REGION)"
[[ -n "$INSTANCE_ID" ]] || usage_error "no instance: pass --instance-id INSTANCE_ID (or set SPOT_INSTANCE_ID)"
[[ "$REGION" =~ ^[a-z]{2}(-[a-z]+)+-[0-9]+$ ]] || usage_error "region '$REGION' is not an AWS region name, e.g. eu-west-1"
[[ "$INSTANCE_ID" =~ ^i-[0-9a-f]{8}([0-9a-f]{9})?$ ]] || usage_error "instance id '$INSTANCE_ID' is not an EC2 instance id, e.g. i-0123456789abcdef0"
require_cmd aws "AWS CLI v2"

# The CLI's stderr is kept apart from its answer: it is the message of a failed call.
AWS_ERR_FILE=$(mktemp)
trap 'rm -f "$AWS_ERR_FILE"' EXIT
export AWS_PAGER=""

AWS_OUT=""
AWS_ERR=""
# ec2 OPERATION ARGS...: aws ec2 OPERATION in REGION with text output; its answer in AWS_OUT, its
# stderr in AWS_ERR; returns the CLI's exit status.
ec2() {
  local rc=0
  AWS_OUT=$(aws ec2 "$1" --region "$REGION" "${@:2}" --output text 2>"$AWS_ERR_FILE") || rc=$?
  AWS_ERR=$(<"$AWS_ERR_FILE")
  return "$rc"
}

# aws_fail WHAT: stop with the CLI's own message.
aws_fail() {
  die "aws ec2 $1 failed: ${AWS_ERR:-no message from the AWS CLI}"
}

# find_request: REQUEST_ID = the instance's spot request; exits 0 when there is none.
REQUEST_ID=""
find_request() {
  if ! ec2 describe-instances --instance-ids "$INSTANCE_ID" --query 'Reservations[].Instances[].SpotInstanceRequestId'; then
    if [[ "$AWS_ERR" == *"(InvalidInstanceID.NotFound)"* ]]; then
      info "instance $INSTANCE_ID does not exist in $REGION (any more): no spot request to cancel"
      exit 0
    fi
    aws_fail "describe-instances --instance-ids $INSTANCE_ID"
  fi
  REQUEST_ID=${AWS_OUT%%[[:space:]]*}
  if [[ -z "$REQUEST_ID" || "$REQUEST_ID" == None ]]; then
    info "instance $INSTANCE_ID in $REGION was not launched by a spot request: nothing to cancel"
    exit 0
  fi
  [[ "$REQUEST_ID" =~ ^sir-[a-z0-9]+$ ]] || die "aws ec2 describe-instances gave '$AWS_OUT' as the spot request of $INSTANCE_ID, not a spot request id"
}

# request_state: STATE and REQUEST_INSTANCE (the instance the request launched last) of REQUEST_ID;
# STATE "gone" when AWS no longer knows the request (it keeps closed requests for a few hours).
STATE=""
REQUEST_INSTANCE=""
request_state() {
  if ! ec2 describe-spot-instance-requests --spot-instance-request-ids "$REQUEST_ID" --query 'SpotInstanceRequests[].[State,InstanceId]'; then
    if [[ "$AWS_ERR" == *"(InvalidSpotInstanceRequestID.NotFound)"* ]]; then
      STATE=gone
      REQUEST_INSTANCE=""
      return 0
    fi
    aws_fail "describe-spot-instance-requests --spot-instance-request-ids $REQUEST_ID"
  fi
  read -r STATE REQUEST_INSTANCE _ <<<"$AWS_OUT" || true
  [[ -n "$STATE" ]] || die "aws ec2 describe-spot-instance-requests gave no state for $REQUEST_ID"
}

# warn_other_instance: the request launched an instance other than ours (it was re-opened).
warn_other_instance() {
  if [[ -n "$REQUEST_INSTANCE" && "$REQUEST_INSTANCE" != None && "$REQUEST_INSTANCE" != "$INSTANCE_ID" ]]; then
    warn "spot request $REQUEST_ID launched $REQUEST_INSTANCE, not $INSTANCE_ID: it was re-opened. Cancelling does not terminate $REQUEST_INSTANCE; if it is an orphan: aws ec2 terminate-instances --region $REGION --instance-ids $REQUEST_INSTANCE"
  fi
}

find_request
request_state

if [[ "$CHECK" == true ]]; then
  printf '%s %s\n' "$REQUEST_ID" "$STATE"
  case "$STATE" in
    open | active | disabled)
      warn_other_instance
      err "spot request $REQUEST_ID of $INSTANCE_ID is $STATE: it can still launch or restart an instance; cancel it with: $SCRIPT_NAME --region $REGION --instance-id $INSTANCE_ID"
      exit 1
      ;;
  esac
  info "spot request $REQUEST_ID of $INSTANCE_ID is $STATE: it launches nothing any more"
  exit 0
fi

case "$STATE" in
  cancelled | closed | failed | gone)
    info "spot request $REQUEST_ID of $INSTANCE_ID is already $STATE: nothing to cancel"
    exit 0
    ;;
esac

info "cancelling spot request $REQUEST_ID ($STATE) of $INSTANCE_ID in $REGION"
if ! ec2 cancel-spot-instance-requests --spot-instance-request-ids "$REQUEST_ID" --query 'CancelledSpotInstanceRequests[].State'; then
  aws_fail "cancel-spot-instance-requests --spot-instance-request-ids $REQUEST_ID"
fi

for ((attempt = 1; ; attempt++)); do
  request_state
  case "$STATE" in
    cancelled | closed | gone) break ;;
  esac
  if ((attempt >= VERIFY_ATTEMPTS)); then
    die "spot request $REQUEST_ID is still $STATE after the cancel ($attempt checks); cancel it by hand before the instance is terminated: aws ec2 cancel-spot-instance-requests --region $REGION --spot-instance-request-ids $REQUEST_ID"
  fi
  info "spot request $REQUEST_ID is still $STATE; checking again in ${VERIFY_INTERVAL}s"
  sleep "$VERIFY_INTERVAL"
done
warn_other_instance
printf '%s %s\n' "$REQUEST_ID" "$STATE"
info "spot request $REQUEST_ID of $INSTANCE_ID is $STATE: terminating the instance will not launch another"
