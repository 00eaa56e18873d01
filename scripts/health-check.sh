#!/usr/bin/env bash
# Health check for an OpenLIT host: UI, OTLP/HTTP ingest, OTLP/gRPC port.
set -euo pipefail

# shellcheck source=lib/common.sh source-path=SCRIPTDIR
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)/lib/common.sh"

usage() {
  cat <<USAGE
Usage: $SCRIPT_NAME <environment | host> [options]
       $SCRIPT_NAME --env ENVIRONMENT [options]
       $SCRIPT_NAME --host HOST [options]

Checks, retried with exponential backoff until all pass or the timeout ends:
  ui         GET  http://HOST:UI_PORT/            answers with HTTP 2xx/3xx
  otlp-http  POST http://HOST:OTLP_HTTP_PORT/v1/traces with a one-span JSON
             OTLP trace (service.name "ops-health-check"); expects HTTP 2xx
  otlp-grpc  TCP connection to HOST:OTLP_GRPC_PORT is accepted

A positional argument naming an environment (environments/<name>.tfvars
exists) reads the stack output public_ip with
  terraform -chdir=cdktf.out/stacks/\$STACK_PREFIX-<name> output -raw public_ip
Anything else containing a dot or colon (or "localhost") is a host; use --host
for other names.

Options:
  --env ENVIRONMENT        read the host from that environment's stack outputs
  --host HOST              check HOST (IP or DNS name) directly
  --ui-port PORT           OpenLIT UI port            (HEALTH_UI_PORT, default 3000)
  --ui-path PATH           path requested on the UI   (HEALTH_UI_PATH, default /)
  --otlp-http-port PORT    OTLP/HTTP port             (HEALTH_OTLP_HTTP_PORT, default 4318)
  --otlp-grpc-port PORT    OTLP/gRPC port             (HEALTH_OTLP_GRPC_PORT, default 4317)
  --timeout SECONDS        give up after this long; 0 = one attempt
                                                     (HEALTH_TIMEOUT, default 300)
  --interval SECONDS       first retry delay, doubled each retry (HEALTH_INTERVAL, default 5)
  --max-interval SECONDS   cap on the retry delay     (HEALTH_MAX_INTERVAL, default 30)
  --request-timeout SECONDS  per-request timeout      (HEALTH_REQUEST_TIMEOUT, default 5)
  --json                   print one JSON object on stdout instead of text
  -h, --help               show this help

Environment: STACK_PREFIX (default openlit). Proxies and ~/.curlrc are ignored.
Progress goes to stderr; results (one line per check and a summary, or JSON)
go to stdout. Exit status: 0 all checks pass, 1 a check failed, 2 bad usage.
USAGE
}

TARGET_ENV=""
HOST=""
POSITIONAL=""
UI_PORT="${HEALTH_UI_PORT:-3000}"
UI_PATH="${HEALTH_UI_PATH:-/}"
OTLP_HTTP_PORT="${HEALTH_OTLP_HTTP_PORT:-4318}"
OTLP_GRPC_PORT="${HEALTH_OTLP_GRPC_PORT:-4317}"
TIMEOUT="${HEALTH_TIMEOUT:-300}"
INTERVAL="${HEALTH_INTERVAL:-5}"
MAX_INTERVAL="${HEALTH_MAX_INTERVAL:-30}"
REQUEST_TIMEOUT="${HEALTH_REQUEST_TIMEOUT:-5}"
JSON=false

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
    --env) need_value "$@"; TARGET_ENV=$2; shift 2 ;;
    --host) need_value "$@"; HOST=$2; shift 2 ;;
    --ui-port) need_value "$@"; UI_PORT=$2; shift 2 ;;
    --ui-path) need_value "$@"; UI_PATH=$2; shift 2 ;;
    --otlp-http-port) need_value "$@"; OTLP_HTTP_PORT=$2; shift 2 ;;
    --otlp-grpc-port) need_value "$@"; OTLP_GRPC_PORT=$2; shift 2 ;;
    --timeout) need_value "$@"; TIMEOUT=$2; shift 2 ;;
    --interval) need_value "$@"; INTERVAL=$2; shift 2 ;;
    --max-interval) need_value "$@"; MAX_INTERVAL=$2; shift 2 ;;
    --request-timeout) need_value "$@"; REQUEST_TIMEOUT=$2; shift 2 ;;
    --json) JSON=true; shift ;;
    --) shift; break ;;
    -*) usage_error "unknown option: $1" ;;
    *)
      [[ -z "$POSITIONAL" ]] || usage_error "unexpected argument: $1"
      POSITIONAL=$1
      shift
      ;;
  esac
done
if [[ $# -gt 0 ]]; then
  [[ -z "$POSITIONAL" && $# -eq 1 ]] || usage_error "unexpected argument: ${*}"
  POSITIONAL=$1
fi

# --- validate ---------------------------------------------------------------
for pair in "--ui-port:$UI_PORT" "--otlp-http-port:$OTLP_HTTP_PORT" "--otlp-grpc-port:$OTLP_GRPC_PORT"; do
  is_port "${pair#*:}" || usage_error "${pair%%:*} must be a port number (1-65535), got '${pair#*:}'"
done
is_uint "$TIMEOUT" || usage_error "--timeout must be whole seconds, got '$TIMEOUT'"
for pair in "--interval:$INTERVAL" "--max-interval:$MAX_INTERVAL" "--request-timeout:$REQUEST_TIMEOUT"; do
  is_seconds "${pair#*:}" || usage_error "${pair%%:*} must be seconds (e.g. 5 or 0.5), got '${pair#*:}'"
done
[[ "$UI_PATH" == /* ]] || usage_error "--ui-path must start with /"

# --- resolve the target -----------------------------------------------------
if [[ -n "$POSITIONAL" ]]; then
  [[ -z "$TARGET_ENV" && -z "$HOST" ]] || usage_error "give either a positional argument or --env/--host, not both"
  if [[ -f "$(tfvars_file "$POSITIONAL")" ]]; then
    TARGET_ENV=$POSITIONAL
  elif [[ "$POSITIONAL" == *.* || "$POSITIONAL" == *:* || "$POSITIONAL" == localhost ]]; then
    HOST=$POSITIONAL
  else
    usage_error "'$POSITIONAL' is neither an environment (available: $(available_environments)) nor a host name with a dot; use --host $POSITIONAL to check it as a host"
  fi
fi
[[ -n "$TARGET_ENV" || -n "$HOST" ]] || usage_error "missing <environment | host>"
[[ -z "$TARGET_ENV" || -z "$HOST" ]] || usage_error "give --env or --host, not both"

if [[ -n "$TARGET_ENV" ]]; then
  require_environment "$TARGET_ENV"
  require_synthesized "$TARGET_ENV"
  require_cmd terraform
  if ! HOST=$(tf "$TARGET_ENV" output -raw public_ip) || [[ -z "$HOST" ]]; then
    die "could not read output public_ip of stack $(stack_name "$TARGET_ENV"); is environment '$TARGET_ENV' deployed? (scripts/deploy.sh $TARGET_ENV)"
  fi
fi
HOST=${HOST#[}
HOST=${HOST%]}
[[ "$HOST" =~ ^[A-Za-z0-9._:-]+$ ]] || usage_error "invalid host '$HOST'"
require_cmd curl

URL_HOST=$HOST
[[ "$HOST" != *:* ]] || URL_HOST="[$HOST]"
UI_URL="http://$URL_HOST:$UI_PORT$UI_PATH"
OTLP_URL="http://$URL_HOST:$OTLP_HTTP_PORT/v1/traces"
GRPC_TARGET="$URL_HOST:$OTLP_GRPC_PORT"

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

rand_hex() {
  local n=$1 out=""
  while ((${#out} < n)); do out="$out$(printf '%04x' "$RANDOM")"; done
  printf '1%s' "${out:1:n-1}" # leading 1: never the invalid all-zero id
}

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
    52) printf 'empty reply from server' ;;
    56) printf 'connection reset' ;;
    *) printf 'curl exit %s' "$1" ;;
  esac
}

# Common curl options: -q ignores ~/.curlrc, --noproxy talks to the host directly.
CURL_OPTS=(-q -s --noproxy '*' --connect-timeout "$REQUEST_TIMEOUT" --max-time "$REQUEST_TIMEOUT")

CHECK_NAMES=(ui otlp-http otlp-grpc)
CHECK_TARGETS=("$UI_URL" "$OTLP_URL" "$GRPC_TARGET (tcp)")
CHECK_OK=(false false false)
CHECK_DETAIL=("not run" "not run" "not run")
DETAIL=""

check_ui() {
  local code rc=0
  code=$(curl "${CURL_OPTS[@]}" -o /dev/null -w '%{http_code}' "$UI_URL") || rc=$?
  if ((rc != 0)); then
    DETAIL=$(curl_reason "$rc")
    return 1
  fi
  DETAIL="HTTP $code"
  [[ "$code" =~ ^[23][0-9][0-9]$ ]]
}

check_otlp_http() {
  local out code body rc=0 now payload
  now=$(date +%s)
  payload='{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"ops-health-check"}}]},"scopeSpans":[{"scope":{"name":"scripts/health-check.sh"},"spans":[{"traceId":"'$(rand_hex 32)'","spanId":"'$(rand_hex 16)'","name":"health-check","kind":1,"startTimeUnixNano":"'$now'000000000","endTimeUnixNano":"'$now'001000000"}]}]}]}'
  out=$(curl "${CURL_OPTS[@]}" -X POST -H 'Content-Type: application/json' \
    --data-binary "$payload" -w '\n%{http_code}' "$OTLP_URL") || rc=$?
  if ((rc != 0)); then
    DETAIL=$(curl_reason "$rc")
    return 1
  fi
  code=${out##*$'\n'}
  body=${out%"$code"}
  DETAIL="HTTP $code"
  [[ "$code" =~ ^2[0-9][0-9]$ ]] || return 1
  if [[ "$body" =~ \"rejectedSpans\"[[:space:]]*:[[:space:]]*\"?[1-9] ]]; then
    DETAIL="HTTP $code but the collector rejected the test span"
    return 1
  fi
  DETAIL="HTTP $code, test trace accepted"
}

# TCP accept check with curl alone: any protocol outcome after the TCP
# handshake (gRPC servers close an HTTP/1.1 request) counts; time_connect
# stays 0 when the connection was never established.
check_otlp_grpc() {
  local t rc=0
  t=$(curl "${CURL_OPTS[@]}" -o /dev/null -w '%{time_connect}' "http://$GRPC_TARGET/") || rc=$?
  if [[ -n "$t" && ! "$t" =~ ^[0.]*$ ]]; then
    DETAIL="TCP connection accepted"
    return 0
  fi
  DETAIL=$(curl_reason "$rc")
  return 1
}

run_checks() {
  local i fn all=0
  for i in 0 1 2; do
    case "${CHECK_NAMES[$i]}" in
      ui) fn=check_ui ;;
      otlp-http) fn=check_otlp_http ;;
      otlp-grpc) fn=check_otlp_grpc ;;
    esac
    DETAIL=""
    if "$fn"; then
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
start_ms=$(now_ms)
deadline_ms=$((start_ms + TIMEOUT * 1000))
delay_ms=$(to_ms "$INTERVAL")
max_ms=$(to_ms "$MAX_INTERVAL")
((delay_ms > 0)) || delay_ms=100
attempts=0
healthy=false
info "checking $HOST (ui :$UI_PORT, otlp-http :$OTLP_HTTP_PORT, otlp-grpc :$OTLP_GRPC_PORT; timeout ${TIMEOUT}s)"
while :; do
  attempts=$((attempts + 1))
  if run_checks; then
    healthy=true
    break
  fi
  remaining_ms=$((deadline_ms - $(now_ms)))
  if ((remaining_ms <= 0)); then
    break
  fi
  sleep_ms=$delay_ms
  ((sleep_ms <= remaining_ms)) || sleep_ms=$remaining_ms
  failing=()
  for i in 0 1 2; do
    [[ "${CHECK_OK[$i]}" == true ]] || failing+=("${CHECK_NAMES[$i]}: ${CHECK_DETAIL[$i]}")
  done
  info "attempt $attempts: not healthy yet ($(join_by "; " "${failing[@]}")); retrying in $(ms_to_s "$sleep_ms")s"
  sleep "$(ms_to_s "$sleep_ms")"
  delay_ms=$((delay_ms * 2))
  ((delay_ms <= max_ms)) || delay_ms=$max_ms
done
elapsed=$((($(now_ms) - start_ms) / 1000))

# --- report -----------------------------------------------------------------
passed=0
failed_names=()
for i in 0 1 2; do
  if [[ "${CHECK_OK[$i]}" == true ]]; then
    passed=$((passed + 1))
  else
    failed_names+=("${CHECK_NAMES[$i]}")
  fi
done

if [[ "$JSON" == true ]]; then
  checks_json=""
  for i in 0 1 2; do
    [[ -z "$checks_json" ]] || checks_json="$checks_json,"
    checks_json="$checks_json{\"name\":\"${CHECK_NAMES[$i]}\",\"target\":\"$(json_escape "${CHECK_TARGETS[$i]}")\",\"ok\":${CHECK_OK[$i]},\"detail\":\"$(json_escape "${CHECK_DETAIL[$i]}")\"}"
  done
  env_json=null
  [[ -z "$TARGET_ENV" ]] || env_json="\"$TARGET_ENV\""
  printf '{"host":"%s","environment":%s,"healthy":%s,"passed":%d,"total":3,"attempts":%d,"elapsed_seconds":%d,"timeout_seconds":%d,"checks":[%s]}\n' \
    "$(json_escape "$HOST")" "$env_json" "$healthy" "$passed" "$attempts" "$elapsed" "$TIMEOUT" "$checks_json"
else
  for i in 0 1 2; do
    if [[ "${CHECK_OK[$i]}" == true ]]; then status=PASS; else status=FAIL; fi
    printf '%-4s  %-9s  %-40s  %s\n' "$status" "${CHECK_NAMES[$i]}" "${CHECK_TARGETS[$i]}" "${CHECK_DETAIL[$i]}"
  done
  if [[ "$healthy" == true ]]; then
    printf 'healthy: %d/3 checks passed for %s (%d attempt(s), %ds)\n' "$passed" "$HOST" "$attempts" "$elapsed"
  else
    printf 'unhealthy: %d/3 checks passed for %s after %d attempt(s) in %ds (timeout %ss); failing: %s\n' \
      "$passed" "$HOST" "$attempts" "$elapsed" "$TIMEOUT" "$(join_by ", " "${failed_names[@]}")"
  fi
fi
[[ "$healthy" == true ]]
