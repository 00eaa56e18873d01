#!/usr/bin/env bash
# Makes sure the tools the test suite runs for real are present (npm's pretest hook).
# The linter (shellcheck) comes from Debian and is installed when we can (root with apt-get); Terraform cannot be
# installed from here, so its absence is reported loudly and the tests that need it fail.
set -euo pipefail

usage() {
  cat <<'USAGE'
Usage: scripts/ensure-test-tools.sh [--help]
Checks for shellcheck, caddy and terraform (>= 1.11); installs shellcheck and caddy with apt-get when run as root.
USAGE
}
case "${1:-}" in -h|--help) usage; exit 0 ;; "") ;; *) usage >&2; exit 2 ;; esac

# Tools the tests run for real: shellcheck lints every shell script and rendered boot script, caddy parses the
# rendered proxy config.
missing=()
for tool in shellcheck caddy; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if ((${#missing[@]})); then
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
    echo "ensure-test-tools: installing ${missing[*]} (apt-get)" >&2
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "ensure-test-tools: missing ${missing[*]}: install (sudo apt-get install -y ${missing[*]}); the tests that use them will fail" >&2
  fi
fi

if ! command -v terraform >/dev/null 2>&1; then
  echo "ensure-test-tools: terraform is missing: install Terraform >= 1.11; the tests that run the real engine will fail" >&2
fi
exit 0
