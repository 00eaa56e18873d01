#!/usr/bin/env bash
# Build an image for linux/arm64 + linux/amd64 and push it to ECR.
set -euo pipefail

# shellcheck source=lib/common.sh source-path=SCRIPTDIR
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)/lib/common.sh"

usage() {
  cat <<USAGE
Usage: $SCRIPT_NAME --source DIR (--repository NAME | --stack STACK) [TAG] [options]

Builds an image from a source directory for linux/arm64 + linux/amd64 and
pushes ONE multi-arch tag (manifest list) to ECR:
  1. ECR repository: aws ecr describe-repositories, else create-repository
     (scan-on-push on by default; immutable tags with --immutable-tags)
  2. skip when TAG already exists in the repository (unless --force)
  3. aws ecr get-login-password | docker login --password-stdin <registry>
  4. docker buildx build --platform linux/arm64,linux/amd64 --push
       --file <dockerfile> --tag <registry>/<repository>:TAG <source>
  5. docker buildx imagetools inspect: both platforms present

TAG defaults to the source directory's git commit (12 characters), with
"-dirty-<UTC timestamp>" appended when the checkout has uncommitted changes.
Set the printed tag as image_tag in environments/<system>/<env>.tfvars.

Options:
  --source DIR        build context directory (BUILD_SOURCE_DIR; required)
  --dockerfile PATH   the Dockerfile (BUILD_DOCKERFILE; default <source>/Dockerfile);
                      a relative path is relative to the current directory
  --repository NAME   ECR repository (ECR_REPOSITORY)
  --stack STACK       read the repository from ecr_repository in the stack's
                      environments/<system>/<env>.tfvars (when no --repository)
  --region REGION     AWS region (AWS_REGION / AWS_DEFAULT_REGION / aws configure)
  --platforms LIST    (PLATFORMS, default linux/arm64,linux/amd64)
  --builder NAME      buildx builder, created with the docker-container driver
                      when missing (BUILDX_BUILDER, default ops-multiarch)
  --immutable-tags    create the repository with IMMUTABLE tags / switch an
                      existing one to IMMUTABLE
  --no-scan-on-push   create the repository without scan-on-push
  --force             rebuild and push even if TAG already exists
  -h, --help          show this help

Example (a Dockerfile inside its build context):
  $SCRIPT_NAME --source ../app --repository team/app v1.2.3
USAGE
}

TAG=""
SOURCE_DIR="${BUILD_SOURCE_DIR:-}"
DOCKERFILE="${BUILD_DOCKERFILE:-}"
REPOSITORY=""
STACK_ARG=""
REGION="${AWS_REGION:-${AWS_DEFAULT_REGION:-}}"
PLATFORMS="${PLATFORMS:-linux/arm64,linux/amd64}"
BUILDER="${BUILDX_BUILDER:-ops-multiarch}"
IMMUTABLE=false
SCAN_ON_PUSH=true
FORCE=false

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
    --region) need_value "$@"; REGION=$2; shift 2 ;;
    --platforms) need_value "$@"; PLATFORMS=$2; shift 2 ;;
    --builder) need_value "$@"; BUILDER=$2; shift 2 ;;
    --immutable-tags) IMMUTABLE=true; shift ;;
    --no-scan-on-push) SCAN_ON_PUSH=false; shift ;;
    --scan-on-push) SCAN_ON_PUSH=true; shift ;;
    --force) FORCE=true; shift ;;
    -*) usage_error "unknown option: $1" ;;
    *)
      [[ -z "$TAG" ]] || usage_error "unexpected argument: $1"
      TAG=$1
      shift
      ;;
  esac
done

# --- validate inputs before touching AWS ------------------------------------
resolve_build_inputs
[[ "$REPOSITORY" =~ ^[a-z0-9]+([._/-][a-z0-9]+)*$ ]] || usage_error "invalid ECR repository name '$REPOSITORY'"
require_cmd aws
require_cmd docker
if [[ -z "$REGION" ]]; then
  REGION=$(aws configure get region 2>/dev/null || true)
fi
[[ -n "$REGION" ]] || usage_error "no AWS region: pass --region or set AWS_REGION"

if [[ -z "$TAG" ]]; then
  command -v git >/dev/null 2>&1 || usage_error "git is not installed, so TAG cannot default to the commit; pass TAG"
  TAG=$(git -C "$SOURCE_DIR" rev-parse --short=12 HEAD 2>/dev/null) ||
    usage_error "$SOURCE_DIR is not a git checkout; pass TAG explicitly"
  if [[ -n "$(git -C "$SOURCE_DIR" status --porcelain 2>/dev/null)" ]]; then
    TAG="$TAG-dirty-$(date -u +%Y%m%d%H%M%S)"
    warn "$SOURCE_DIR has uncommitted changes; tagging $TAG"
  fi
fi
[[ "$TAG" =~ ^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$ ]] || usage_error "invalid image tag '$TAG'"
REGION_ARGS=(--region "$REGION")

step identity "aws sts get-caller-identity"
ACCOUNT_ID=$(aws sts get-caller-identity --query Account --output text) ||
  fail_step "no valid AWS credentials (aws sts get-caller-identity failed)"
[[ "$ACCOUNT_ID" =~ ^[0-9]{12}$ ]] || fail_step "unexpected account id '$ACCOUNT_ID'"
REGISTRY="$ACCOUNT_ID.dkr.ecr.$REGION.amazonaws.com"
IMAGE="$REGISTRY/$REPOSITORY:$TAG"
info "image $IMAGE (platforms $PLATFORMS) from $SOURCE_DIR with $DOCKERFILE"

# --- 1. repository ----------------------------------------------------------
step repository "ECR repository $REPOSITORY in $REGION"
if aws ecr describe-repositories "${REGION_ARGS[@]}" --repository-names "$REPOSITORY" >/dev/null 2>&1; then
  info "repository $REPOSITORY exists"
  if [[ "$IMMUTABLE" == true ]]; then
    aws ecr put-image-tag-mutability "${REGION_ARGS[@]}" --repository-name "$REPOSITORY" \
      --image-tag-mutability IMMUTABLE >/dev/null || fail_step "could not make $REPOSITORY tags immutable"
  fi
else
  if [[ "$IMMUTABLE" == true ]]; then mutability=IMMUTABLE; else mutability=MUTABLE; fi
  aws ecr create-repository "${REGION_ARGS[@]}" --repository-name "$REPOSITORY" \
    --image-scanning-configuration "scanOnPush=$SCAN_ON_PUSH" \
    --image-tag-mutability "$mutability" >/dev/null || fail_step "could not create ECR repository $REPOSITORY"
  info "created repository $REPOSITORY (scanOnPush=$SCAN_ON_PUSH, tags $mutability)"
fi

# --- 2. already pushed? -----------------------------------------------------
if aws ecr describe-images "${REGION_ARGS[@]}" --repository-name "$REPOSITORY" \
  --image-ids "imageTag=$TAG" >/dev/null 2>&1; then
  if [[ "$FORCE" == false ]]; then
    info "$IMAGE already exists; nothing to do (--force rebuilds and overwrites a mutable tag)"
    image_tag_hint
    printf '%s\n' "$IMAGE"
    exit 0
  fi
  warn "$IMAGE exists; rebuilding and overwriting it (--force)"
fi

# --- 3. login ---------------------------------------------------------------
step login "docker login $REGISTRY"
aws ecr get-login-password "${REGION_ARGS[@]}" | docker login --username AWS --password-stdin "$REGISTRY" >/dev/null ||
  fail_step "docker login to $REGISTRY failed"

# --- 4. build and push ------------------------------------------------------
step builder "buildx builder $BUILDER"
docker buildx version >/dev/null 2>&1 || fail_step "docker buildx is not available (scripts/verify-prereqs.sh --build)"
if ! docker buildx inspect "$BUILDER" >/dev/null 2>&1; then
  docker buildx create --name "$BUILDER" --driver docker-container >/dev/null ||
    fail_step "could not create buildx builder $BUILDER"
  info "created buildx builder $BUILDER (docker-container driver)"
fi
builder_info=$(docker buildx inspect --bootstrap "$BUILDER") || fail_step "buildx builder $BUILDER does not start"
IFS=, read -r -a wanted <<<"$PLATFORMS"
for platform in "${wanted[@]}"; do
  if [[ "$builder_info" != *"$platform"* ]]; then
    fail_step "builder $BUILDER cannot build $platform; install QEMU emulators: docker run --privileged --rm tonistiigi/binfmt --install all"
  fi
done

run_step build "docker buildx build --push $IMAGE" \
  docker buildx build --builder "$BUILDER" --platform "$PLATFORMS" \
  --file "$DOCKERFILE" --tag "$IMAGE" --push "$SOURCE_DIR"

# --- 5. verify --------------------------------------------------------------
step verify "manifest list of $IMAGE"
manifest=$(docker buildx imagetools inspect "$IMAGE") || fail_step "cannot inspect $IMAGE after the push"
for platform in "${wanted[@]}"; do
  [[ "$manifest" == *"$platform"* ]] || fail_step "$IMAGE has no $platform image"
done
info "pushed $IMAGE ($PLATFORMS)"
image_tag_hint
printf '%s\n' "$IMAGE"
