import type { TestContext } from "vitest";
import { Sandbox, testSandbox } from "./stubs.js";

const REGISTRY = "123456789012.dkr.ecr.eu-west-1.amazonaws.com";
const IMAGE = `${REGISTRY}/shop/api:v1.2.3`;
/** A checkout whose Dockerfile sits in its build context (src/), like OpenLIT's src/Dockerfile with context src/. */
const SOURCE_FILES = { "app/src/Dockerfile": "FROM scratch\n", "app/src/package.json": "{}\n", "app/README.md": "\n" };

/** aws stub: REPO_EXISTS / TAG_EXISTS / LOGIN_FAIL switch behaviours. */
const aws = `
case "$1 $2" in
  "sts get-caller-identity") printf '123456789012\\n' ;;
  "ecr describe-repositories") [[ -n "\${REPO_EXISTS:-}" ]] || { echo 'RepositoryNotFoundException' >&2; exit 254; } ;;
  "ecr describe-images") [[ -n "\${TAG_EXISTS:-}" ]] || { echo 'ImageNotFoundException' >&2; exit 254; } ;;
  "ecr get-login-password") [[ -z "\${LOGIN_FAIL:-}" ]] || exit 255; printf 'secret-token' ;;
esac`;

/** docker stub: BUILDER_EXISTS, PLATFORMS_AVAILABLE (builder), docker login reads the password from stdin. */
const docker = `
case "$1 $2" in
  "login --username") [[ "$(cat)" == secret-token ]] || { echo 'bad password' >&2; exit 1; } ;;
  "buildx version") echo 'github.com/docker/buildx v0.24.0' ;;
  "buildx inspect")
    if [[ "$3" == --bootstrap ]]; then printf 'Name: %s\\nPlatforms: %s\\n' "$4" "\${PLATFORMS_AVAILABLE:-linux/amd64, linux/arm64, linux/arm/v7}";
    else [[ -n "\${BUILDER_EXISTS:-}" ]] || exit 1; fi ;;
  "buildx imagetools") printf 'Manifests:\\n  Platform: linux/arm64\\n  Platform: linux/amd64\\n' ;;
esac`;

// Every test has its own sandbox (stub log), so the tests run concurrently.
type Ctx = Pick<TestContext, "onTestFinished">;
const ENVIRONMENTS = { "shop/dev": 'ecr_repository = "shop/api"\nimage_tag = "old"\n', "shop/prod": 'ecr_repository = ""\n' };
const sandbox = (ctx: Ctx) => testSandbox(ctx, { stubs: { aws, docker, git: "exit 99", terraform: "exit 99" }, files: SOURCE_FILES, environments: ENVIRONMENTS });
const env = (sb: Sandbox) => ({ BUILD_SOURCE_DIR: `${sb.root}/app/src`, ECR_REPOSITORY: "shop/api", AWS_REGION: "eu-west-1" });

describe.concurrent("build-and-push.sh", () => {
  it("creates the repository, logs in, creates a builder, builds both platforms as one tag, verifies it", async ({ expect, onTestFinished }) => {
    const sb = sandbox({ onTestFinished });
    const r = await sb.run("build-and-push.sh", ["v1.2.3"], { env: env(sb) });
    expect(r.stderr).not.toContain("error");
    expect(r.code).toBe(0);
    const cmds = sb.commands();
    // The two sides of `aws ecr get-login-password | docker login` start together: their order is not defined.
    expect([...cmds.slice(4, 6)].sort()).toEqual(["aws ecr get-login-password --region eu-west-1", `docker login --username AWS --password-stdin ${REGISTRY}`]);
    expect([...cmds.slice(0, 4), ...cmds.slice(6)]).toEqual([
      "aws sts get-caller-identity --query Account --output text",
      "aws ecr describe-repositories --region eu-west-1 --repository-names shop/api",
      "aws ecr create-repository --region eu-west-1 --repository-name shop/api --image-scanning-configuration scanOnPush=true --image-tag-mutability MUTABLE",
      "aws ecr describe-images --region eu-west-1 --repository-name shop/api --image-ids imageTag=v1.2.3",
      "docker buildx version",
      "docker buildx inspect ops-multiarch",
      "docker buildx create --name ops-multiarch --driver docker-container",
      "docker buildx inspect --bootstrap ops-multiarch",
      `docker buildx build --builder ops-multiarch --platform linux/arm64,linux/amd64 --file ROOT/app/src/Dockerfile --tag ${IMAGE} --push ROOT/app/src`,
      `docker buildx imagetools inspect ${IMAGE}`,
    ]);
    expect(r.stdout.trim()).toBe(IMAGE);
    expect(r.stderr).toContain('set image_tag = "v1.2.3" (and ecr_repository = "shop/api") in environments/<system>/<env>.tfvars');
  });

  it("builds OpenLIT as documented: --source <checkout>/src --dockerfile <checkout>/src/Dockerfile, relative to the current directory", async ({ expect, onTestFinished }) => {
    const sb = sandbox({ onTestFinished });
    const r = await sb.run("build-and-push.sh", ["--source", "app/src", "--dockerfile", "app/src/Dockerfile", "--repository", "openlit", "v1"], {
      cwd: sb.root,
      env: { AWS_REGION: "eu-west-1" },
    });
    expect(r.code).toBe(0);
    expect(sb.commands().find((c) => c.startsWith("docker buildx build"))).toBe(
      `docker buildx build --builder ops-multiarch --platform linux/arm64,linux/amd64 --file ROOT/app/src/Dockerfile --tag ${REGISTRY}/openlit:v1 --push ROOT/app/src`,
    );
  });

  it("--stack reads ecr_repository from the stack's tfvars and says where image_tag goes", async ({ expect, onTestFinished }) => {
    const sb = sandbox({ onTestFinished });
    const r = await sb.run("build-and-push.sh", ["--stack", "shop-dev", "v9"], { env: { ...env(sb), ECR_REPOSITORY: "ignored" } });
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(`${REGISTRY}/shop/api:v9`);
    expect(r.stderr).toContain('set image_tag = "v9" in environments/shop/dev.tfvars, then run scripts/deploy.sh shop-dev');

    const none = await sb.run("build-and-push.sh", ["--stack", "shop-prod", "v9"], { env: env(sb) });
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("shop/prod.tfvars sets no ecr_repository; set it there or pass --repository NAME");
  });

  it("reuses an existing repository and builder; flags override the environment", async ({ expect, onTestFinished }) => {
    const sb = sandbox({ onTestFinished });
    const r = await sb.run("build-and-push.sh", ["--repository", "team/app", "--region", "us-east-2", "--immutable-tags", "--source", `${sb.root}/app/src`, "v2"], {
      env: { REPO_EXISTS: "1", BUILDER_EXISTS: "1", AWS_REGION: "eu-west-1", BUILD_SOURCE_DIR: "/nonexistent", ECR_REPOSITORY: "other" },
    });
    expect(r.code).toBe(0);
    const cmds = sb.commands();
    expect(cmds.some((c) => c.includes("create-repository") || c.includes("buildx create"))).toBe(false);
    expect(cmds).toContain("aws ecr put-image-tag-mutability --region us-east-2 --repository-name team/app --image-tag-mutability IMMUTABLE");
    expect(cmds.find((c) => c.startsWith("docker buildx build"))).toContain("--tag 123456789012.dkr.ecr.us-east-2.amazonaws.com/team/app:v2 --push");
  });

  it("is idempotent: an existing tag is not rebuilt unless --force", async ({ expect, onTestFinished }) => {
    const sb = sandbox({ onTestFinished });
    const r = await sb.run("build-and-push.sh", ["v1.2.3"], { env: { ...env(sb), REPO_EXISTS: "1", TAG_EXISTS: "1" } });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("already exists; nothing to do");
    expect(sb.commands().some((c) => c.startsWith("docker"))).toBe(false);

    const forced = await sb.run("build-and-push.sh", ["v1.2.3", "--force"], { env: { ...env(sb), REPO_EXISTS: "1", TAG_EXISTS: "1" } });
    expect(forced.code).toBe(0);
    expect(sb.commands().filter((c) => c.startsWith("docker buildx build"))).toHaveLength(1);
  });

  it("defaults the tag to the source commit", async ({ expect, onTestFinished }) => {
    const sb = testSandbox({ onTestFinished }, {
      stubs: { aws, docker, git: 'case "$3" in rev-parse) echo 0123456789ab ;; status) ;; esac' },
      files: SOURCE_FILES,
    });
    const r = await sb.run("build-and-push.sh", [], { env: env(sb) });
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(`${REGISTRY}/shop/api:0123456789ab`);
    expect(sb.commands().slice(0, 2)).toEqual([
      "git -C ROOT/app/src rev-parse --short=12 HEAD",
      "git -C ROOT/app/src status --porcelain",
    ]);
  });

  it("requires the source directory and the repository (never built-in ones) before calling AWS", async ({ expect, onTestFinished }) => {
    const sb = sandbox({ onTestFinished });
    let r = await sb.run("build-and-push.sh", ["v1"], { env: { AWS_REGION: "eu-west-1", ECR_REPOSITORY: "shop/api" } });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("pass --source DIR (the build context directory) or set BUILD_SOURCE_DIR");
    r = await sb.run("build-and-push.sh", ["v1", "--source", sb.root], { env: { AWS_REGION: "eu-west-1", ECR_REPOSITORY: "shop/api" } });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`no Dockerfile at ${sb.root}/Dockerfile; pass --dockerfile PATH`);
    r = await sb.run("build-and-push.sh", ["v1"], { env: { ...env(sb), ECR_REPOSITORY: "" } });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("no repository: pass --repository NAME, set ECR_REPOSITORY, or pass --stack STACK");
    expect(sb.calls()).toEqual([]);
  });

  it("stops before building when the login fails", async ({ expect, onTestFinished }) => {
    const sb = sandbox({ onTestFinished });
    const r = await sb.run("build-and-push.sh", ["v1"], { env: { ...env(sb), REPO_EXISTS: "1", LOGIN_FAIL: "1" } });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("step 'login' failed");
    expect(sb.commands().some((c) => c.startsWith("docker buildx"))).toBe(false);
  });

  it("explains how to get emulators when the builder lacks a platform", async ({ expect, onTestFinished }) => {
    const sb = sandbox({ onTestFinished });
    const r = await sb.run("build-and-push.sh", ["v1"], { env: { ...env(sb), REPO_EXISTS: "1", BUILDER_EXISTS: "1", PLATFORMS_AVAILABLE: "linux/amd64" } });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("cannot build linux/arm64");
    expect(r.stderr).toContain("tonistiigi/binfmt");
    expect(sb.commands().some((c) => c.startsWith("docker buildx build"))).toBe(false);
  });
});

describe.concurrent("build-only.sh", () => {
  it("builds one platform into the local image store, no push, no AWS", async ({ expect, onTestFinished }) => {
    const sb = sandbox({ onTestFinished });
    const r = await sb.run("build-only.sh", ["--platform", "linux/arm64"], { env: env(sb) });
    expect(r.code).toBe(0);
    expect(sb.commands()).toEqual([
      "docker buildx build --platform linux/arm64 --file ROOT/app/src/Dockerfile --tag shop/api:dev --load ROOT/app/src",
    ]);
    expect(r.stdout.trim()).toBe("shop/api:dev");
  });

  it("refuses several platforms (--load takes one)", async ({ expect, onTestFinished }) => {
    const sb = sandbox({ onTestFinished });
    const r = await sb.run("build-only.sh", ["--platform", "linux/arm64,linux/amd64"], { env: env(sb) });
    expect(r.code).toBe(2);
    expect(sb.calls()).toEqual([]);
  });
});
