import { applyDefaults, Switch } from "../core/index.js";

/** One repository. */
export interface RepositoryDefinition {
  /**
   * Repository name, unique in the account and region: 2-256 characters, lower-case letters, digits and `. _ -`
   * between them, namespaces separated by "/", e.g. "shop/api". Renaming replaces the repository.
   */
  readonly name: string;
}

/** "IMMUTABLE": a pushed tag always names the same image; "MUTABLE": a push may move a tag to another image. */
export type ImageTagMutability = "IMMUTABLE" | "MUTABLE";

export interface ContainerRegistryProps {
  /**
   * The repositories, keyed by a stable key (lower-case letters, digits and hyphens; part of the Terraform address
   * and of the outputs' keys).
   */
  readonly repositories: Readonly<Record<string, RepositoryDefinition>>;
  /**
   * "IMMUTABLE": a pushed tag never changes, so deploying or rolling back to a tag gets exactly the image that was
   * tested (push every build under a new tag, e.g. the commit). "MUTABLE" lets a push move a tag such as "latest".
   * @default "IMMUTABLE"
   */
  readonly imageTagMutability?: ImageTagMutability;
  /**
   * Basic scanning of each pushed image for known vulnerabilities (no charge); the findings show in the console.
   * @default true
   */
  readonly scanOnPush?: Switch;
  /**
   * Images kept per repository: the lifecycle policy expires the oldest beyond this many, tagged or not (1-10000).
   * A tag you may roll back to must be among them.
   * @default 20
   */
  readonly keepImages?: number;
  /**
   * Days after its push that an untagged image (one whose tag moved or was never set, e.g. a layer of a multi-arch
   * build's previous push) expires; the rule runs before the keepImages count.
   * @default 7
   */
  readonly untaggedExpiryDays?: number;
  /**
   * Whether `terraform destroy` deletes a repository that still has images (otherwise it fails until they are gone).
   * @default false
   */
  readonly forceDelete?: Switch;
  /**
   * ARN of a customer managed KMS key that encrypts the images (KMS). The encryption of a repository cannot change:
   * setting or changing the key replaces the repositories, images included. ECR puts a grant on the key when it
   * creates a repository (whoever applies needs kms:CreateGrant and kms:DescribeKey on it) and decrypts through that
   * grant, so the roles that pull need no KMS permission.
   * @default - AES256: encryption with keys Amazon ECR manages (no KMS charge)
   */
  readonly kmsKeyArn?: string;
  /**
   * Tags for every repository.
   * @default - none beyond the provider's default_tags
   */
  readonly tags?: Readonly<Record<string, string>>;
}

/** Defaults, applied in one place. */
export const CONTAINER_REGISTRY_DEFAULTS = {
  imageTagMutability: "IMMUTABLE" as ImageTagMutability,
  scanOnPush: true as Switch,
  keepImages: 20,
  untaggedExpiryDays: 7,
  forceDelete: false as Switch,
  tags: {} as Readonly<Record<string, string>>,
};

/** Props with every default applied. */
export type ResolvedContainerRegistryProps = ContainerRegistryProps & Required<Pick<ContainerRegistryProps, keyof typeof CONTAINER_REGISTRY_DEFAULTS>>;

export function withDefaults(props: ContainerRegistryProps): ResolvedContainerRegistryProps {
  return applyDefaults(props, CONTAINER_REGISTRY_DEFAULTS);
}

/** The largest countNumber ECR's lifecycle policy takes for keepImages (imageCountMoreThan). */
export const MAX_KEEP_IMAGES = 10_000;
