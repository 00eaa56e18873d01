import { testSandbox } from "./stubs.js";

const good = {
  aws: `case "$1" in --version) echo 'aws-cli/2.17.0 Python/3.12.6 Linux/6.8 exe/x86_64' ;; sts) echo 'arn:aws:iam::123456789012:user/ops' ;; esac`,
  terraform: "echo 'Terraform v1.11.4'; echo 'on linux_amd64'",
  docker: `case "$1" in info) echo 28.2.2 ;; buildx) echo 'github.com/docker/buildx v0.24.0 abc' ;; esac`,
  node: "echo v20.18.0",
  npm: "echo 10.8.2",
  curl: "echo 'curl 8.5.0 (x86_64-pc-linux-gnu) libcurl/8.5.0'",
};

// Every test has its own sandbox (stub log), so the tests run concurrently.
describe.concurrent("verify-prereqs.sh", () => {
  it("prints one ok line per check and exits 0 when everything is there; docker only with --build", async ({ expect, onTestFinished }) => {
    const sb = testSandbox({ onTestFinished }, { stubs: good });
    const r = await sb.run("verify-prereqs.sh");
    expect(r.code).toBe(0);
    const generic = [
      "ok    aws-cli          aws-cli/2.17.0",
      "ok    aws-credentials  arn:aws:iam::123456789012:user/ops",
      "ok    terraform        1.11.4",
      "ok    node             20.18.0",
      "ok    npm              10.8.2",
      "ok    curl             curl 8.5.0",
    ];
    expect(r.stdout.trim().split("\n")).toEqual([
      ...generic,
      "skip  docker           only needed to build images (--build)",
      "skip  docker-buildx    only needed to build images (--build)",
    ]);
    expect(sb.commands()).toContain("aws sts get-caller-identity --query Arn --output text");
    expect(sb.commands().some((c) => c.startsWith("docker"))).toBe(false);

    const b = await sb.run("verify-prereqs.sh", ["--build"]);
    expect(b.code).toBe(0);
    expect(b.stdout.trim().split("\n")).toEqual([
      ...generic,
      "ok    docker           server 28.2.2",
      "ok    docker-buildx    github.com/docker/buildx v0.24.0 abc",
    ]);
  });

  it("names every missing or unusable piece and exits non-zero", async ({ expect, onTestFinished }) => {
    const sb = testSandbox({ onTestFinished }, {
      stubs: {
        aws: `case "$1" in --version) echo 'aws-cli/1.29.0 Python/3.11' ;; sts) echo 'Unable to locate credentials' >&2; exit 253 ;; esac`,
        terraform: "echo 'Terraform v1.9.8'",
        node: "echo v18.19.0",
        npm: "echo 9.2.0",
        curl: "echo 'curl 8.5.0'",
      },
    });
    const r = await sb.run("verify-prereqs.sh", ["--build"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^FAIL\s+aws-cli\s+found aws-cli\/1\.29\.0; need AWS CLI v2$/m);
    expect(r.stdout).toMatch(/^FAIL\s+aws-credentials\s+aws sts get-caller-identity failed/m);
    expect(r.stdout).toMatch(/^FAIL\s+terraform\s+found 1\.9\.8; need >= 1\.11\.0$/m);
    expect(r.stdout).toMatch(/^FAIL\s+docker\s+not installed$/m);
    expect(r.stdout).toMatch(/^FAIL\s+docker-buildx\s+docker not installed$/m);
    expect(r.stdout).toMatch(/^FAIL\s+node\s+found 18\.19\.0; need >= 20\.0\.0$/m);
    expect(r.stdout).toMatch(/^ok\s+npm/m);
    expect(r.stderr).toMatch(/6 prerequisite\(s\) missing or unusable: aws-cli .*; aws-credentials .*; terraform .*; node .*; docker .*; docker-buildx /);
  });

  it("accepts newer versions and --skip", async ({ expect, onTestFinished }) => {
    const sb = testSandbox({ onTestFinished }, { stubs: { ...good, terraform: "echo 'Terraform v1.12.10'", docker: "exit 1" } });
    const r = await sb.run("verify-prereqs.sh", ["--build", "--skip", "docker", "--skip=docker-buildx"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^ok\s+terraform\s+1\.12\.10$/m);
    expect(r.stdout).toMatch(/^skip\s+docker\s/m);
    expect(sb.commands().some((c) => c.startsWith("docker"))).toBe(false);
  });
});
