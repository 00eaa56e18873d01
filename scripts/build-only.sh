#!/usr/bin/env bash
# Development build: an image for this machine only, loaded into the local
# Docker image store. Nothing is pushed and AWS is never called.
set -euo pipefail

# shellcheck source=lib/common.sh source-path=SCRIPTDIR
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)/lib/common.sh"

usage() {
  cat <<USAGE
Usage: $SCRIPT_NAME --source DIR (--repository NAME | --stack STACK) [TAG] [options]

Runs
  docker buildx build --platform <native platform> --load
    --file <dockerfile> --tag <repository>:TAG <source>
to check that the image builds (and try it with docker run) before
scripts/build-and-push.sh publishes the multi-arch image. TAG defaults to "dev".

Options:
  --source DIR        build context directory (BUILD_SOURCE_DIR; required)
  --dockerfile PATH   the Dockerfile (BUILD_DOCKERFILE; default <source>/Dockerfile);
                      a relative path is relative to the current directory
  --repository NAME   local image name (ECR_REPOSITORY)
  --stack STACK       use ecr_repository from the stack's tfvars as the name
  --platform P        (default: this machine, linux/arm64 or linux/amd64)
  -h, --help          show this help
USAGE
}

TAG=""
SOURCE_DIR="${BUILD_SOURCE_DIR:-}"
DOCKERFILE="${BUILD_DOCKERFILE:-}"
REPOSITORY=""
STACK_ARG=""
PLATFORM=""

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
    --source) need_value "$@"; SOURCE_DIR=$2; shift 2 ;;
    --dockerfile) need_value "$@"; DOCKERFILE=$2; shift 2 ;;
    --repository) need_value "$@"; REPOSITORY=$2; shift 2 ;;
    --stack) need_value "$@"; STACK_ARG=$2; shift 2 ;;
    --platform) need_value "$@"; PLATFORM=$2; shift 2 ;;
    -*) usage_error "unknown option: $1" ;;
    *)
      [[ -z "$TAG" ]] || usage_error "unexpected argument: $1"
      TAG=$1
      shift
      ;;
  esac
done
TAG=${TAG:-dev}
[[ "$TAG" =~ ^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$ ]] || usage_error "invalid image tag '$TAG'"

if [[ -z "$PLATFORM" ]]; then
  case "$(uname -m)" in
    arm64 | aarch64) PLATFORM=linux/arm64 ;;
    x86_64 | amd64) PLATFORM=linux/amd64 ;;
    *) usage_error "unknown machine type $(uname -m); pass --platform" ;;
  esac
fi
[[ "$PLATFORM" != *,* ]] || usage_error "--load takes one platform; use scripts/build-and-push.sh for multi-arch"
resolve_build_inputs
[[ "$REPOSITORY" =~ ^[a-z0-9]+([._/-][a-z0-9]+)*$ ]] || usage_error "invalid image name '$REPOSITORY'"
require_cmd docker
IMAGE="$REPOSITORY:$TAG"

run_step build "docker buildx build --load $IMAGE ($PLATFORM)" \
  docker buildx build --platform "$PLATFORM" --file "$DOCKERFILE" \
  --tag "$IMAGE" --load "$SOURCE_DIR"
info "built $IMAGE for $PLATFORM (local image store only)"
printf '%s\n' "$IMAGE"
