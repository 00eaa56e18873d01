#!/usr/bin/env bash
# Health check of a deployed stack: HTTP, TCP and SSM Run Command checks given as data (JSON).
set -euo pipefail

# shellcheck source=lib/common.sh source-path=SCRIPTDIR
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)/lib/common.sh"

usage() {
  cat <<USAGE
Usage: $SCRIPT_NAME <stack> [options]
       $SCRIPT_NAME --host HOST --checks JSON [options]

Runs a list of checks against one host, retried with exponential backoff until
all pass or the timeout ends.

With <stack> (<system>-<env>, or a bare <env> of exactly one system), host and
checks come from the stack's output health_checks:
  terraform -chdir=cdktf.out/stacks/<stack> output -json health_checks
which is {"host": "<ip, dns name or instance id>", "checks": [CHECK, ...]}.
--host and --checks, when given too, replace the output's host / checks.

A check (JSON object):
  {"name": "ui", "protocol": "http", "port": 3000, "path": "/"}
  {"name": "ingest", "protocol": "http", "port": 4318, "path": "/v1/traces",
   "method": "POST", "content_type": "application/json", "body": "{...}"}
  {"name": "grpc", "protocol": "tcp", "port": 4317}
  {"name": "db", "protocol": "ssm", "command": "pg_isready -h 127.0.0.1 -U app"}
  name          required; letters, digits, '.', '_', '-'; unique
  protocol      required; "http" (or "https", the same over TLS with the
                certificate verified): passes on HTTP 2xx or 3xx (redirects are
                not followed); "tcp": passes when the connection is accepted;
                "ssm": runs command on the instance, passes when it exits 0
  port          http/tcp: required; 1-65535 (a number, or a string of digits)
  path          http only; default "/"; must start with "/"
  method        http only; default GET
  content_type  http only; Content-Type header of the body
  body          http only; sent as is (a non-string value is sent as its JSON)
  command       ssm only, required; a shell command, run by sh as root
  region        ssm only; the instance's region; default --region
Other keys are ignored; port and the http keys are errors in an ssm check,
command and region in the others.

ssm checks run on the instance through SSM Run Command (AWS-RunShellScript),
so no port needs to be open to this machine: the host is then an EC2 instance
id (i-0123456789abcdef0) of an instance managed by SSM, and every check of the
run must be an ssm check. Each attempt sends the command, then polls its result
every HEALTH_SSM_POLL_INTERVAL seconds (default 1) until it ends or
--ssm-timeout passes. The check's detail is the command's status and output
(on failure its error output, if any).

Options:
  --host HOST              check HOST (IP or DNS name; instance id for ssm)
  --checks JSON            the checks, a JSON list as above (HEALTH_CHECKS)
  --stack STACK            same as the positional <stack>
  --timeout SECONDS        give up after this long; 0 = one attempt
                                                     (HEALTH_TIMEOUT, default 300)
  --interval SECONDS       first retry delay, doubled each retry (HEALTH_INTERVAL, default 5)
  --max-interval SECONDS   cap on the retry delay     (HEALTH_MAX_INTERVAL, default 30)
  --request-timeout SECONDS  per-request timeout      (HEALTH_REQUEST_TIMEOUT, default 5)
  --ssm-timeout SECONDS    how long an ssm check waits for its command's result
                                                (HEALTH_SSM_TIMEOUT, default 60)
  --region REGION          region of the ssm checks without "region"
                           (AWS_REGION; default: the AWS CLI's configuration)
  --json                   print one JSON object on stdout instead of text
  -h, --help               show this help

Needs node (to read the JSON); curl for http and tcp checks (proxies and
~/.curlrc are ignored); for ssm checks the AWS CLI v2 (aws) with credentials
allowed ssm:SendCommand and ssm:GetCommandInvocation.
Progress goes to stderr, including each retry's delay ("retrying in 0.100s");
results (one line per check and a summary, or JSON) go to stdout.
Exit status: 0 all checks pass, 1 a check failed (or the stack's outputs could
not be read), 2 bad usage or invalid checks.
USAGE
}

HOST=""
CHECKS_JSON="${HEALTH_CHECKS:-}"
CHECKS_SOURCE="HEALTH_CHECKS"
STACK_ARG=""
TIMEOUT="${HEALTH_TIMEOUT:-300}"
INTERVAL="${HEALTH_INTERVAL:-5}"
MAX_INTERVAL="${HEALTH_MAX_INTERVAL:-30}"
REQUEST_TIMEOUT="${HEALTH_REQUEST_TIMEOUT:-5}"
SSM_TIMEOUT="${HEALTH_SSM_TIMEOUT:-60}"
SSM_POLL_INTERVAL="${HEALTH_SSM_POLL_INTERVAL:-1}"
REGION="${AWS_REGION:-}"
JSON=false

set_stack_arg() {
  [[ -z "$STACK_ARG" ]] || usage_error "unexpected argument: $1 (one stack per run)"
  STACK_ARG=$1
}

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
    --host) need_value "$@"; HOST=$2; shift 2 ;;
    --checks) need_value "$@"; CHECKS_JSON=$2; CHECKS_SOURCE="--checks"; shift 2 ;;
    --stack) need_value "$@"; set_stack_arg "$2"; shift 2 ;;
    --timeout) need_value "$@"; TIMEOUT=$2; shift 2 ;;
    --interval) need_value "$@"; INTERVAL=$2; shift 2 ;;
    --max-interval) need_value "$@"; MAX_INTERVAL=$2; shift 2 ;;
    --request-timeout) need_value "$@"; REQUEST_TIMEOUT=$2; shift 2 ;;
    --ssm-timeout) need_value "$@"; SSM_TIMEOUT=$2; shift 2 ;;
    --region) need_value "$@"; REGION=$2; shift 2 ;;
    --json) JSON=true; shift ;;
    --) shift; break ;;
    -*) usage_error "unknown option: $1" ;;
    *) set_stack_arg "$1"; shift ;;
  esac
done
for arg in "$@"; do set_stack_arg "$arg"; done

# --- validate ---------------------------------------------------------------
is_uint "$TIMEOUT" || usage_error "--timeout must be whole seconds, got '$TIMEOUT'"
for pair in "--interval:$INTERVAL" "--max-interval:$MAX_INTERVAL" "--request-timeout:$REQUEST_TIMEOUT"; do
  is_seconds "${pair#*:}" || usage_error "${pair%%:*} must be seconds (e.g. 5 or 0.5), got '${pair#*:}'"
done
# 172800 s: the longest executionTimeout of AWS-RunShellScript.
if ! is_uint "$SSM_TIMEOUT" || ((${#SSM_TIMEOUT} > 6 || 10#$SSM_TIMEOUT < 1 || 10#$SSM_TIMEOUT > 172800)); then
  usage_error "--ssm-timeout must be whole seconds from 1 to 172800, got '$SSM_TIMEOUT'"
fi
SSM_TIMEOUT=$((10#$SSM_TIMEOUT))
if ! is_seconds "$SSM_POLL_INTERVAL" || [[ "$SSM_POLL_INTERVAL" =~ ^0*(\.0*)?$ ]]; then
  usage_error "HEALTH_SSM_POLL_INTERVAL must be seconds > 0 (e.g. 1 or 0.5), got '$SSM_POLL_INTERVAL'"
fi
if [[ -z "$STACK_ARG" ]]; then
  [[ -n "$HOST" ]] || usage_error "missing <stack> or --host HOST. Available stacks: $(available_stacks)"
  [[ -n "$CHECKS_JSON" ]] || usage_error "no checks: pass --checks JSON (or set HEALTH_CHECKS), or give a stack name to read host and checks from its output health_checks"
fi
require_cmd node "Node.js >= 20 reads the checks"

# parse_checks SOURCE MODE JSON: validates JSON and fills the global CHECK_*
# arrays (MODE "checks": a list of checks; "output": {"host", "checks"}, which
# also sets OUTPUT_HOST; "host": only OUTPUT_HOST of such an object). Exits 2
# naming the problem when JSON is invalid. For an ssm check, node also writes
# the --parameters JSON of send-command, so the command reaches AWS exactly as
# given (quotes and all) without passing through a shell here.
# shellcheck disable=SC2016 # JavaScript template literals, not shell expansions
PARSE_JS='
const [script, source, mode, text, ssmTimeout] = process.argv.slice(1);
const fail = (msg) => {
  process.stderr.write(`${script}: error: invalid health checks (${source}): ${msg}\nRun '"'"'${script} --help'"'"' for usage.\n`);
  process.exit(2);
};
let data;
try { data = JSON.parse(text); } catch (e) { fail(`not JSON: ${e.message}`); }
const out = [];
let checks = data;
if (mode === "output" || mode === "host") {
  if (data === null || typeof data !== "object" || Array.isArray(data)) fail("expected an object {\"host\": ..., \"checks\": [...]}");
  if (data.host !== undefined && data.host !== null && typeof data.host !== "string") fail("\"host\" must be a string");
  out.push(data.host ?? "");
  checks = data.checks;
  if (mode === "host") { process.stdout.write(`${out[0]}\u0000OK\u0000`); process.exit(0); }
}
if (!Array.isArray(checks)) fail("expected a JSON list of checks, e.g. [{\"name\":\"ui\",\"protocol\":\"http\",\"port\":3000}]");
if (checks.length === 0) fail("the list of checks is empty");
const seen = new Set();
const bad = (s) => /[\u0000-\u001f\u007f]/.test(s);
const PROTOCOLS = ["http", "https", "tcp", "ssm"];
const given = (c, key) => c[key] !== undefined && c[key] !== null;
checks.forEach((c, i) => {
  let where = `check ${i + 1}`;
  if (c === null || typeof c !== "object" || Array.isArray(c)) fail(`${where}: expected an object, got ${JSON.stringify(c)}`);
  if (typeof c.name !== "string" || c.name === "") fail(`${where}: missing "name"`);
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(c.name)) fail(`${where}: invalid name ${JSON.stringify(c.name)} (letters, digits, ".", "_", "-")`);
  where = `check ${i + 1} (${c.name})`;
  if (seen.has(c.name)) fail(`${where}: duplicate name`);
  seen.add(c.name);
  if (c.protocol === undefined) fail(`${where}: missing "protocol" (http, https, tcp or ssm)`);
  if (!PROTOCOLS.includes(c.protocol)) fail(`${where}: unknown protocol ${JSON.stringify(c.protocol)} (http, https, tcp or ssm)`);
  if (c.protocol === "ssm") {
    for (const key of ["port", "path", "method", "content_type", "body"]) if (given(c, key)) fail(`${where}: ssm checks take command, not ${key}`);
    if (!given(c, "command")) fail(`${where}: missing "command" (the shell command to run on the instance)`);
    if (typeof c.command !== "string" || c.command.trim() === "" || c.command.includes("\u0000")) fail(`${where}: bad command ${JSON.stringify(c.command)} (a non-empty string)`);
    const region = given(c, "region") ? c.region : "";
    if (typeof region !== "string" || (region !== "" && !/^[a-z]{2}(-[a-z]+)+-[0-9]+$/.test(region))) fail(`${where}: bad region ${JSON.stringify(c.region)} (e.g. "eu-central-1")`);
    const params = JSON.stringify({ commands: [c.command], executionTimeout: [ssmTimeout] });
    out.push(c.name, c.protocol, "", "", "", "", "0", "", params, region);
    return;
  }
  for (const key of ["command", "region"]) if (given(c, key)) fail(`${where}: "${key}" is for ssm checks only (a ${c.protocol} check connects to host and port)`);
  const port = typeof c.port === "string" && /^[0-9]+$/.test(c.port) ? Number(c.port) : c.port;
  if (c.port === undefined) fail(`${where}: missing "port"`);
  if (!Number.isInteger(port) || port < 1 || port > 65535) fail(`${where}: bad port ${JSON.stringify(c.port)} (1-65535)`);
  let path = "/", method = "GET", contentType = "", hasBody = "0", body = "";
  if (c.protocol === "http" || c.protocol === "https") {
    if (c.path !== undefined) path = c.path;
    if (typeof path !== "string" || !path.startsWith("/") || /[\s\u0000-\u001f\u007f]/.test(path)) fail(`${where}: bad path ${JSON.stringify(c.path)} (must start with "/", no spaces)`);
    if (c.method !== undefined) method = c.method;
    if (typeof method !== "string" || !/^[A-Za-z]+$/.test(method)) fail(`${where}: bad method ${JSON.stringify(c.method)}`);
    method = method.toUpperCase();
    if (c.content_type !== undefined) contentType = c.content_type;
    if (typeof contentType !== "string" || bad(contentType)) fail(`${where}: bad content_type ${JSON.stringify(c.content_type)}`);
    if (c.body !== undefined && c.body !== null) {
      hasBody = "1";
      body = typeof c.body === "string" ? c.body : JSON.stringify(c.body);
      if (body.includes("\u0000")) fail(`${where}: the body contains a NUL character`);
    }
  }
  out.push(c.name, c.protocol, String(port), path, method, contentType, hasBody, body, "", "");
});
const ssm = checks.filter((c) => c.protocol === "ssm").length;
if (ssm > 0 && ssm < checks.length) fail("ssm checks cannot be mixed with http, https or tcp checks: an ssm check runs on the instance whose id is the host, the others connect to the host as an address; check them in separate runs");
out.push("OK");
process.stdout.write(out.map((f) => f + "\u0000").join(""));
'
CHECK_NAMES=()
CHECK_PROTOCOLS=()
CHECK_PORTS=()
CHECK_PATHS=()
CHECK_METHODS=()
CHECK_CONTENT_TYPES=()
CHECK_HAS_BODY=()
CHECK_BODIES=()
CHECK_SSM_PARAMS=()
CHECK_REGIONS=()
OUTPUT_HOST=""
parse_checks() {
  local source=$1 mode=$2 text=$3 fields=() f i n
  while IFS= read -r -d '' f; do fields+=("$f"); done < <(node -e "$PARSE_JS" "$SCRIPT_NAME" "$source" "$mode" "$text" "$SSM_TIMEOUT")
  n=${#fields[@]}
  # node prints a final "OK" only on success (its exit status is lost in < <(...)).
  if ((n == 0)) || [[ "${fields[n - 1]}" != OK ]]; then
    exit 2
  fi
  i=0
  if [[ "$mode" != checks ]]; then
    OUTPUT_HOST=${fields[0]}
    i=1
  fi
  [[ "$mode" != host ]] || return 0
  CHECK_NAMES=() CHECK_PROTOCOLS=() CHECK_PORTS=() CHECK_PATHS=() CHECK_METHODS=()
  CHECK_CONTENT_TYPES=() CHECK_HAS_BODY=() CHECK_BODIES=() CHECK_SSM_PARAMS=() CHECK_REGIONS=()
  while ((i + 10 < n)); do
    CHECK_NAMES+=("${fields[i]}")
    CHECK_PROTOCOLS+=("${fields[i + 1]}")
    CHECK_PORTS+=("${fields[i + 2]}")
    CHECK_PATHS+=("${fields[i + 3]}")
    CHECK_METHODS+=("${fields[i + 4]}")
    CHECK_CONTENT_TYPES+=("${fields[i + 5]}")
    CHECK_HAS_BODY+=("${fields[i + 6]}")
    CHECK_BODIES+=("${fields[i + 7]}")
    CHECK_SSM_PARAMS+=("${fields[i + 8]}")
    CHECK_REGIONS+=("${fields[i + 9]}")
    i=$((i + 10))
  done
}

# --- resolve host and checks ------------------------------------------------
if [[ -n "$CHECKS_JSON" ]]; then
  parse_checks "$CHECKS_SOURCE" checks "$CHECKS_JSON"
fi
if [[ -n "$STACK_ARG" ]]; then
  if [[ "$STACK_ARG" == *[.:]* || "$STACK_ARG" == localhost ]]; then
    usage_error "'$STACK_ARG' looks like a host, not a stack; use --host $STACK_ARG --checks JSON"
  fi
  resolve_stack "$STACK_ARG"
  if [[ -z "$HOST" || -z "$CHECKS_JSON" ]]; then
    if [[ ! -f "$STACK_DIR/cdk.tf.json" ]]; then
      die "stack $STACK is not synthesized ($STACK_DIR/cdk.tf.json is missing), so its outputs cannot be read; run: npm run synth (and scripts/deploy.sh $STACK if it is not deployed), or pass --host HOST --checks JSON"
    fi
    require_cmd terraform
    output_json=""
    if ! output_json=$(tf output -json health_checks) || [[ -z "$output_json" ]]; then
      if stack_has_output health_checks; then
        die "could not read output health_checks of stack $STACK; is it deployed? (scripts/deploy.sh $STACK)"
      fi
      die "stack $STACK declares no output health_checks ({\"host\": ..., \"checks\": [...]}); add it to the stack, or pass --host HOST --checks JSON"
    fi
    if [[ -n "$CHECKS_JSON" ]]; then
      parse_checks "output health_checks of stack $STACK" host "$output_json" # --checks wins
    else
      parse_checks "output health_checks of stack $STACK" output "$output_json"
    fi
    if [[ -z "$HOST" ]]; then
      HOST=$OUTPUT_HOST
      [[ -n "$HOST" ]] || die "output health_checks of stack $STACK has no host (not deployed yet?); pass --host HOST"
    fi
  fi
fi
HOST=${HOST#[}
HOST=${HOST%]}
[[ "$HOST" =~ ^[A-Za-z0-9._:-]+$ ]] || usage_error "invalid host '$HOST'"
if [[ "${CHECK_PROTOCOLS[0]}" == ssm ]]; then # then all are (parse_checks)
  if [[ ! "$HOST" =~ ^i-([0-9a-f]{8}|[0-9a-f]{17})$ ]]; then
    usage_error "host '$HOST' is not an EC2 instance id (i- and 8 or 17 hex digits, e.g. i-0123456789abcdef0): ssm checks run on the instance with that id"
  fi
  if [[ -n "$REGION" && ! "$REGION" =~ ^[a-z]{2}(-[a-z]+)+-[0-9]+$ ]]; then
    usage_error "--region (or AWS_REGION) must be an AWS region such as eu-central-1, got '$REGION'"
  fi
  require_cmd aws "the AWS CLI v2 runs the ssm checks; install it: https://docs.aws.amazon.com/cli/latest/userguide/getting-started-install.html"
else
  require_cmd curl
fi

URL_HOST=$HOST
[[ "$HOST" != *:* ]] || URL_HOST="[$HOST]"
N=${#CHECK_NAMES[@]}
CHECK_TARGETS=()
CHECK_OK=()
CHECK_DETAIL=()
NAME_WIDTH=4
TARGET_WIDTH=10
for ((i = 0; i < N; i++)); do
  if [[ "${CHECK_PROTOCOLS[i]}" == http || "${CHECK_PROTOCOLS[i]}" == https ]]; then
    CHECK_TARGETS+=("${CHECK_METHODS[i]} ${CHECK_PROTOCOLS[i]}://$URL_HOST:${CHECK_PORTS[i]}${CHECK_PATHS[i]}")
  elif [[ "${CHECK_PROTOCOLS[i]}" == ssm ]]; then
    region=${CHECK_REGIONS[i]:-$REGION}
    CHECK_TARGETS+=("$HOST (ssm${region:+, $region})")
  else
    CHECK_TARGETS+=("$URL_HOST:${CHECK_PORTS[i]} (tcp)")
  fi
  CHECK_OK+=(false)
  CHECK_DETAIL+=("not run")
  ((${#CHECK_NAMES[i]} <= NAME_WIDTH)) || NAME_WIDTH=${#CHECK_NAMES[i]}
  ((${#CHECK_TARGETS[i]} <= TARGET_WIDTH)) || TARGET_WIDTH=${#CHECK_TARGETS[i]}
done

# --- helpers ----------------------------------------------------------------
to_ms() {
  local s=$1 int frac=000
  int=${s%%.*}
  if [[ "$s" == *.* ]]; then
    frac="${s#*.}000"
    frac=${frac:0:3}
  fi
  printf '%d' $((10#$int * 1000 + 10#$frac))
}
# now_ms: wall-clock milliseconds; bash 5 has EPOCHREALTIME,
# bash 3.2/4 fall back to whole seconds.
now_ms() {
  if [[ -n "${EPOCHREALTIME:-}" ]]; then
    local us=${EPOCHREALTIME//[!0-9]/}
    printf '%s' $((10#$us / 1000))
  else
    printf '%s' $((SECONDS * 1000))
  fi
}
ms_to_s() { printf '%d.%03d' $(($1 / 1000)) $(($1 % 1000)); }

json_escape() {
  local s=$1
  s=${s//\\/\\\\}
  s=${s//\"/\\\"}
  s=${s//$'\n'/ }
  s=${s//$'\r'/ }
  s=${s//$'\t'/ }
  printf '%s' "$s"
}

curl_reason() {
  case "$1" in
    6) printf 'cannot resolve host' ;;
    7) printf 'connection refused or host unreachable' ;;
    28) printf 'timed out after %ss' "$REQUEST_TIMEOUT" ;;
    35) printf 'TLS handshake failed' ;;
    60) printf 'TLS certificate not trusted for this host' ;;
    52) printf 'empty reply from server' ;;
    56) printf 'connection reset' ;;
    *) printf 'curl exit %s' "$1" ;;
  esac
}

# Common curl options: -q ignores ~/.curlrc, --noproxy talks to the host directly.
CURL_OPTS=(-q -s --noproxy '*' --connect-timeout "$REQUEST_TIMEOUT" --max-time "$REQUEST_TIMEOUT")
DETAIL=""

# check_http I: request check I; passes on HTTP 2xx or 3xx (not followed).
check_http() {
  local i=$1 code rc=0 args=()
  if [[ "${CHECK_METHODS[i]}" == HEAD ]]; then
    args+=(--head)
  else
    args+=(-X "${CHECK_METHODS[i]}")
  fi
  [[ -z "${CHECK_CONTENT_TYPES[i]}" ]] || args+=(-H "Content-Type: ${CHECK_CONTENT_TYPES[i]}")
  # --data-raw: the body is sent as is (a leading @ is not a file name).
  [[ "${CHECK_HAS_BODY[i]}" != 1 ]] || args+=(--data-raw "${CHECK_BODIES[i]}")
  code=$(curl "${CURL_OPTS[@]}" -o /dev/null -w '%{http_code}' "${args[@]}" \
    "${CHECK_PROTOCOLS[i]}://$URL_HOST:${CHECK_PORTS[i]}${CHECK_PATHS[i]}") || rc=$?
  if ((rc != 0)); then
    DETAIL=$(curl_reason "$rc")
    return 1
  fi
  DETAIL="HTTP $code"
  [[ "$code" =~ ^[23][0-9][0-9]$ ]]
}

# check_https I: check_http over TLS (curl verifies the certificate against the host name).
check_https() { check_http "$@"; }

# check_tcp I: TCP accept check with curl alone: any protocol outcome after the
# TCP handshake (e.g. a gRPC server closing an HTTP/1.1 request) counts;
# time_connect stays 0 when the connection was never established.
check_tcp() {
  local i=$1 t rc=0
  t=$(curl "${CURL_OPTS[@]}" -o /dev/null -w '%{time_connect}' "http://$URL_HOST:${CHECK_PORTS[i]}/") || rc=$?
  if [[ -n "$t" && ! "$t" =~ ^[0.]*$ ]]; then
    DETAIL="TCP connection accepted"
    return 0
  fi
  DETAIL=$(curl_reason "$rc")
  return 1
}

# one_line TEXT: TEXT on one line, runs of white space as one space, at most
# 300 characters (an AWS CLI error message as a check's detail).
one_line() {
  local s=${1//[$'\t\r\n']/ }
  while [[ "$s" == *"  "* ]]; do s=${s//  / }; done
  s=${s# }
  s=${s% }
  ((${#s} <= 300)) || s="${s:0:297}..."
  printf '%s' "$s"
}

# The answer of get-command-invocation (JSON, perhaps after a CLI warning) as
# NUL-terminated fields: Status, StatusDetails, ResponseCode, and the command's
# error output and output, each on one line and shortened; then "OK".
# shellcheck disable=SC2016 # JavaScript template literals, not shell expansions
SSM_RESULT_JS='
const text = require("fs").readFileSync(0, "utf8");
let r = {};
for (const t of [text, text.slice(text.indexOf("{"), text.lastIndexOf("}") + 1)]) {
  try { r = JSON.parse(t); break; } catch {}
}
if (r === null || typeof r !== "object") r = {};
const line = (s) => {
  s = String(s ?? "").replace(/\s+/g, " ").trim();
  return s.length > 300 ? `${s.slice(0, 297)}...` : s;
};
const fields = [r.Status, r.StatusDetails, r.ResponseCode ?? -1, r.StandardErrorContent, r.StandardOutputContent, "OK"];
process.stdout.write(fields.map((f) => `${line(f)}\u0000`).join(""));
'
# send-command gives up on a command not started within --timeout-seconds (30 at least).
SSM_SEND_TIMEOUT=$((SSM_TIMEOUT < 30 ? 30 : SSM_TIMEOUT))

# check_ssm I: runs check I's command on instance HOST through SSM Run Command
# (AWS-RunShellScript: sh, as root), then polls the invocation until it ends
# (passes on Success) or --ssm-timeout passes. Like the retry loop, the wait
# ends on the wall clock and once the poll delays slept add up to the timeout,
# so the number of polls is a function of the options when sleep is stubbed.
check_ssm() {
  local i=$1 out rc=0 id region region_args=() comment fields=() f
  local poll_ms limit_ms=$((SSM_TIMEOUT * 1000)) waited_ms=0 wait_ms deadline_ms status=""
  region=${CHECK_REGIONS[i]:-$REGION}
  [[ -z "$region" ]] || region_args=(--region "$region")
  comment="$SCRIPT_NAME: ${CHECK_NAMES[i]}"
  poll_ms=$(to_ms "$SSM_POLL_INTERVAL")
  ((poll_ms > 0)) || poll_ms=1
  deadline_ms=$(($(now_ms) + limit_ms))
  # AWS_PAGER="": the CLI never pipes its answer through a pager.
  out=$(AWS_PAGER="" aws ssm send-command --instance-ids "$HOST" --document-name AWS-RunShellScript \
    --parameters "${CHECK_SSM_PARAMS[i]}" --timeout-seconds "$SSM_SEND_TIMEOUT" --comment "${comment:0:100}" \
    --query Command.CommandId --output text ${region_args[@]+"${region_args[@]}"} 2>&1) || rc=$?
  if ((rc != 0)); then
    DETAIL="send-command failed: $(one_line "$out")"
    return 1
  fi
  if [[ ! "$out" =~ ([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}) ]]; then
    DETAIL="send-command returned no command id: $(one_line "$out")"
    return 1
  fi
  id=${BASH_REMATCH[1]}
  while :; do
    wait_ms=$poll_ms
    ((wait_ms <= limit_ms - waited_ms)) || wait_ms=$((limit_ms - waited_ms))
    if ((wait_ms <= 0 || $(now_ms) >= deadline_ms)); then
      DETAIL="no result within ${SSM_TIMEOUT}s (last status: ${status:-not delivered yet}; command id $id)"
      return 1
    fi
    sleep "$(ms_to_s "$wait_ms")"
    waited_ms=$((waited_ms + wait_ms))
    rc=0
    out=$(AWS_PAGER="" aws ssm get-command-invocation --command-id "$id" --instance-id "$HOST" \
      --output json ${region_args[@]+"${region_args[@]}"} 2>&1) || rc=$?
    if ((rc != 0)); then
      # Right after send-command the invocation may not exist yet.
      [[ "$out" != *InvocationDoesNotExist* ]] || continue
      DETAIL="get-command-invocation failed: $(one_line "$out")"
      return 1
    fi
    # A command still running is told by its "Status" key alone (a quote inside
    # a JSON string is escaped, so only a key reads "Status":); node reads the
    # whole answer once the command has ended.
    if [[ "$out" =~ \"Status\":[[:space:]]*\"(Pending|InProgress|Delayed|Cancelling)\" ]]; then
      status=${BASH_REMATCH[1]}
      continue
    fi
    fields=()
    while IFS= read -r -d '' f; do fields+=("$f"); done < <(printf '%s' "$out" | node -e "$SSM_RESULT_JS")
    if ((${#fields[@]} != 6)) || [[ -z "${fields[0]}" ]]; then
      DETAIL="unreadable answer from get-command-invocation: $(one_line "$out")"
      return 1
    fi
    status=${fields[0]}
    case "$status" in
      Pending | InProgress | Delayed | Cancelling) continue ;;
      Success)
        DETAIL="Success${fields[4]:+: ${fields[4]}}"
        return 0
        ;;
    esac
    # Failed, Cancelled, TimedOut (StatusDetails: Undeliverable, Terminated,
    # DeliveryTimedOut, ExecutionTimedOut, ...); ResponseCode -1: never ran.
    DETAIL=${fields[1]:-$status}
    [[ "${fields[2]}" == -* ]] || DETAIL="$DETAIL (exit ${fields[2]})"
    f=${fields[3]:-${fields[4]}}
    DETAIL="$DETAIL${f:+: $f}"
    return 1
  done
}

run_checks() {
  local i all=0
  for ((i = 0; i < N; i++)); do
    DETAIL=""
    if "check_${CHECK_PROTOCOLS[i]}" "$i"; then
      CHECK_OK[i]=true
    else
      CHECK_OK[i]=false
      all=1
    fi
    CHECK_DETAIL[i]=$DETAIL
  done
  return "$all"
}

# --- retry loop -------------------------------------------------------------
# The retry delays start at --interval and double up to --max-interval. The
# wait ends at the --timeout deadline on the wall clock, and also once the
# delays slept add up to --timeout: with a real sleep that comes later than the
# deadline, so it changes nothing; it makes the schedule of delays a function
# of the options alone when sleep returns at once (the tests stub sleep).
start_ms=$(now_ms)
timeout_ms=$((TIMEOUT * 1000))
deadline_ms=$((start_ms + timeout_ms))
delay_ms=$(to_ms "$INTERVAL")
max_ms=$(to_ms "$MAX_INTERVAL")
((delay_ms > 0)) || delay_ms=100
((max_ms >= delay_ms)) || max_ms=$delay_ms
slept_ms=0
attempts=0
healthy=false
info "checking $HOST: $(join_by ", " "${CHECK_NAMES[@]}") (timeout ${TIMEOUT}s)"
while :; do
  attempts=$((attempts + 1))
  if run_checks; then
    healthy=true
    break
  fi
  remaining_ms=$((deadline_ms - $(now_ms)))
  ((remaining_ms <= timeout_ms - slept_ms)) || remaining_ms=$((timeout_ms - slept_ms))
  if ((remaining_ms <= 0)); then
    break
  fi
  sleep_ms=$delay_ms
  ((sleep_ms <= remaining_ms)) || sleep_ms=$remaining_ms
  failing=()
  for ((i = 0; i < N; i++)); do
    [[ "${CHECK_OK[i]}" == true ]] || failing+=("${CHECK_NAMES[i]}: ${CHECK_DETAIL[i]}")
  done
  info "attempt $attempts: not healthy yet ($(join_by "; " "${failing[@]}")); retrying in $(ms_to_s "$sleep_ms")s"
  sleep "$(ms_to_s "$sleep_ms")"
  slept_ms=$((slept_ms + sleep_ms))
  delay_ms=$((delay_ms * 2))
  ((delay_ms <= max_ms)) || delay_ms=$max_ms
done
elapsed=$((($(now_ms) - start_ms) / 1000))

# --- report -----------------------------------------------------------------
passed=0
failed_names=()
for ((i = 0; i < N; i++)); do
  if [[ "${CHECK_OK[i]}" == true ]]; then
    passed=$((passed + 1))
  else
    failed_names+=("${CHECK_NAMES[i]}")
  fi
done

if [[ "$JSON" == true ]]; then
  checks_json=""
  for ((i = 0; i < N; i++)); do
    [[ -z "$checks_json" ]] || checks_json="$checks_json,"
    checks_json="$checks_json{\"name\":\"${CHECK_NAMES[i]}\",\"protocol\":\"${CHECK_PROTOCOLS[i]}\",\"port\":${CHECK_PORTS[i]:-null},\"target\":\"$(json_escape "${CHECK_TARGETS[i]}")\",\"ok\":${CHECK_OK[i]},\"detail\":\"$(json_escape "${CHECK_DETAIL[i]}")\"}"
  done
  stack_json=null env_json=null
  [[ -z "$STACK" ]] || stack_json="\"$STACK\"" env_json="\"$STACK_ENV\""
  printf '{"host":"%s","stack":%s,"environment":%s,"healthy":%s,"passed":%d,"total":%d,"attempts":%d,"elapsed_seconds":%d,"timeout_seconds":%d,"checks":[%s]}\n' \
    "$(json_escape "$HOST")" "$stack_json" "$env_json" "$healthy" "$passed" "$N" "$attempts" "$elapsed" "$TIMEOUT" "$checks_json"
else
  for ((i = 0; i < N; i++)); do
    if [[ "${CHECK_OK[i]}" == true ]]; then status=PASS; else status=FAIL; fi
    printf '%-4s  %-*s  %-*s  %s\n' "$status" "$NAME_WIDTH" "${CHECK_NAMES[i]}" "$TARGET_WIDTH" "${CHECK_TARGETS[i]}" "${CHECK_DETAIL[i]}"
  done
  if [[ "$healthy" == true ]]; then
    printf 'healthy: %d/%d checks passed for %s (%d attempt(s), %ds)\n' "$passed" "$N" "$HOST" "$attempts" "$elapsed"
  else
    printf 'unhealthy: %d/%d checks passed for %s after %d attempt(s) in %ds (timeout %ss); failing: %s\n' \
      "$passed" "$N" "$HOST" "$attempts" "$elapsed" "$TIMEOUT" "$(join_by ", " "${failed_names[@]}")"
  fi
fi
[[ "$healthy" == true ]]
