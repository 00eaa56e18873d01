#!/usr/bin/env bash
# Makes sure the tools the test suite runs for real are present (npm's pretest hook).
# The linter (shellcheck) comes from Debian and is installed when we can (root with apt-get); Terraform cannot be
# installed from here, so its absence is reported loudly and the tests that need it fail.
set -euo pipefail

usage() {
  cat <<'USAGE'
Usage: scripts/ensure-test-tools.sh [--help]
Checks for shellcheck and terraform (>= 1.11); installs shellcheck with apt-get when run as root.
USAGE
}
case "${1:-}" in -h|--help) usage; exit 0 ;; "") ;; *) usage >&2; exit 2 ;; esac

if ! command -v shellcheck >/dev/null 2>&1; then
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
    echo "ensure-test-tools: installing shellcheck (apt-get)" >&2
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq shellcheck >/dev/null
  else
    echo "ensure-test-tools: shellcheck is missing: install it (sudo apt-get install -y shellcheck); the tests that lint shell will fail" >&2
  fi
fi

if ! command -v terraform >/dev/null 2>&1; then
  echo "ensure-test-tools: terraform is missing: install Terraform >= 1.11; the tests that run the real engine will fail" >&2
fi
exit 0
