#!/usr/bin/env bash
# Synthesize, plan, apply and health-check one stack.
set -euo pipefail

# shellcheck source=lib/common.sh source-path=SCRIPTDIR
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)/lib/common.sh"

usage() {
  cat <<USAGE
Usage: $SCRIPT_NAME <stack> [options]

<stack> is <system>-<env>, e.g. shop-dev for environments/shop/dev.tfvars. A
bare <env> (e.g. dev) works while exactly one system has that environment.

Deploys the stack one step at a time, stopping at the first failing step and
naming it:
  synth    npm run synth -- <stack>           (cdktf.out/stacks/<stack>/cdk.tf.json)
  secrets  every sensitive variable of cdk.tf.json without a default must be
           set in environments/<system>/<env>.secrets.tfvars or as TF_VAR_<name>
  init     terraform init -input=false
  plan     terraform plan -input=false -out=tfplan -var-file=environments/<system>/<env>.tfvars
                          [-var-file=environments/<system>/<env>.secrets.tfvars]
  apply    terraform apply -input=false <same -var-file args> tfplan
           (asks first unless --auto-approve; skipped when the plan has no changes)
  outputs  terraform output
  health   scripts/health-check.sh <stack> (the checks of the stack's output
           health_checks; skipped when the stack declares no such output):
           needs curl for http, https and tcp checks, the AWS CLI (aws) for
           ssm checks (run on the instance through SSM Run Command)

Secrets: environments/<system>/<env>.secrets.tfvars (git-ignored, chmod 600)
or TF_VAR_<name>. Ephemeral variables are passed again when the saved plan is
applied.

Options:
  --auto-approve             apply without asking (required when stdin is not a terminal)
  --plan-only                stop after the plan (nothing is changed)
  --skip-health-check        do not run the health check after apply
  --health-timeout SECONDS   health check timeout (HEALTH_TIMEOUT, default 300)
  -h, --help                 show this help

Environment: the AWS credentials/profile Terraform uses. STACK_PREFIX is no
longer used (a warning says so when it is set).
USAGE
}

STACK_ARG=""
AUTO_APPROVE=false
PLAN_ONLY=false
SKIP_HEALTH=false
HEALTH_TIMEOUT_ARG="${HEALTH_TIMEOUT:-300}"

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
    --auto-approve) AUTO_APPROVE=true; shift ;;
    --plan-only) PLAN_ONLY=true; shift ;;
    --skip-health-check) SKIP_HEALTH=true; shift ;;
    --health-timeout) need_value "$@"; HEALTH_TIMEOUT_ARG=$2; shift 2 ;;
    -*) usage_error "unknown option: $1" ;;
    *)
      [[ -z "$STACK_ARG" ]] || usage_error "unexpected argument: $1 (one stack per run)"
      STACK_ARG=$1
      shift
      ;;
  esac
done
[[ -n "$STACK_ARG" ]] || usage_error "missing <stack>. Available stacks: $(available_stacks)"
is_uint "$HEALTH_TIMEOUT_ARG" || usage_error "--health-timeout must be whole seconds"

# --- fail early, before anything slow ----------------------------------------
resolve_stack "$STACK_ARG"
if [[ "$PLAN_ONLY" == false && "$AUTO_APPROVE" == false ]] && ! is_interactive; then
  usage_error "stdin is not a terminal, so there is nobody to approve the apply; pass --auto-approve (or --plan-only)"
fi
require_cmd npm
require_cmd node "Node.js >= 20"
require_cmd terraform
# The health check's own tools (curl for http, https and tcp checks, the AWS CLI
# for ssm checks) depend on the checks, known only from the stack's output
# health_checks after apply: health-check.sh requires the ones its checks need.
info "stack $STACK (environments/$STACK_SYSTEM/$STACK_ENV.tfvars -> $STACK_DIR)"

run_step synth "npm run synth" synth_stack
# Which secrets are needed is known only from the synthesized stack; checked
# before terraform runs at all.
step secrets "sensitive variables of $STACK"
require_secrets
set_var_file_args
run_step init "terraform init" tf init -input=false

step plan "terraform plan -out=tfplan"
rm -f "$STACK_DIR/tfplan"
plan_rc=0
tf plan -input=false -detailed-exitcode -out=tfplan "${VAR_FILE_ARGS[@]}" || plan_rc=$?
case "$plan_rc" in
  0) HAS_CHANGES=false ;;
  2) HAS_CHANGES=true ;;
  *)
    err "step 'plan' failed (exit $plan_rc): terraform plan; nothing was applied"
    exit "$plan_rc"
    ;;
esac

if [[ "$PLAN_ONLY" == true ]]; then
  if [[ "$HAS_CHANGES" == true ]]; then
    info "plan saved to $STACK_DIR/tfplan; not applied (--plan-only)"
  else
    info "no changes; $STACK matches the configuration"
  fi
  exit 0
fi

if [[ "$HAS_CHANGES" == true ]]; then
  step apply "terraform apply tfplan"
  if [[ "$AUTO_APPROVE" == false ]]; then
    if ! confirm "Apply the plan above to stack $STACK? Only 'yes' is accepted:" yes; then
      rm -f "$STACK_DIR/tfplan"
      err "apply cancelled; nothing was changed"
      exit 1
    fi
  fi
  apply_rc=0
  tf apply -input=false "${VAR_FILE_ARGS[@]}" tfplan || apply_rc=$?
  rm -f "$STACK_DIR/tfplan"
  if ((apply_rc != 0)); then
    err "step 'apply' failed (exit $apply_rc): terraform apply; fix the error and re-run $SCRIPT_NAME $STACK"
    exit "$apply_rc"
  fi
else
  step apply "skipped"
  info "no changes; $STACK already matches the configuration"
  rm -f "$STACK_DIR/tfplan"
fi

run_step outputs "terraform output" tf output

if [[ "$SKIP_HEALTH" == true ]]; then
  info "health check skipped (--skip-health-check)"
elif ! stack_has_output health_checks; then
  step health "skipped"
  info "stack $STACK declares no output health_checks, so there is nothing to check"
else
  run_step health "health check (timeout ${HEALTH_TIMEOUT_ARG}s)" \
    "$OPS_SCRIPTS_DIR/health-check.sh" "$STACK" --timeout "$HEALTH_TIMEOUT_ARG"
fi
info "stack $STACK deployed"
