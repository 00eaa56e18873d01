import type { TestContext } from "vitest";
import { Sandbox, testSandbox } from "./stubs.js";

const REGISTRY = "123456789012.dkr.ecr.eu-west-1.amazonaws.com";
const IMAGE = `${REGISTRY}/openlit:v1.2.3`;
const SOURCE_FILES = { "openlit-src/src/client/Dockerfile": "FROM scratch\n", "openlit-src/src/client/package.json": "{}\n" };

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
const sandbox = (ctx: Ctx) => testSandbox(ctx, { stubs: { aws, docker, git: "exit 99", terraform: "exit 99" }, files: SOURCE_FILES });
const env = (sb: Sandbox) => ({ OPENLIT_SOURCE_DIR: `${sb.root}/openlit-src`, AWS_REGION: "eu-west-1" });

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
      "aws ecr describe-repositories --region eu-west-1 --repository-names openlit",
      "aws ecr create-repository --region eu-west-1 --repository-name openlit --image-scanning-configuration scanOnPush=true --image-tag-mutability MUTABLE",
      "aws ecr describe-images --region eu-west-1 --repository-name openlit --image-ids imageTag=v1.2.3",
      "docker buildx version",
      "docker buildx inspect ops-multiarch",
      "docker buildx create --name ops-multiarch --driver docker-container",
      "docker buildx inspect --bootstrap ops-multiarch",
      `docker buildx build --builder ops-multiarch --platform linux/arm64,linux/amd64 --file ROOT/openlit-src/src/client/Dockerfile --tag ${IMAGE} --push ROOT/openlit-src/src/client`,
      `docker buildx imagetools inspect ${IMAGE}`,
    ]);
    expect(r.stdout.trim()).toBe(IMAGE);
  });

  it("reuses an existing repository and builder; flags override the environment", async ({ expect, onTestFinished }) => {
    const sb = sandbox({ onTestFinished });
    const r = await sb.run("build-and-push.sh", ["--repository", "team/openlit", "--region", "us-east-2", "--immutable-tags", "--source", `${sb.root}/openlit-src`, "v2"], {
      env: { REPO_EXISTS: "1", BUILDER_EXISTS: "1", AWS_REGION: "eu-west-1", OPENLIT_SOURCE_DIR: "/nonexistent" },
    });
    expect(r.code).toBe(0);
    const cmds = sb.commands();
    expect(cmds.some((c) => c.includes("create-repository") || c.includes("buildx create"))).toBe(false);
    expect(cmds).toContain("aws ecr put-image-tag-mutability --region us-east-2 --repository-name team/openlit --image-tag-mutability IMMUTABLE");
    expect(cmds.find((c) => c.startsWith("docker buildx build"))).toContain("--tag 123456789012.dkr.ecr.us-east-2.amazonaws.com/team/openlit:v2 --push");
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
    expect(r.stdout.trim()).toBe(`${REGISTRY}/openlit:0123456789ab`);
    expect(sb.commands().slice(0, 2)).toEqual([
      "git -C ROOT/openlit-src rev-parse --short=12 HEAD",
      "git -C ROOT/openlit-src status --porcelain",
    ]);
  });

  it("requires the source directory (never a built-in path) before calling AWS", async ({ expect, onTestFinished }) => {
    const sb = sandbox({ onTestFinished });
    let r = await sb.run("build-and-push.sh", ["v1"], { env: { AWS_REGION: "eu-west-1" } });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("OPENLIT_SOURCE_DIR");
    r = await sb.run("build-and-push.sh", ["v1", "--source", sb.root], { env: { AWS_REGION: "eu-west-1" } });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("no Dockerfile at");
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
      "docker buildx build --platform linux/arm64 --file ROOT/openlit-src/src/client/Dockerfile --tag openlit:dev --load ROOT/openlit-src/src/client",
    ]);
    expect(r.stdout.trim()).toBe("openlit:dev");
  });

  it("refuses several platforms (--load takes one)", async ({ expect, onTestFinished }) => {
    const sb = sandbox({ onTestFinished });
    const r = await sb.run("build-only.sh", ["--platform", "linux/arm64,linux/amd64"], { env: env(sb) });
    expect(r.code).toBe(2);
    expect(sb.calls()).toEqual([]);
  });
});
