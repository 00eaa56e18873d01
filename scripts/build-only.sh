#!/usr/bin/env bash
# Development build: the OpenLIT image for this machine only, loaded into the
# local Docker image store. Nothing is pushed and AWS is never called.
set -euo pipefail

# shellcheck source=lib/common.sh source-path=SCRIPTDIR
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)/lib/common.sh"

usage() {
  cat <<USAGE
Usage: $SCRIPT_NAME [TAG] [options]

Runs
  docker buildx build --platform <native platform> --load
    -f <source>/src/client/Dockerfile -t <repository>:TAG <source>/src/client
to check that the image builds (and try it with docker run) before
scripts/build-and-push.sh publishes the multi-arch image. TAG defaults to "dev".

Options:
  --source DIR        OpenLIT checkout (OPENLIT_SOURCE_DIR; required)
  --repository NAME   local image name (ECR_REPOSITORY, default openlit)
  --platform P        (default: this machine, linux/arm64 or linux/amd64)
  --dockerfile PATH   relative to the source (default src/client/Dockerfile)
  --context PATH      relative to the source (default src/client)
  -h, --help          show this help
USAGE
}

TAG=""
SOURCE_DIR="${OPENLIT_SOURCE_DIR:-}"
REPOSITORY="${ECR_REPOSITORY:-openlit}"
PLATFORM=""
DOCKERFILE="src/client/Dockerfile"
CONTEXT="src/client"

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
    --repository) need_value "$@"; REPOSITORY=$2; shift 2 ;;
    --platform) need_value "$@"; PLATFORM=$2; shift 2 ;;
    --dockerfile) need_value "$@"; DOCKERFILE=$2; shift 2 ;;
    --context) need_value "$@"; CONTEXT=$2; shift 2 ;;
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

[[ -n "$SOURCE_DIR" ]] || usage_error "no OpenLIT source: pass --source DIR or set OPENLIT_SOURCE_DIR to your OpenLIT checkout"
[[ -d "$SOURCE_DIR" ]] || die "OpenLIT source directory '$SOURCE_DIR' does not exist"
SOURCE_DIR=$(cd "$SOURCE_DIR" && pwd -P)
[[ -f "$SOURCE_DIR/$DOCKERFILE" ]] || die "no Dockerfile at $SOURCE_DIR/$DOCKERFILE (is '$SOURCE_DIR' an OpenLIT checkout? see --dockerfile)"
[[ -d "$SOURCE_DIR/$CONTEXT" ]] || die "no build context at $SOURCE_DIR/$CONTEXT (see --context)"
require_cmd docker

if [[ -z "$PLATFORM" ]]; then
  case "$(uname -m)" in
    arm64 | aarch64) PLATFORM=linux/arm64 ;;
    x86_64 | amd64) PLATFORM=linux/amd64 ;;
    *) usage_error "unknown machine type $(uname -m); pass --platform" ;;
  esac
fi
[[ "$PLATFORM" != *,* ]] || usage_error "--load takes one platform; use scripts/build-and-push.sh for multi-arch"
IMAGE="$REPOSITORY:$TAG"

run_step build "docker buildx build --load $IMAGE ($PLATFORM)" \
  docker buildx build --platform "$PLATFORM" --file "$SOURCE_DIR/$DOCKERFILE" \
  --tag "$IMAGE" --load "$SOURCE_DIR/$CONTEXT"
info "built $IMAGE for $PLATFORM (local image store only; OpenLIT needs ClickHouse to run, e.g. via OpenLIT's docker-compose with image $IMAGE)"
printf '%s\n' "$IMAGE"
