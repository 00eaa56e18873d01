// ContainerRegistry on a bare stack: a repository and a lifecycle policy per key with every default and option, the
// outputs by key, the pull statements, and validation, as properties of the synthesized JSON.
import { TerraformOutput, TerraformStack, TerraformVariable } from "cdktf";
import { CostEstimate } from "../modules/cost-estimate/index.js";
import { ContainerRegistry, ContainerRegistryProps, lifecyclePolicyOf, PULL_ACTIONS } from "../modules/container-registry/index.js";
import { resourcesOf, synthStack, TfJson } from "./support/synth.js";
import { bareStack, problemsOf } from "./support/bare-stack.js";

const KEY_ARN = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const BASE: ContainerRegistryProps = { repositories: { api: { name: "shop/api" }, worker: { name: "shop/worker" } } };

/** The stack with one registry `images` (BASE plus `props`, built by `build` when props need the stack), and its cost outputs. */
function synthRegistry(props: Partial<ContainerRegistryProps> | ((stack: TerraformStack) => Partial<ContainerRegistryProps>) = {}): { json: TfJson; registry: ContainerRegistry } {
  const stack = bareStack();
  const registry = new ContainerRegistry(stack, "images", { ...BASE, ...(typeof props === "function" ? props(stack) : props) });
  CostEstimate.of(stack).writeOutputs(stack, "test");
  return { json: synthStack(stack), registry };
}

/** The resource of `type` whose construct id is `id`, by its logical id `images_<id>_<hash>`. */
function resourceOf(json: TfJson, type: string, id: string): [string, any] {
  const found = resourcesOf(json, type).filter(([logical]) => logical.replace(/_[0-9A-F]{8}$/, "") === `images_${id}`);
  if (found.length !== 1) throw new Error(`expected one ${type} ${id}, found ${found.length}`);
  return found[0]!;
}
const repositoryOf = (json: TfJson, key: string) => resourceOf(json, "aws_ecr_repository", `Repository-${key}`)[1];
const lifecycleOf = (json: TfJson, key: string) => resourceOf(json, "aws_ecr_lifecycle_policy", `LifecyclePolicy-${key}`)[1];

describe("ContainerRegistry with defaults", () => {
  const { json, registry } = synthRegistry();

  it("creates a repository and a lifecycle policy per key, addressed by the key", () => {
    expect(Object.keys(json.resource).sort()).toEqual(["aws_ecr_lifecycle_policy", "aws_ecr_repository"]);
    expect(resourcesOf(json, "aws_ecr_repository").map(([l]) => l.replace(/_[0-9A-F]{8}$/, "")).sort()).toEqual(["images_Repository-api", "images_Repository-worker"]);
    expect(resourcesOf(json, "aws_ecr_lifecycle_policy")).toHaveLength(2);
  });

  it("is immutable, scanned on push, AES256-encrypted, not force-deleted", () => {
    expect(repositoryOf(json, "api")).toEqual({
      name: "shop/api",
      image_tag_mutability: "IMMUTABLE",
      image_scanning_configuration: { scan_on_push: true },
      encryption_configuration: [{ encryption_type: "AES256" }],
      force_delete: false,
      tags: {},
    });
  });

  it("expires untagged images after 7 days first, then keeps the newest 20 of any tag status (tagStatus any last)", () => {
    const [logical] = resourceOf(json, "aws_ecr_repository", "Repository-worker");
    const policy = lifecycleOf(json, "worker");
    expect(policy.repository).toBe(`\${aws_ecr_repository.${logical}.name}`);
    expect(JSON.parse(policy.policy)).toEqual({
      rules: [
        {
          rulePriority: 1,
          description: "Untagged images expire after untaggedExpiryDays",
          selection: { tagStatus: "untagged", countType: "sinceImagePushed", countUnit: "days", countNumber: 7 },
          action: { type: "expire" },
        },
        {
          rulePriority: 2,
          description: "Only the newest keepImages images stay",
          selection: { tagStatus: "any", countType: "imageCountMoreThan", countNumber: 20 },
          action: { type: "expire" },
        },
      ],
    });
  });

  it("exposes URL, ARN and name per key as references", () => {
    const stack = bareStack();
    const r = new ContainerRegistry(stack, "images", BASE);
    new TerraformOutput(stack, "urls", { value: r.repositoryUrls });
    new TerraformOutput(stack, "arns", { value: r.repositoryArns });
    new TerraformOutput(stack, "names", { value: r.repositoryNames });
    const out = synthStack(stack).output;
    const [api] = resourceOf(json, "aws_ecr_repository", "Repository-api");
    const [worker] = resourceOf(json, "aws_ecr_repository", "Repository-worker");
    expect(out.urls.value).toEqual({ api: `\${aws_ecr_repository.${api}.repository_url}`, worker: `\${aws_ecr_repository.${worker}.repository_url}` });
    expect(out.arns.value).toEqual({ api: `\${aws_ecr_repository.${api}.arn}`, worker: `\${aws_ecr_repository.${worker}.arn}` });
    expect(out.names.value).toEqual({ api: `\${aws_ecr_repository.${api}.name}`, worker: `\${aws_ecr_repository.${worker}.name}` });
    expect(Object.keys(registry.repositories)).toEqual(["api", "worker"]);
  });

  it("adds no cost item: ECR bills storage and transfer, nothing fixed", () => {
    expect(json.output.cost_breakdown.value).toEqual({});
  });
});

describe("ContainerRegistry options", () => {
  it("takes mutability, scanning, force delete, tags and the lifecycle numbers", () => {
    const { json } = synthRegistry({ imageTagMutability: "MUTABLE", scanOnPush: false, forceDelete: true, keepImages: 50, untaggedExpiryDays: 1, tags: { team: "shop" } });
    expect(repositoryOf(json, "api")).toMatchObject({ image_tag_mutability: "MUTABLE", image_scanning_configuration: { scan_on_push: false }, force_delete: true, tags: { team: "shop" } });
    expect(JSON.parse(lifecycleOf(json, "api").policy)).toEqual(lifecyclePolicyOf(50, 1));
  });

  it("encrypts with a KMS key when given", () => {
    expect(repositoryOf(synthRegistry({ kmsKeyArn: KEY_ARN }).json, "worker").encryption_configuration).toEqual([{ encryption_type: "KMS", kms_key: KEY_ARN }]);
  });

  it("takes Terraform values: a switch for force delete, numbers in the policy through jsonencode", () => {
    const { json } = synthRegistry((stack) => ({
      forceDelete: new TerraformVariable(stack, "force", { type: "bool" }).booleanValue,
      keepImages: new TerraformVariable(stack, "keep", { type: "number" }).numberValue,
      repositories: { api: { name: new TerraformVariable(stack, "repo", { type: "string" }).stringValue } },
    }));
    expect(repositoryOf(json, "api")).toMatchObject({ name: "${var.repo}", force_delete: "${var.force}" });
    const policy: string = lifecycleOf(json, "api").policy;
    expect(policy).toMatch(/^\$\{jsonencode\(\{/);
    expect(policy).toContain("var.keep");
  });
});

describe("ContainerRegistry.pullPolicyStatements", () => {
  const stack = bareStack();
  const registry = new ContainerRegistry(stack, "images", BASE);
  const arn = (key: string) => registry.repositoryArns[key]!;

  it("pulls from every repository, with the authorization token on * in its own statement", () => {
    expect(registry.pullPolicyStatements()).toEqual([
      { Sid: "ImagesPull", Effect: "Allow", Action: ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"], Resource: [arn("api"), arn("worker")] },
      { Sid: "ImagesAuthorizationToken", Effect: "Allow", Action: ["ecr:GetAuthorizationToken"], Resource: ["*"] },
    ]);
    expect(PULL_ACTIONS).toEqual(["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]);
  });

  it("names the repositories' ARNs as references in a policy document", () => {
    const stack = bareStack();
    const r = new ContainerRegistry(stack, "images", BASE);
    new TerraformOutput(stack, "statements", { value: r.pullPolicyStatements(["api"]) });
    const json = synthStack(stack);
    const [api] = resourceOf(json, "aws_ecr_repository", "Repository-api");
    expect(json.output.statements.value[0].Resource).toEqual([`\${aws_ecr_repository.${api}.arn}`]);
  });

  it("limits the pull to the keys given", () => {
    expect(registry.pullPolicyStatements(["worker"])[0]!.Resource).toEqual([arn("worker")]);
  });

  it("rejects unknown keys and an empty list, naming the keys there are", () => {
    expect(problemsOf(() => registry.pullPolicyStatements(["api", "web"]))).toEqual(['pullPolicyStatements key "web" is not a repository of this registry: use one of api, worker.']);
    expect(problemsOf(() => registry.pullPolicyStatements([]))).toEqual(["pullPolicyStatements keys is empty: name at least one repository key, or leave keys out for every repository."]);
  });
});

describe("ContainerRegistry validation", () => {
  it("reports every wrong prop at once", () => {
    const problems = problemsOf(() =>
      synthRegistry({
        repositories: { API: { name: "Shop/API" }, a: { name: "x" }, b: { name: "shop//api" }, c: { name: "shop/web" }, d: { name: "shop/web" } },
        imageTagMutability: "SOMETIMES" as never,
        keepImages: 0,
        untaggedExpiryDays: 1.5,
        kmsKeyArn: "alias/images",
      }),
    );
    const name = (key: string, value: string) =>
      `repositories["${key}"].name "${value}" is not an ECR repository name: 2-256 lower-case letters and digits, separated by ".", "_", "-" or "/" (namespaces), e.g. "shop/api".`;
    expect(problems).toEqual([
      'repositories key "API" must be lower-case letters, digits and hyphens.',
      name("API", "Shop/API"),
      name("a", "x"),
      name("b", "shop//api"),
      "repositories names must be unique; repeated: shop/web.",
      'imageTagMutability "SOMETIMES" must be "IMMUTABLE" or "MUTABLE".',
      "keepImages 0 must be a whole number of images from 1 to 10000, e.g. 20.",
      "untaggedExpiryDays 1.5 must be a whole number of days >= 1, e.g. 7.",
      'kmsKeyArn "alias/images" must be a KMS key ARN, arn:aws:kms:<region>:<account>:key/<id>; leave it out for AES256.',
    ]);
  });

  it("needs at least one repository", () => {
    expect(problemsOf(() => synthRegistry({ repositories: {} }))).toEqual(['repositories is empty: define at least one, e.g. { api: { name: "shop/api" } }.']);
  });

  it.each([10001, -1, 2.5])("rejects keepImages %s", (keepImages) => {
    expect(problemsOf(() => synthRegistry({ keepImages }))).toEqual([`keepImages ${keepImages} must be a whole number of images from 1 to 10000, e.g. 20.`]);
  });

  it.each(["ab", "shop/api-v2", "a.b_c-d/e/f", "x".repeat(256)])("accepts the repository name %s", (name) => {
    expect(() => synthRegistry({ repositories: { api: { name } } })).not.toThrow();
  });

  it.each(["x".repeat(257), "-api", "api-", "shop/", "a..b", "shop api"])("rejects the repository name %s", (name) => {
    expect(problemsOf(() => synthRegistry({ repositories: { api: { name } } }))).toHaveLength(1);
  });
});
