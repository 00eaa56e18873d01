import { Construct } from "constructs";
import { Fn } from "cdktf";
// Provider docs: https://registry.terraform.io/providers/hashicorp/aws/6.25.0/docs/resources/ecr_repository
import { EcrRepository } from "@cdktf/provider-aws/lib/ecr-repository";
// Provider docs: https://registry.terraform.io/providers/hashicorp/aws/6.25.0/docs/resources/ecr_lifecycle_policy
import { EcrLifecyclePolicy } from "@cdktf/provider-aws/lib/ecr-lifecycle-policy";
import { isKnown, pascalCase, validateAll } from "../core/index.js";
import { ContainerRegistryProps, ResolvedContainerRegistryProps, withDefaults } from "./props.js";
import { validateContainerRegistryProps } from "./validate-props.js";

/** One IAM policy statement, in the JSON shape of a policy document (for `Fn.jsonencode`). */
export interface RegistryPolicyStatement {
  readonly Sid: string;
  readonly Effect: "Allow";
  readonly Action: string[];
  readonly Resource: string[];
}

/** What pulling an image needs on the repository (the manifest, then the layers). */
export const PULL_ACTIONS = ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"];

/**
 * The lifecycle policy (https://docs.aws.amazon.com/AmazonECR/latest/userguide/lifecycle_policy_parameters.html):
 * untagged images expire untaggedExpiryDays after their push (priority 1); then only the newest keepImages images
 * of any tag status stay (priority 2: a rule with tagStatus "any" must have the highest priority; a "tagged" rule
 * would need a tagPrefixList or tagPatternList, which a registry for any tag scheme cannot name).
 */
export function lifecyclePolicyOf(keepImages: number, untaggedExpiryDays: number) {
  return {
    rules: [
      {
        rulePriority: 1,
        description: "Untagged images expire after untaggedExpiryDays",
        selection: { tagStatus: "untagged", countType: "sinceImagePushed", countUnit: "days", countNumber: untaggedExpiryDays },
        action: { type: "expire" },
      },
      {
        rulePriority: 2,
        description: "Only the newest keepImages images stay",
        selection: { tagStatus: "any", countType: "imageCountMoreThan", countNumber: keepImages },
        action: { type: "expire" },
      },
    ],
  };
}

/**
 * ECR repositories keyed by a stable key: immutable tags, scan on push, encryption at rest (AES256, or a KMS key),
 * and a lifecycle policy that keeps the newest keepImages images and drops untagged ones after untaggedExpiryDays.
 * Access is granted by the caller: attach {@link pullPolicyStatements} to the role that pulls (an instance or task
 * execution role). No cost item: ECR bills storage ($0.10/GB-month) and data transfer, nothing fixed.
 */
export class ContainerRegistry extends Construct {
  /** The repositories by key. */
  readonly repositories: Readonly<Record<string, EcrRepository>>;
  /** Repository URLs by key (`<account>.dkr.ecr.<region>.amazonaws.com/<name>`), for `docker push` and image references. */
  readonly repositoryUrls: Readonly<Record<string, string>>;
  /** Repository ARNs by key. */
  readonly repositoryArns: Readonly<Record<string, string>>;
  /** Repository names by key. */
  readonly repositoryNames: Readonly<Record<string, string>>;

  constructor(scope: Construct, id: string, props: ContainerRegistryProps) {
    super(scope, id);
    const p = withDefaults(props);
    validateContainerRegistryProps(this, p);
    const policy = lifecyclePolicyText(p);

    const repositories: Record<string, EcrRepository> = {};
    for (const [key, definition] of Object.entries(p.repositories)) {
      const repository = new EcrRepository(this, `Repository-${key}`, {
        name: definition.name,
        imageTagMutability: p.imageTagMutability,
        imageScanningConfiguration: { scanOnPush: p.scanOnPush },
        encryptionConfiguration: [p.kmsKeyArn === undefined ? { encryptionType: "AES256" } : { encryptionType: "KMS", kmsKey: p.kmsKeyArn }],
        forceDelete: p.forceDelete,
        tags: { ...p.tags },
      });
      new EcrLifecyclePolicy(this, `LifecyclePolicy-${key}`, { repository: repository.name, policy });
      repositories[key] = repository;
    }
    this.repositories = repositories;
    const each = (attribute: (r: EcrRepository) => string) => Object.fromEntries(Object.entries(repositories).map(([key, r]) => [key, attribute(r)]));
    this.repositoryUrls = each((r) => r.repositoryUrl);
    this.repositoryArns = each((r) => r.arn);
    this.repositoryNames = each((r) => r.name);
  }

  /**
   * IAM statements letting a role pull images from the repositories, for the caller to attach (e.g. in an
   * `aws_iam_role_policy` with `Fn.jsonencode({ Version: "2012-10-17", Statement: registry.pullPolicyStatements() })`):
   * BatchCheckLayerAvailability, BatchGetImage and GetDownloadUrlForLayer on the repositories, and
   * GetAuthorizationToken (the `docker login`, which has no resource) on "*" in a statement of its own. With
   * kmsKeyArn no KMS permission is needed: ECR decrypts through its own grant on the key.
   * @param keys the repositories' keys; every repository when left out
   */
  pullPolicyStatements(keys?: readonly string[]): RegistryPolicyStatement[] {
    const known = Object.keys(this.repositories);
    const chosen = keys ?? known;
    const unknown = chosen.filter((k) => !known.includes(k));
    validateAll(this, [
      { failed: chosen.length === 0, message: "pullPolicyStatements keys is empty: name at least one repository key, or leave keys out for every repository." },
      ...unknown.map((k) => ({ failed: true, message: `pullPolicyStatements key "${k}" is not a repository of this registry: use one of ${known.join(", ")}.` })),
    ]);
    const sid = pascalCase(this.node.id);
    return [
      { Sid: `${sid}Pull`, Effect: "Allow", Action: [...PULL_ACTIONS], Resource: [...new Set(chosen)].map((k) => this.repositoryArns[k]!) },
      { Sid: `${sid}AuthorizationToken`, Effect: "Allow", Action: ["ecr:GetAuthorizationToken"], Resource: ["*"] },
    ];
  }
}

/** The policy as JSON text: plain JSON when the numbers are known at synth, `jsonencode(...)` when one is a Terraform number. */
function lifecyclePolicyText(p: ResolvedContainerRegistryProps): string {
  const policy = lifecyclePolicyOf(p.keepImages, p.untaggedExpiryDays);
  return isKnown(p.keepImages) && isKnown(p.untaggedExpiryDays) ? JSON.stringify(policy) : Fn.jsonencode(policy);
}
