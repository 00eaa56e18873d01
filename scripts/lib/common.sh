# shellcheck shell=bash
#
# Shared helpers for the operator scripts in scripts/. Source it, never run it:
#
#   # shellcheck source=lib/common.sh
#   . "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)/lib/common.sh"
#
# Written for bash 3.2+ (macOS /bin/bash) as well as bash 5 (Linux): no
# associative arrays, no mapfile, no ${var,,}, and empty arrays are expanded
# with ${arr[@]+"${arr[@]}"} so `set -u` never trips on them.
#
# External tools (terraform, aws, docker, curl, npm, git) are always looked up
# on PATH; there are no absolute paths and no override variables, so putting a
# directory first on PATH is the one way to swap them (the tests do this).
#
# Settings shared by every script (environment variables):
#   STACK_PREFIX   stack name prefix; stack = "<prefix>-<environment>" (default: openlit)

if [[ -n "${_OPS_COMMON_SH_LOADED:-}" ]]; then
  return 0
fi
_OPS_COMMON_SH_LOADED=1

# --- locations --------------------------------------------------------------
# Resolved from this file's own path, so the scripts run from any directory.
OPS_LIB_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
OPS_SCRIPTS_DIR="$(cd "$OPS_LIB_DIR/.." && pwd -P)"
REPO_ROOT="$(cd "$OPS_SCRIPTS_DIR/.." && pwd -P)"
ENVIRONMENTS_DIR="$REPO_ROOT/environments"
STACKS_OUT_DIR="$REPO_ROOT/cdktf.out/stacks"
STACK_PREFIX="${STACK_PREFIX:-openlit}"

SCRIPT_NAME="$(basename "$0")"

# --- messages (all on stderr; stdout is reserved for results) ---------------
info() { printf '%s: %s\n' "$SCRIPT_NAME" "$*" >&2; }
warn() { printf '%s: warning: %s\n' "$SCRIPT_NAME" "$*" >&2; }
err() { printf '%s: error: %s\n' "$SCRIPT_NAME" "$*" >&2; }
die() {
  err "$*"
  exit 1
}
# usage_error MESSAGE: bad invocation; exit 2 like most CLIs.
usage_error() {
  err "$*"
  printf "Run '%s --help' for usage.\n" "$SCRIPT_NAME" >&2
  exit 2
}

# need_value FLAG "$@": fail unless FLAG is followed by a non-empty value.
need_value() {
  if [[ $# -lt 2 || -z "$2" ]]; then
    usage_error "$1 needs a value"
  fi
}

is_uint() { [[ "$1" =~ ^[0-9]+$ ]]; }
# Seconds, optionally fractional: 5, 0.2, 1.5
is_seconds() { [[ "$1" =~ ^[0-9]+(\.[0-9]+)?$ ]]; }
is_port() { is_uint "$1" && ((10#$1 >= 1 && 10#$1 <= 65535)); }

# join_by SEP WORD...: print the words joined by SEP.
join_by() {
  local sep=$1 out="" word
  shift
  for word in "$@"; do
    if [[ -z "$out" ]]; then out=$word; else out="$out$sep$word"; fi
  done
  printf '%s' "$out"
}

# version_ge A B: true when dotted version A >= B (numeric, up to 4 parts).
version_ge() {
  local a=$1 b=$2 i x y
  local IFS=.
  # shellcheck disable=SC2206 # intentional word splitting on dots
  local av=($a) bv=($b)
  for i in 0 1 2 3; do
    x=${av[$i]:-0}
    y=${bv[$i]:-0}
    x=${x%%[!0-9]*}
    y=${y%%[!0-9]*}
    x=${x:-0}
    y=${y:-0}
    if ((10#$x > 10#$y)); then return 0; fi
    if ((10#$x < 10#$y)); then return 1; fi
  done
  return 0
}

# require_cmd NAME [HINT]: fail when NAME is not on PATH.
require_cmd() {
  if ! command -v "$1" >/dev/null 2>&1; then
    die "'$1' not found on PATH${2:+ ($2)}. Run scripts/verify-prereqs.sh for the full list."
  fi
}

# is_interactive: stdin is a terminal (so a human can answer a prompt).
is_interactive() { [[ -t 0 ]]; }

# confirm PROMPT EXPECTED: ask on stderr, read one line from stdin, succeed
# only when the answer equals EXPECTED. Never prompts without a terminal.
confirm() {
  local prompt=$1 expected=$2 reply=""
  is_interactive || return 1
  printf '%s ' "$prompt" >&2
  IFS= read -r reply || return 1
  [[ "$reply" == "$expected" ]]
}

# --- environments and stacks ------------------------------------------------
stack_name() { printf '%s-%s' "$STACK_PREFIX" "$1"; }
stack_dir() { printf '%s/%s' "$STACKS_OUT_DIR" "$(stack_name "$1")"; }
tfvars_file() { printf '%s/%s/%s.tfvars' "$ENVIRONMENTS_DIR" "$STACK_PREFIX" "$1"; }
secrets_file() { printf '%s/%s/%s.secrets.tfvars' "$ENVIRONMENTS_DIR" "$STACK_PREFIX" "$1"; }

# list_environments: one environment name per line (environments/*.tfvars
# without the *.secrets.tfvars files).
list_environments() {
  local f base
  for f in "$ENVIRONMENTS_DIR/$STACK_PREFIX"/*.tfvars; do
    [[ -e "$f" ]] || continue
    base=${f##*/}
    case "$base" in
      *.secrets.tfvars) continue ;;
    esac
    printf '%s\n' "${base%.tfvars}"
  done
}

available_environments() {
  local envs=() e
  while IFS= read -r e; do envs+=("$e"); done < <(list_environments)
  if [[ ${#envs[@]} -eq 0 ]]; then
    printf '(none: %s has no *.tfvars)' "$ENVIRONMENTS_DIR"
  else
    join_by ", " "${envs[@]}"
  fi
}

validate_env_name() {
  if [[ ! "$1" =~ ^[a-z0-9][a-z0-9_-]*$ ]]; then
    usage_error "invalid environment name '$1' (lowercase letters, digits, '-' and '_'). Available: $(available_environments)"
  fi
}

# require_environment ENV: the environment's tfvars must exist.
require_environment() {
  local env=$1 tfvars
  validate_env_name "$env"
  tfvars=$(tfvars_file "$env")
  if [[ ! -f "$tfvars" ]]; then
    die "unknown environment '$env': $tfvars does not exist. Available environments: $(available_environments)"
  fi
}

# require_secrets ENV: clickhouse_password must come from the secrets file or
# TF_VAR_clickhouse_password, before anything slow runs.
require_secrets() {
  local env=$1 sf
  sf=$(secrets_file "$env")
  if [[ -f "$sf" ]]; then
    if [[ -n "$(find "$sf" -prune \( -perm -004 -o -perm -040 \) 2>/dev/null)" ]]; then
      warn "$sf is readable by other users; run: chmod 600 '$sf'"
    fi
    if grep -Eq '^[[:space:]]*clickhouse_password[[:space:]]*=' "$sf" || [[ -n "${TF_VAR_clickhouse_password:-}" ]]; then
      return 0
    fi
    die "$sf does not set clickhouse_password and TF_VAR_clickhouse_password is not set"
  fi
  if [[ -n "${TF_VAR_clickhouse_password:-}" ]]; then
    return 0
  fi
  die "missing secrets for environment '$env': create $sf (chmod 600) with clickhouse_password = \"...\" (and demo_passwords), or export TF_VAR_clickhouse_password (and TF_VAR_demo_passwords)"
}

# set_var_file_args ENV: fills the global array VAR_FILE_ARGS with absolute
# -var-file arguments: the environment's tfvars, then its secrets file when
# present. The same list is passed to plan, apply (saved plan: the ephemeral
# secrets must be supplied again) and destroy.
VAR_FILE_ARGS=()
set_var_file_args() {
  local env=$1
  VAR_FILE_ARGS=("-var-file=$(tfvars_file "$env")")
  if [[ -f "$(secrets_file "$env")" ]]; then
    VAR_FILE_ARGS+=("-var-file=$(secrets_file "$env")")
  fi
}

# tf ENV ARGS...: terraform in the environment's synthesized stack directory.
tf() {
  local env=$1
  shift
  terraform -chdir="$(stack_dir "$env")" "$@"
}

# require_synthesized ENV: the stack must have been synthesized.
require_synthesized() {
  local dir
  dir=$(stack_dir "$1")
  if [[ ! -f "$dir/cdk.tf.json" ]]; then
    die "stack $(stack_name "$1") is not synthesized ($dir/cdk.tf.json missing); run: scripts/deploy.sh $1 (or npm run synth)"
  fi
}

# --- steps ------------------------------------------------------------------
CURRENT_STEP=""
# step NAME [DESCRIPTION]: print a step header.
step() {
  CURRENT_STEP=$1
  printf '\n==> [%s] %s\n' "$1" "${2:-}" >&2
}

# run_step NAME DESCRIPTION CMD...: run CMD as step NAME; on failure stop the
# script, naming the step and passing on CMD's exit status.
run_step() {
  local name=$1 desc=$2 rc=0
  shift 2
  step "$name" "$desc"
  "$@" || rc=$?
  if ((rc != 0)); then
    err "step '$name' failed (exit $rc): $desc"
    exit "$rc"
  fi
}

# fail_step MESSAGE: stop the script, naming the current step.
fail_step() {
  err "step '${CURRENT_STEP:-?}' failed: $*"
  exit 1
}
