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
# Every stack script takes a stack name <system>-<env> (see resolve_stack).

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

# --- stacks -----------------------------------------------------------------
# A stack is named <system>-<env>; system names may contain dashes. The layout:
#   environments/<system>/<env>.tfvars           the stack's variables (committed)
#   environments/<system>/<env>.secrets.tfvars   its secrets (git-ignored, chmod 600)
#   cdktf.out/stacks/<system>-<env>/cdk.tf.json  the synthesized stack (npm run synth)
# No system is named here: the systems are the directories of environments/.

# list_stacks: one "<system>-<env>" per line, for every environments/*/*.tfvars
# (without the *.secrets.tfvars files), sorted.
list_stacks() {
  local f rel system base
  for f in "$ENVIRONMENTS_DIR"/*/*.tfvars; do
    [[ -f "$f" ]] || continue
    rel=${f#"$ENVIRONMENTS_DIR"/}
    system=${rel%%/*}
    base=${rel#*/}
    case "$base" in
      *.secrets.tfvars) continue ;;
    esac
    printf '%s-%s\n' "$system" "${base%.tfvars}"
  done | sort
}

# available_stacks: the stacks as one comma-separated line, for messages.
available_stacks() {
  local stacks=() s
  while IFS= read -r s; do stacks+=("$s"); done < <(list_stacks)
  if [[ ${#stacks[@]} -eq 0 ]]; then
    printf '(none: no environments/<system>/<env>.tfvars under %s)' "$ENVIRONMENTS_DIR"
  else
    join_by ", " "${stacks[@]}"
  fi
}

is_stack_name() { [[ "$1" =~ ^[a-z0-9][a-z0-9_-]*$ ]]; }

# Set by resolve_stack (read by the scripts that source this file):
# shellcheck disable=SC2034
STACK=""        # <system>-<env>
STACK_SYSTEM="" # <system>: the directory under environments/
STACK_ENV=""    # <env>: the tfvars file name
STACK_DIR=""    # cdktf.out/stacks/<stack> (absolute)
TFVARS_FILE=""  # environments/<system>/<env>.tfvars (absolute)
SECRETS_FILE="" # environments/<system>/<env>.secrets.tfvars (absolute; may not exist)

# shellcheck disable=SC2034 # used by the scripts that source this file
_set_stack() {
  STACK_SYSTEM=$1
  STACK_ENV=$2
  STACK="$1-$2"
  STACK_DIR="$STACKS_OUT_DIR/$STACK"
  TFVARS_FILE="$ENVIRONMENTS_DIR/$1/$2.tfvars"
  SECRETS_FILE="$ENVIRONMENTS_DIR/$1/$2.secrets.tfvars"
}

# resolve_stack NAME: set STACK, STACK_SYSTEM, STACK_ENV, STACK_DIR, TFVARS_FILE
# and SECRETS_FILE, or fail listing what exists.
#   - NAME = <system>-<env> with environments/<system>/<env>.tfvars: that stack;
#   - else NAME = a bare <env> that exists for exactly one system: that system's
#     stack (the older "deploy.sh demo" form); for several systems it is
#     ambiguous (exit 2, listing the candidates); for none, unknown (exit 1).
resolve_stack() {
  local name=$1 dir system env matches=() systems=() s
  if ! is_stack_name "$name"; then
    usage_error "invalid stack name '$name' (lowercase letters, digits, '-' and '_'). Available stacks: $(available_stacks)"
  fi
  for dir in "$ENVIRONMENTS_DIR"/*/; do
    [[ -d "$dir" ]] || continue
    system=${dir%/}
    system=${system##*/}
    if [[ "$name" == "$system"-?* ]]; then
      env=${name#"$system"-}
      if [[ -f "$ENVIRONMENTS_DIR/$system/$env.tfvars" ]]; then
        matches+=("$system/$env")
      fi
    fi
    if [[ -f "$ENVIRONMENTS_DIR/$system/$name.tfvars" ]]; then
      systems+=("$system")
    fi
  done
  if [[ ${#matches[@]} -gt 1 ]]; then
    # e.g. systems "a" (env "b-c") and "a-b" (env "c"): both read "a-b-c".
    local listed=()
    for s in "${matches[@]}"; do listed+=("environments/$s.tfvars"); done
    usage_error "stack name '$name' matches several tfvars files: $(join_by ", " "${listed[@]}"); rename one of them"
  fi
  if [[ ${#matches[@]} -eq 1 ]]; then
    _set_stack "${matches[0]%%/*}" "${matches[0]#*/}"
    return 0
  fi
  if [[ ${#systems[@]} -eq 1 ]]; then
    _set_stack "${systems[0]}" "$name"
    info "'$name' is the environment of one system only: stack $STACK"
    return 0
  fi
  if [[ ${#systems[@]} -gt 1 ]]; then
    local candidates=()
    for s in "${systems[@]}"; do candidates+=("$s-$name"); done
    usage_error "'$name' is ambiguous: it is an environment of several systems; give the stack name, one of: $(join_by ", " "${candidates[@]}")"
  fi
  die "unknown stack '$name': no environments/<system>/<env>.tfvars with <system>-<env> = '$name', and no system has an environment '$name'. Available stacks: $(available_stacks)"
}

# STACK_PREFIX (stack = <prefix>-<env>) is no longer used: stack names are
# complete (<system>-<env>) and the system comes from environments/<system>/.
if [[ -n "${STACK_PREFIX:-}" ]]; then
  warn "STACK_PREFIX is ignored: pass the full stack name <system>-<env> (e.g. ${STACK_PREFIX}-<env>)"
fi

# require_synthesized: the resolved stack must have been synthesized.
require_synthesized() {
  if [[ ! -f "$STACK_DIR/cdk.tf.json" ]]; then
    die "stack $STACK is not synthesized ($STACK_DIR/cdk.tf.json is missing); run: npm run synth (scripts/deploy.sh $STACK synthesizes too)"
  fi
}

# What the scripts need from the synthesized stack (cdk.tf.json), read once
# with Node (the project needs Node anyway; jq may be missing), one line each:
#   "required NAME"  a sensitive variable without a default (a required secret)
#   "optional NAME"  a sensitive variable with a default
#   "output NAME"    a declared output
# shellcheck disable=SC2016 # JavaScript template literals, not shell expansions
_STACK_JSON_JS='
const fs = require("fs");
let j;
try { j = JSON.parse(fs.readFileSync(process.argv[1], "utf8")); }
catch (e) { process.stderr.write(`cannot read ${process.argv[1]}: ${e.message}\n`); process.exit(3); }
const obj = (x) => (x && typeof x === "object" && !Array.isArray(x) ? x : {});
const vars = obj(j && j.variable);
for (const name of Object.keys(vars).sort()) {
  const v = obj(vars[name]);
  if (v.sensitive === true) process.stdout.write(`${"default" in v ? "optional" : "required"} ${name}\n`);
}
for (const name of Object.keys(obj(j && j.output)).sort()) process.stdout.write(`output ${name}\n`);
'
STACK_JSON_INFO=""
STACK_JSON_LOADED=false
# load_stack_json: fill STACK_JSON_INFO from the resolved stack's cdk.tf.json
# (once; the scripts synthesize before the first use).
load_stack_json() {
  [[ "$STACK_JSON_LOADED" == false ]] || return 0
  require_synthesized
  require_cmd node "Node.js >= 20 reads the synthesized stack"
  STACK_JSON_INFO=$(node -e "$_STACK_JSON_JS" "$STACK_DIR/cdk.tf.json") ||
    die "cannot read the synthesized stack $STACK_DIR/cdk.tf.json; run: npm run synth"
  STACK_JSON_LOADED=true
}

# stack_has_output NAME: the synthesized stack declares output NAME.
stack_has_output() {
  load_stack_json
  [[ $'\n'"$STACK_JSON_INFO"$'\n' == *$'\n'"output $1"$'\n'* ]]
}

# env_is_set NAME: the environment variable NAME is set and non-empty (NAME may
# be any string, e.g. TF_VAR_my-var, which bash cannot expand).
env_is_set() {
  if [[ "$1" =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]]; then
    [[ -n "${!1:-}" ]]
  else
    env | grep -q "^$1=."
  fi
}

# require_secrets: every sensitive variable of the synthesized stack without a
# default must come from the secrets file or TF_VAR_<name>. Reads cdk.tf.json,
# so the stack must be synthesized first.
require_secrets() {
  local kind name required=() optional=() missing=() hint=""
  load_stack_json
  while IFS=' ' read -r kind name; do
    case "$kind" in
      required) required+=("$name") ;;
      optional) optional+=("$name") ;;
    esac
  done <<<"$STACK_JSON_INFO"

  if [[ -f "$SECRETS_FILE" ]]; then
    if [[ -n "$(find "$SECRETS_FILE" -prune \( -perm -004 -o -perm -040 \) 2>/dev/null)" ]]; then
      warn "$SECRETS_FILE is readable by other users; run: chmod 600 '$SECRETS_FILE'"
    fi
  fi
  for name in ${required[@]+"${required[@]}"}; do
    if [[ -f "$SECRETS_FILE" ]] && grep -Eq "^[[:space:]]*${name}[[:space:]]*=" "$SECRETS_FILE"; then
      continue
    fi
    env_is_set "TF_VAR_$name" || missing+=("$name")
  done
  if [[ ${#optional[@]} -gt 0 ]]; then
    hint="optional secrets (they have defaults): $(join_by ", " "${optional[@]}")"
  fi
  if [[ ${#missing[@]} -gt 0 ]]; then
    local example="" envs=() n
    for n in "${missing[@]}"; do
      example="$example"$'\n'"  $n = \"...\""
      envs+=("TF_VAR_$n")
    done
    if [[ -f "$SECRETS_FILE" ]]; then
      err "$SECRETS_FILE does not set $(join_by ", " "${missing[@]}")"
    fi
    die "missing secrets for stack $STACK: $(join_by ", " "${missing[@]}") (sensitive variables without a default in $STACK_DIR/cdk.tf.json). Put them in $SECRETS_FILE (git-ignored; chmod 600):$example
or export $(join_by ", " "${envs[@]}").${hint:+ Also accepted: $hint.}"
  fi
  if [[ ${#required[@]} -gt 0 ]]; then
    info "secrets: $(join_by ", " "${required[@]}") set${hint:+; $hint}"
  elif [[ -n "$hint" ]]; then
    info "secrets: none required; $hint"
  fi
}

# set_var_file_args: fills the global array VAR_FILE_ARGS with absolute
# -var-file arguments: the stack's tfvars, then its secrets file when present.
# The same list is passed to plan, apply (saved plan: ephemeral secrets must
# be supplied again) and destroy.
VAR_FILE_ARGS=()
set_var_file_args() {
  VAR_FILE_ARGS=("-var-file=$TFVARS_FILE")
  if [[ -f "$SECRETS_FILE" ]]; then
    VAR_FILE_ARGS+=("-var-file=$SECRETS_FILE")
  fi
}

# tfvars_string FILE KEY: the value of a one-line string assignment
# KEY = "value" in a tfvars file (empty when absent; escapes are not decoded).
tfvars_string() {
  sed -n 's/^[[:space:]]*'"$2"'[[:space:]]*=[[:space:]]*"\([^"]*\)".*$/\1/p' "$1" | head -n 1
}

# tf ARGS...: terraform in the resolved stack's synthesized directory.
tf() {
  terraform -chdir="$STACK_DIR" "$@"
}

# --- image builds (build-and-push.sh, build-only.sh) ------------------------
# resolve_build_inputs: checks and normalizes SOURCE_DIR (build context),
# DOCKERFILE (default <source>/Dockerfile; relative to the current directory)
# and REPOSITORY (--repository, else ecr_repository of --stack STACK_ARG's
# tfvars, else ECR_REPOSITORY), all set by the calling script.
resolve_build_inputs() {
  [[ -n "$SOURCE_DIR" ]] || usage_error "no build source: pass --source DIR (the build context directory) or set BUILD_SOURCE_DIR"
  [[ -d "$SOURCE_DIR" ]] || die "build source directory '$SOURCE_DIR' does not exist (--source / BUILD_SOURCE_DIR)"
  DOCKERFILE=${DOCKERFILE:-$SOURCE_DIR/Dockerfile}
  [[ -f "$DOCKERFILE" ]] || die "no Dockerfile at $DOCKERFILE; pass --dockerfile PATH (relative to the current directory)"
  DOCKERFILE="$(cd "$(dirname "$DOCKERFILE")" && pwd -P)/$(basename "$DOCKERFILE")"
  SOURCE_DIR=$(cd "$SOURCE_DIR" && pwd -P)
  if [[ -z "$REPOSITORY" && -n "$STACK_ARG" ]]; then
    resolve_stack "$STACK_ARG"
    REPOSITORY=$(tfvars_string "$TFVARS_FILE" ecr_repository)
    [[ -n "$REPOSITORY" ]] || usage_error "$TFVARS_FILE sets no ecr_repository; set it there or pass --repository NAME"
  fi
  REPOSITORY=${REPOSITORY:-${ECR_REPOSITORY:-}}
  [[ -n "$REPOSITORY" ]] || usage_error "no repository: pass --repository NAME, set ECR_REPOSITORY, or pass --stack STACK to use ecr_repository from its tfvars"
}

# image_tag_hint: tell where the built TAG goes (stderr).
image_tag_hint() {
  if [[ -n "$STACK" ]]; then
    info "set image_tag = \"$TAG\" in environments/$STACK_SYSTEM/$STACK_ENV.tfvars, then run scripts/deploy.sh $STACK"
  else
    info "set image_tag = \"$TAG\" (and ecr_repository = \"$REPOSITORY\") in environments/<system>/<env>.tfvars, then run scripts/deploy.sh <system>-<env>"
  fi
}

# synth_stack: npm run synth (only this stack), and check it produced the stack's cdk.tf.json.
synth_stack() {
  (cd "$REPO_ROOT" && npm run synth -- "$STACK") || return
  [[ -f "$STACK_DIR/cdk.tf.json" ]] || {
    err "npm run synth did not produce $STACK_DIR/cdk.tf.json (does the app define a stack named $STACK?)"
    return 1
  }
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
