#!/usr/bin/env bash
# Check the operator's machine has everything the other scripts need.
set -euo pipefail

# shellcheck source=lib/common.sh source-path=SCRIPTDIR
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)/lib/common.sh"

MIN_TERRAFORM=1.11.0
MIN_NODE=20.0.0

usage() {
  cat <<USAGE
Usage: $SCRIPT_NAME [options]

Checks what the scripts need for any stack, one line each on stdout
(ok / FAIL / skip), then exits non-zero naming every missing or unusable piece:
  aws-cli          AWS CLI v2 (aws --version)
  aws-credentials  valid credentials (aws sts get-caller-identity)
  terraform        Terraform >= $MIN_TERRAFORM (write-only arguments)
  node             Node.js >= $MIN_NODE (synth; the scripts read JSON with it)
  npm              npm
  curl             curl (health checks)
  docker           Docker CLI with a reachable daemon (docker info)  } only with
  docker-buildx    docker buildx (multi-platform builds)             } --build

Options:
  --build       also check what building images needs (docker, docker-buildx)
  --skip NAME   skip a check (repeatable), e.g. --skip aws-credentials
  -h, --help    show this help
USAGE
}

SKIP=" "
BUILD=false
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
    --build) BUILD=true; shift ;;
    --skip) need_value "$@"; SKIP="$SKIP$2 "; shift 2 ;;
    *) usage_error "unknown argument: $1" ;;
  esac
done

FAILED=()
report() { # report ok|FAIL NAME DETAIL
  printf '%-4s  %-15s  %s\n' "$1" "$2" "$3"
  [[ "$1" == ok ]] || FAILED+=("$2 ($3)")
}
skipped() { [[ "$SKIP" == *" $1 "* ]]; }
# first_line CMD...: first line of CMD's combined output; fails with CMD.
first_line() {
  local out
  out=$("$@" 2>&1) || return
  printf '%s' "${out%%$'\n'*}"
}

check_aws_cli() {
  local v
  command -v aws >/dev/null 2>&1 || { report FAIL aws-cli "not installed; need AWS CLI v2"; return; }
  v=$(first_line aws --version) || { report FAIL aws-cli "aws --version failed"; return; }
  if [[ "$v" =~ aws-cli/2\. ]]; then
    report ok aws-cli "${v%% *}"
  else
    report FAIL aws-cli "found ${v%% *}; need AWS CLI v2"
  fi
}

check_aws_credentials() {
  local id
  command -v aws >/dev/null 2>&1 || { report FAIL aws-credentials "aws not installed"; return; }
  if id=$(aws sts get-caller-identity --query Arn --output text 2>/dev/null) && [[ -n "$id" ]]; then
    report ok aws-credentials "$id"
  else
    report FAIL aws-credentials "aws sts get-caller-identity failed; configure credentials (aws configure / aws sso login / AWS_PROFILE)"
  fi
}

check_terraform() {
  local out v
  command -v terraform >/dev/null 2>&1 || { report FAIL terraform "not installed; need >= $MIN_TERRAFORM"; return; }
  out=$(terraform version 2>/dev/null) || true
  v=$(printf '%s\n' "$out" | sed -n 's/^Terraform v\([0-9][0-9.]*\).*/\1/p' | head -n 1)
  if [[ -z "$v" ]]; then
    report FAIL terraform "cannot read the version from 'terraform version'; need >= $MIN_TERRAFORM"
  elif version_ge "$v" "$MIN_TERRAFORM"; then
    report ok terraform "$v"
  else
    report FAIL terraform "found $v; need >= $MIN_TERRAFORM"
  fi
}

check_docker() {
  local v
  command -v docker >/dev/null 2>&1 || { report FAIL docker "not installed"; return; }
  if v=$(docker info --format '{{.ServerVersion}}' 2>/dev/null) && [[ -n "$v" ]]; then
    report ok docker "server $v"
  else
    report FAIL docker "installed but the daemon is not reachable (docker info failed)"
  fi
}

check_buildx() {
  local v
  command -v docker >/dev/null 2>&1 || { report FAIL docker-buildx "docker not installed"; return; }
  if v=$(first_line docker buildx version); then
    report ok docker-buildx "$v"
  else
    report FAIL docker-buildx "docker buildx is not available; install the buildx plugin"
  fi
}

check_node() {
  local v
  command -v node >/dev/null 2>&1 || { report FAIL node "not installed; need >= $MIN_NODE"; return; }
  v=$(node --version 2>/dev/null) || true
  v=${v#v}
  if [[ -n "$v" ]] && version_ge "$v" "$MIN_NODE"; then
    report ok node "$v"
  else
    report FAIL node "found ${v:-unknown}; need >= $MIN_NODE"
  fi
}

check_simple() { # NAME: installed and answers --version
  local v
  if command -v "$1" >/dev/null 2>&1 && v=$(first_line "$1" --version); then
    report ok "$1" "${v%% (*}"
  else
    report FAIL "$1" "not installed"
  fi
}

for check in aws-cli aws-credentials terraform node npm curl docker docker-buildx; do
  if skipped "$check"; then
    printf '%-4s  %-15s  %s\n' skip "$check" "--skip $check"
    continue
  fi
  if [[ "$BUILD" == false && "$check" == docker* ]]; then
    printf '%-4s  %-15s  %s\n' skip "$check" "only needed to build images (--build)"
    continue
  fi
  case "$check" in
    aws-cli) check_aws_cli ;;
    aws-credentials) check_aws_credentials ;;
    terraform) check_terraform ;;
    docker) check_docker ;;
    docker-buildx) check_buildx ;;
    node) check_node ;;
    npm | curl) check_simple "$check" ;;
  esac
done

if [[ ${#FAILED[@]} -gt 0 ]]; then
  err "${#FAILED[@]} prerequisite(s) missing or unusable: $(join_by "; " "${FAILED[@]}")"
  exit 1
fi
info "all prerequisites present"
