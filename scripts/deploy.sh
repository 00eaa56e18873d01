#!/usr/bin/env bash
# Synthesize, plan, apply and health-check one environment's stack.
set -euo pipefail

# shellcheck source=lib/common.sh source-path=SCRIPTDIR
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)/lib/common.sh"

usage() {
  cat <<USAGE
Usage: $SCRIPT_NAME <environment> [options]

Deploys stack \$STACK_PREFIX-<environment> (default prefix: openlit), one step
at a time, stopping at the first failing step and naming it:
  synth    npm run synth                      (cdktf.out/stacks/<stack>/cdk.tf.json)
  init     terraform init -input=false
  plan     terraform plan -input=false -out=tfplan -var-file=environments/<env>.tfvars
                          [-var-file=environments/<env>.secrets.tfvars]
  apply    terraform apply -input=false <same -var-file args> tfplan
           (asks first unless --auto-approve; skipped when the plan has no changes)
  outputs  terraform output
  health   scripts/health-check.sh --env <environment>

Secrets: environments/<env>.secrets.tfvars (git-ignored, chmod 600) or
TF_VAR_clickhouse_password / TF_VAR_demo_passwords. They are ephemeral
variables, so they are passed again when the saved plan is applied.

Options:
  --auto-approve             apply without asking (required when stdin is not a terminal)
  --plan-only                stop after the plan (nothing is changed)
  --skip-health-check        do not run the health check after apply
  --health-timeout SECONDS   health check timeout (default 300)
  -h, --help                 show this help

Environment: STACK_PREFIX, plus the AWS credentials/profile Terraform uses.
USAGE
}

ENV_NAME=""
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
      [[ -z "$ENV_NAME" ]] || usage_error "unexpected argument: $1 (one environment per run)"
      ENV_NAME=$1
      shift
      ;;
  esac
done
[[ -n "$ENV_NAME" ]] || usage_error "missing <environment>. Available: $(available_environments)"
is_uint "$HEALTH_TIMEOUT_ARG" || usage_error "--health-timeout must be whole seconds"

# --- fail early, before anything slow ----------------------------------------
require_environment "$ENV_NAME"
require_secrets "$ENV_NAME"
if [[ "$PLAN_ONLY" == false && "$AUTO_APPROVE" == false ]] && ! is_interactive; then
  usage_error "stdin is not a terminal, so there is nobody to approve the apply; pass --auto-approve (or --plan-only)"
fi
require_cmd npm
require_cmd terraform
if [[ "$SKIP_HEALTH" == false && "$PLAN_ONLY" == false ]]; then
  require_cmd curl "needed by the health check; or pass --skip-health-check"
fi

STACK=$(stack_name "$ENV_NAME")
DIR=$(stack_dir "$ENV_NAME")
set_var_file_args "$ENV_NAME"
info "environment $ENV_NAME -> stack $STACK ($DIR)"

synth() {
  (cd "$REPO_ROOT" && npm run synth) || return
  [[ -f "$DIR/cdk.tf.json" ]] || {
    err "npm run synth did not produce $DIR/cdk.tf.json (is there a stack named $STACK?)"
    return 1
  }
}
run_step synth "npm run synth" synth
run_step init "terraform init" tf "$ENV_NAME" init -input=false

step plan "terraform plan -out=tfplan"
rm -f "$DIR/tfplan"
plan_rc=0
tf "$ENV_NAME" plan -input=false -detailed-exitcode -out=tfplan "${VAR_FILE_ARGS[@]}" || plan_rc=$?
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
    info "plan saved to $DIR/tfplan; not applied (--plan-only)"
  else
    info "no changes; $STACK matches the configuration"
  fi
  exit 0
fi

if [[ "$HAS_CHANGES" == true ]]; then
  step apply "terraform apply tfplan"
  if [[ "$AUTO_APPROVE" == false ]]; then
    if ! confirm "Apply the plan above to environment '$ENV_NAME' (stack $STACK)? Only 'yes' is accepted:" yes; then
      rm -f "$DIR/tfplan"
      err "apply cancelled; nothing was changed"
      exit 1
    fi
  fi
  apply_rc=0
  tf "$ENV_NAME" apply -input=false "${VAR_FILE_ARGS[@]}" tfplan || apply_rc=$?
  rm -f "$DIR/tfplan"
  if ((apply_rc != 0)); then
    err "step 'apply' failed (exit $apply_rc): terraform apply; fix the error and re-run $SCRIPT_NAME $ENV_NAME"
    exit "$apply_rc"
  fi
else
  step apply "skipped"
  info "no changes; $STACK already matches the configuration"
  rm -f "$DIR/tfplan"
fi

run_step outputs "terraform output" tf "$ENV_NAME" output

if [[ "$SKIP_HEALTH" == true ]]; then
  info "health check skipped (--skip-health-check)"
else
  run_step health "health check (timeout ${HEALTH_TIMEOUT_ARG}s)" \
    "$OPS_SCRIPTS_DIR/health-check.sh" --env "$ENV_NAME" --timeout "$HEALTH_TIMEOUT_ARG"
fi
info "environment $ENV_NAME deployed (stack $STACK)"
