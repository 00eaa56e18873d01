#!/usr/bin/env bash
# Rotate the password of a stack's database: write it to the stack's secret, restart the nodes one at a time,
# then restart the service's tasks.
set -euo pipefail

# shellcheck source=lib/common.sh source-path=SCRIPTDIR
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)/lib/common.sh"

usage() {
  cat <<USAGE
Usage: $SCRIPT_NAME <stack> (--password-file FILE | --generate) [options]

<stack> is <system>-<env>, e.g. shop-prod for environments/shop/prod.tfvars.

Rotates the password of the database of a deployed stack whose outputs are
(terraform -chdir=cdktf.out/stacks/<stack> output -json <name>):
  <db>_password_secret_arn   the Secrets Manager secret holding the password
  <db>_node_instance_ids     the database's own EC2 nodes (a JSON list; empty
                             when the database is a managed cloud service)
  cluster_name, service_name the ECS service whose tasks read the secret
  aws_region                 the region of all of it
<db> is the prefix of the stack's one *_password_secret_arn output (or --db).

Steps, in this order (nothing is changed before every check has passed):
  outputs   read the outputs above; a stack that is not deployed or lacks
            them is refused
  password  from --password-file, or --generate (40 random characters from
            A-Z a-z 0-9); never printed, logged or put on a command line
  confirm   managed cloud service (no nodes): the service cannot be changed
            from here, so set this same password on it first (e.g. ALTER USER,
            or its console) and pass --cloud-password-changed; without it the
            script stops before changing anything. Own nodes: nothing to do.
  secret    aws secretsmanager put-secret-value --secret-string file://<file>
            (a 0600 file in a private temporary directory, removed on exit)
  nodes     own nodes only: one at a time, aws ssm send-command
            (AWS-RunShellScript: systemctl restart <db>) and wait for
            Success before the next node (up to --timeout each); they read
            the new password from the secret as they start
  tasks     aws ecs update-service --force-new-deployment, then (unless
            --no-wait) aws ecs wait services-stable
Then prints a summary of what was done. Running it again with the same
password is harmless (one more secret version, one more round of restarts).
The stack keeps its own copy of the password (its secrets file or
TF_VAR_<db>_password): update it too, or a later deploy that raises the
password version writes the old one back.

Options:
  --password-file FILE      the new password: the file's content, without the
                            trailing newline (must not be empty)
  --generate                generate the new password (own nodes only: a cloud
                            service must have it before the secret does)
  --print                   print the new password on stdout (first line),
                            e.g. with --generate; never otherwise
  --cloud-password-changed  the managed cloud service already has the new
                            password (required when the stack has no nodes)
  --db NAME                 the outputs NAME_password_secret_arn and
                            NAME_node_instance_ids, and the nodes' systemd
                            unit NAME (default: from the stack's outputs)
  --unit UNIT               the nodes' systemd unit to restart (default: <db>)
  --timeout SECONDS         the longest wait for one node's restart (default 600)
  --wait / --no-wait        wait for the service to be stable again (default: wait)
  --dry-run                 print the steps; change nothing, call no aws command
  -h, --help                show this help

Needs terraform (reads the outputs), Node.js, and the AWS CLI v2 with
credentials allowed secretsmanager:PutSecretValue (and kms:GenerateDataKey on
the secret's key), ssm:SendCommand and ssm:GetCommandInvocation, and
ecs:UpdateService and ecs:DescribeServices.
Environment: ROTATE_POLL_SECONDS, the delay between two polls of a node's
restart (default 5).
Messages go to stderr; the summary (and the password with --print) to stdout.
Exit status: 0 rotated (or --dry-run); 1 a terraform or AWS failure (the stack
not deployed, a node's restart failed, ...); 2 bad usage or input.
USAGE
}

# input_error MESSAGE: bad input other than the command line itself (exit 2).
input_error() {
  err "$*"
  exit 2
}

STACK_ARG=""
PASSWORD_FILE=""
GENERATE=false
PRINT=false
CLOUD_CHANGED=false
DB=""
UNIT=""
TIMEOUT=600
WAIT=true
DRY_RUN=false
POLL_SECONDS=${ROTATE_POLL_SECONDS:-5}

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
    --password-file) need_value "$@"; PASSWORD_FILE=$2; shift 2 ;;
    --generate) GENERATE=true; shift ;;
    --print) PRINT=true; shift ;;
    --cloud-password-changed) CLOUD_CHANGED=true; shift ;;
    --db) need_value "$@"; DB=$2; shift 2 ;;
    --unit) need_value "$@"; UNIT=$2; shift 2 ;;
    --timeout) need_value "$@"; TIMEOUT=$2; shift 2 ;;
    --wait) WAIT=true; shift ;;
    --no-wait) WAIT=false; shift ;;
    --dry-run) DRY_RUN=true; shift ;;
    -*) usage_error "unknown option: $1" ;;
    *)
      [[ -z "$STACK_ARG" ]] || usage_error "unexpected argument: $1 (one stack per run)"
      STACK_ARG=$1
      shift
      ;;
  esac
done
[[ -n "$STACK_ARG" ]] || usage_error "missing <stack>. Available stacks: $(available_stacks)"
if [[ -n "$PASSWORD_FILE" && "$GENERATE" == true ]]; then
  usage_error "--password-file and --generate exclude each other: give one"
fi
if [[ -z "$PASSWORD_FILE" && "$GENERATE" == false ]]; then
  usage_error "no new password: pass --password-file FILE (its content is the password) or --generate"
fi
is_uint "$TIMEOUT" || usage_error "--timeout must be whole seconds"
is_seconds "$POLL_SECONDS" || usage_error "ROTATE_POLL_SECONDS must be seconds, e.g. 5 or 0.5 (it is '$POLL_SECONDS')"
[[ -z "$DB" || "$DB" =~ ^[a-z0-9][a-z0-9_]*$ ]] || usage_error "--db '$DB' is not an output name prefix (lowercase letters, digits, '_')"
[[ -z "$UNIT" || "$UNIT" =~ ^[A-Za-z0-9][A-Za-z0-9_.@-]*$ ]] || usage_error "--unit '$UNIT' is not a systemd unit name"

# --- the password file (before anything is called) -------------------------
PASSWORD=""
if [[ -n "$PASSWORD_FILE" ]]; then
  [[ -e "$PASSWORD_FILE" ]] || input_error "password file '$PASSWORD_FILE' does not exist"
  [[ ! -d "$PASSWORD_FILE" ]] || input_error "password file '$PASSWORD_FILE' is a directory"
  [[ -r "$PASSWORD_FILE" ]] || input_error "password file '$PASSWORD_FILE' is not readable"
  # $(<file): bash reads it (no command line), and drops the trailing newlines.
  PASSWORD=$(<"$PASSWORD_FILE")
  PASSWORD=${PASSWORD%$'\r'}
  [[ -n "$PASSWORD" ]] || input_error "password file '$PASSWORD_FILE' is empty: write the new password into it (one line)"
  [[ "$PASSWORD" != *$'\n'* && "$PASSWORD" != *$'\r'* ]] || input_error "password file '$PASSWORD_FILE' has more than one line: a password is one line"
  if [[ -f "$PASSWORD_FILE" && -n "$(find "$PASSWORD_FILE" -prune \( -perm -004 -o -perm -040 \) 2>/dev/null)" ]]; then
    warn "$PASSWORD_FILE is readable by other users; run: chmod 600 '$PASSWORD_FILE' (or remove it when done)"
  fi
fi

# --- the stack's outputs ----------------------------------------------------
resolve_stack "$STACK_ARG"
require_synthesized
require_cmd terraform
load_stack_json

if [[ -z "$DB" ]]; then
  candidates=()
  while IFS=' ' read -r kind name; do
    if [[ "$kind" == output && "$name" == ?*_password_secret_arn ]]; then
      candidates+=("${name%_password_secret_arn}")
    fi
  done <<<"$STACK_JSON_INFO"
  if [[ ${#candidates[@]} -eq 0 ]]; then
    input_error "stack $STACK declares no output <db>_password_secret_arn: this script is for stacks whose database password is in a Secrets Manager secret they output (see --help)"
  fi
  if [[ ${#candidates[@]} -gt 1 ]]; then
    input_error "stack $STACK has several password secrets ($(join_by ", " "${candidates[@]/%/_password_secret_arn}")): choose one with --db, one of: $(join_by ", " "${candidates[@]}")"
  fi
  DB=${candidates[0]}
fi
UNIT=${UNIT:-$DB}
SECRET_OUTPUT="${DB}_password_secret_arn"
NODES_OUTPUT="${DB}_node_instance_ids"
OUTPUTS=("$SECRET_OUTPUT" "$NODES_OUTPUT" cluster_name service_name aws_region)
missing=()
for o in "${OUTPUTS[@]}"; do
  stack_has_output "$o" || missing+=("$o")
done
if [[ ${#missing[@]} -gt 0 ]]; then
  input_error "stack $STACK declares no output $(join_by ", " "${missing[@]}"); this script needs the outputs $(join_by ", " "${OUTPUTS[@]}") (see --help)"
fi

# A private directory for the secret's file and the tools' error messages; the password file in it is mode 0600.
umask 077
require_cmd mktemp
TMP_DIR=$(mktemp -d "${TMPDIR:-/tmp}/rotate-password.XXXXXX") || die "cannot create a temporary directory"
trap 'rm -rf "$TMP_DIR"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
ERR_FILE="$TMP_DIR/stderr"

OUTPUT_JSON=()
for o in "${OUTPUTS[@]}"; do
  json=""
  if ! json=$(tf output -json "$o" 2>"$ERR_FILE") || [[ -z "$json" || "$json" == null ]]; then
    msg=$(grep -v '^[[:space:]]*$' "$ERR_FILE" | head -n 3 | tr '\n' ' ' || true)
    die "could not read output $o of stack $STACK: is it deployed? (scripts/deploy.sh $STACK)${msg:+ terraform: $msg}"
  fi
  OUTPUT_JSON+=("$json")
done

# Decodes the outputs (JSON) into NUL-separated fields: secret arn, cluster, service, region, then the node ids.
# shellcheck disable=SC2016 # JavaScript template literals, not shell expansions
OUTPUTS_JS='
const names = JSON.parse(process.argv[1]);
const values = process.argv.slice(2).map((t, i) => {
  try { return JSON.parse(t); } catch (e) { process.stderr.write(`output ${names[i]} is not JSON: ${e.message}\n`); process.exit(3); }
});
const fields = [];
for (const i of [0, 2, 3, 4]) {
  if (typeof values[i] !== "string" || values[i] === "") { process.stderr.write(`output ${names[i]} is not a non-empty string\n`); process.exit(3); }
  fields.push(values[i]);
}
const nodes = values[1];
if (!Array.isArray(nodes) || nodes.some((x) => typeof x !== "string")) { process.stderr.write(`output ${names[1]} is not a list of instance ids\n`); process.exit(3); }
process.stdout.write([...fields, ...nodes].map((f) => `${f}\u0000`).join(""));
'
require_cmd node "Node.js >= 20 reads the outputs"
fields=()
while IFS= read -r -d '' f; do fields+=("$f"); done < <(node -e "$OUTPUTS_JS" "$(printf '["%s"]' "$(join_by '","' "${OUTPUTS[@]}")")" "${OUTPUT_JSON[@]}" 2>"$ERR_FILE" || true)
if [[ ${#fields[@]} -lt 4 ]]; then
  die "cannot read the outputs of stack $STACK: $(head -n 1 "$ERR_FILE")"
fi
SECRET_ARN=${fields[0]}
CLUSTER=${fields[1]}
SERVICE=${fields[2]}
REGION=${fields[3]}
NODES=("${fields[@]:4}")
[[ "$SECRET_ARN" =~ ^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:.+$ ]] ||
  die "output $SECRET_OUTPUT of stack $STACK is '$SECRET_ARN', not a Secrets Manager secret ARN"
[[ "$REGION" =~ ^[a-z]{2}(-[a-z]+)+-[0-9]+$ ]] || die "output aws_region of stack $STACK is '$REGION', not an AWS region name"
for n in ${NODES[@]+"${NODES[@]}"}; do
  [[ "$n" =~ ^i-[0-9a-f]{8}([0-9a-f]{9})?$ ]] || die "output $NODES_OUTPUT of stack $STACK lists '$n', not an EC2 instance id"
done
N=${#NODES[@]}

# --- managed cloud service or own nodes -------------------------------------
if ((N == 0)); then
  if [[ "$GENERATE" == true ]]; then
    input_error "stack $STACK has no nodes of its own ($NODES_OUTPUT is empty): its database is a managed cloud service, which must have the new password before the secret does, so --generate cannot be used. Choose the password, set it on the cloud service (e.g. ALTER USER, or its console), put it in a file, and run: $SCRIPT_NAME $STACK --password-file FILE --cloud-password-changed; nothing was changed"
  fi
  if [[ "$CLOUD_CHANGED" == false ]]; then
    input_error "stack $STACK has no nodes of its own ($NODES_OUTPUT is empty): its database is a managed cloud service, which this script cannot change. First set this same password on the cloud service (e.g. ALTER USER ... IDENTIFIED BY, or its console), then run again with --cloud-password-changed; nothing was changed"
  fi
elif [[ "$CLOUD_CHANGED" == true ]]; then
  warn "--cloud-password-changed is ignored: stack $STACK has nodes of its own ($N), which take the password from the secret"
fi

# --- the new password -------------------------------------------------------
# generate_password: PASSWORD = 40 random characters from [A-Za-z0-9] (kept in a variable, never an argument).
generate_password() {
  local chars=""
  while ((${#chars} < 40)); do
    if [[ -r /dev/urandom ]]; then
      chars+=$(head -c 4096 /dev/urandom | LC_ALL=C tr -dc 'A-Za-z0-9')
    elif command -v openssl >/dev/null 2>&1; then
      chars+=$(openssl rand -base64 3072 | LC_ALL=C tr -dc 'A-Za-z0-9')
    else
      die "cannot generate a password: neither /dev/urandom nor openssl is available; use --password-file"
    fi
  done
  PASSWORD=${chars:0:40}
}
if [[ "$GENERATE" == true ]]; then
  generate_password
fi

export AWS_PAGER=""
REGION_ARGS=(--region "$REGION")
RESTART_PARAMS="commands=[\"systemctl restart $UNIT\"]"

# --- dry run ----------------------------------------------------------------
if [[ "$DRY_RUN" == true ]]; then
  printf 'Dry run: nothing was changed. For stack %s (%s), %s would:\n' "$STACK" "$REGION" "$SCRIPT_NAME"
  k=1
  if ((N == 0)); then
    printf '  (the managed cloud service has the new password: --cloud-password-changed)\n'
  fi
  source_of_password="from $PASSWORD_FILE"
  [[ "$GENERATE" == false ]] || source_of_password="generated, 40 characters"
  printf '  %d. write the new password (%s) to the secret:\n     aws secretsmanager put-secret-value --region %s --secret-id %s --secret-string file://<private 0600 file>\n' \
    "$k" "$source_of_password" "$REGION" "$SECRET_ARN"
  for ((i = 0; i < N; i++)); do
    k=$((k + 1))
    printf '  %d. restart node %s (%d of %d) and wait for Success (up to %ss):\n     aws ssm send-command --region %s --document-name AWS-RunShellScript --parameters '\''%s'\'' --instance-ids %s\n' \
      "$k" "${NODES[i]}" $((i + 1)) "$N" "$TIMEOUT" "$REGION" "$RESTART_PARAMS" "${NODES[i]}"
  done
  k=$((k + 1))
  printf '  %d. restart the tasks:\n     aws ecs update-service --region %s --cluster %s --service %s --force-new-deployment\n' "$k" "$REGION" "$CLUSTER" "$SERVICE"
  if [[ "$WAIT" == true ]]; then
    k=$((k + 1))
    printf '  %d. wait for the service to be stable:\n     aws ecs wait services-stable --region %s --cluster %s --services %s\n' "$k" "$REGION" "$CLUSTER" "$SERVICE"
  fi
  [[ "$GENERATE" == false ]] || printf 'The generated password was not used and is not shown.\n'
  exit 0
fi

require_cmd aws "AWS CLI v2"

AWS_OUT=""
AWS_ERR=""
# aws_call ARGS...: aws ARGS in REGION; its answer in AWS_OUT, its stderr (on one line) in AWS_ERR; returns its status.
aws_call() {
  local rc=0
  AWS_OUT=$(aws "$@" "${REGION_ARGS[@]}" 2>"$ERR_FILE") || rc=$?
  AWS_ERR=$(grep -v '^[[:space:]]*$' "$ERR_FILE" | tr '\n' ' ' || true)
  AWS_ERR=${AWS_ERR% }
  return "$rc"
}

DONE=()
# fail MESSAGE: stop (exit 1), saying what was done before.
fail() {
  local msg=$1
  if [[ ${#DONE[@]} -gt 0 ]]; then
    msg="$msg. Done before: $(join_by "; " "${DONE[@]}")"
  else
    msg="$msg; nothing was changed"
  fi
  die "$msg"
}

# --- secret -----------------------------------------------------------------
step secret "write the new password to $SECRET_ARN"
SECRET_FILE="$TMP_DIR/secret-string"
printf '%s' "$PASSWORD" >"$SECRET_FILE"
if ! aws_call secretsmanager put-secret-value --secret-id "$SECRET_ARN" --secret-string "file://$SECRET_FILE" --query VersionId --output text; then
  fail "aws secretsmanager put-secret-value --secret-id $SECRET_ARN failed: ${AWS_ERR:-no message from the AWS CLI}"
fi
rm -f "$SECRET_FILE"
SECRET_VERSION=${AWS_OUT//[[:space:]]/}
SECRET_VERSION=${SECRET_VERSION:-?}
DONE+=("secret $SECRET_ARN holds the new password (version $SECRET_VERSION)")
info "secret written (version $SECRET_VERSION)"
if [[ "$PRINT" == true ]]; then
  printf '%s\n' "$PASSWORD"
fi

# --- nodes ------------------------------------------------------------------
# restart_node I: systemctl restart UNIT on node I through SSM Run Command; waits for Success.
restart_node() {
  local i=$1 node=${NODES[$1]} id status details start=$SECONDS what
  what="node $node ($((i + 1)) of $N)"
  info "restarting $what: systemctl restart $UNIT"
  if ! aws_call ssm send-command --document-name AWS-RunShellScript --parameters "$RESTART_PARAMS" --instance-ids "$node" \
    --comment "$SCRIPT_NAME: restart $UNIT" --query Command.CommandId --output text; then
    fail "$what: aws ssm send-command failed: ${AWS_ERR:-no message from the AWS CLI}"
  fi
  id=${AWS_OUT//[[:space:]]/}
  [[ -n "$id" && "$id" != None ]] || fail "$what: aws ssm send-command returned no command id"
  while :; do
    [[ "$POLL_SECONDS" =~ ^0+(\.0+)?$ ]] || sleep "$POLL_SECONDS"
    if ! aws_call ssm get-command-invocation --command-id "$id" --instance-id "$node" --query '[Status,StatusDetails]' --output text; then
      # Right after send-command the invocation may not exist yet.
      if [[ "$AWS_ERR" != *InvocationDoesNotExist* ]]; then
        fail "$what: aws ssm get-command-invocation --command-id $id failed: ${AWS_ERR:-no message from the AWS CLI}"
      fi
      status=""
    else
      read -r status details _ <<<"$AWS_OUT" || true
    fi
    case "$status" in
      Success) break ;;
      "" | Pending | InProgress | Delayed | Cancelling) ;;
      *)
        fail "$what: the restart ended $status${details:+ ($details)} (command $id; its output: aws ssm get-command-invocation --region $REGION --command-id $id --instance-id $node). The nodes after it were not restarted, nor the tasks; fix the node, then run $SCRIPT_NAME again with the same password"
        ;;
    esac
    if ((SECONDS - start >= TIMEOUT)); then
      fail "$what: the restart did not end within ${TIMEOUT}s (last status: ${status:-not delivered yet}; command $id). The nodes after it were not restarted, nor the tasks"
    fi
  done
  DONE+=("restarted $what")
  info "$what restarted (command $id)"
}

if ((N > 0)); then
  step nodes "restart the $N nodes one at a time"
  for ((i = 0; i < N; i++)); do
    restart_node "$i"
  done
fi

# --- tasks ------------------------------------------------------------------
step tasks "restart the tasks of service $SERVICE (cluster $CLUSTER)"
if ! aws_call ecs update-service --cluster "$CLUSTER" --service "$SERVICE" --force-new-deployment --query service.serviceName --output text; then
  fail "aws ecs update-service --cluster $CLUSTER --service $SERVICE --force-new-deployment failed: ${AWS_ERR:-no message from the AWS CLI}"
fi
DONE+=("forced a new deployment of service $SERVICE")
if [[ "$WAIT" == true ]]; then
  info "waiting for service $SERVICE to be stable"
  if ! aws_call ecs wait services-stable --cluster "$CLUSTER" --services "$SERVICE"; then
    fail "service $SERVICE did not become stable (aws ecs wait services-stable: ${AWS_ERR:-gave up}); see: aws ecs describe-services --region $REGION --cluster $CLUSTER --services $SERVICE"
  fi
fi

# --- summary (stdout) -------------------------------------------------------
printf 'Rotated the database password of stack %s (%s):\n' "$STACK" "$REGION"
k=1
if ((N == 0)); then
  printf '  %d. managed cloud service: the new password was set there by the operator (--cloud-password-changed)\n' "$k"
  k=$((k + 1))
fi
printf '  %d. secret %s: new value written (version %s)\n' "$k" "$SECRET_ARN" "$SECRET_VERSION"
for ((i = 0; i < N; i++)); do
  k=$((k + 1))
  printf '  %d. node %s restarted (%d of %d)\n' "$k" "${NODES[i]}" $((i + 1)) "$N"
done
k=$((k + 1))
if [[ "$WAIT" == true ]]; then
  printf '  %d. service %s (cluster %s): new deployment forced; stable again\n' "$k" "$SERVICE" "$CLUSTER"
else
  printf '  %d. service %s (cluster %s): new deployment forced (not waited for: --no-wait)\n' "$k" "$SERVICE" "$CLUSTER"
fi
printf 'Update the stack'\''s own copy of the password too (environments/%s/%s.secrets.tfvars or TF_VAR_<its password variable>).\n' "$STACK_SYSTEM" "$STACK_ENV"
