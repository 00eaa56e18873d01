import { Fn } from "cdktf";

/**
 * Graviton instance families: a1, and every family whose suffix after the generation digit has a "g"
 * (t4g, m7g, c6gn, m6gd, x2gd, im4gn, is4gen, g5g, hpc7g, …). Kept as a Terraform expression because
 * the instance type is usually a variable that is only known at plan time.
 */
export const GRAVITON_INSTANCE_TYPE = "^(a1|[a-z]+[0-9]+[a-z-]*g[a-z-]*)[.]";

/** Terraform expression: "arm64" for Graviton instance types, "x86_64" for the rest. */
export function cpuArchitecture(instanceType: string): string {
  return Fn.conditional(Fn.can(Fn.regex(GRAVITON_INSTANCE_TYPE, instanceType)), "arm64", "x86_64");
}

/** Docker's name for the architecture. */
export function dockerPlatform(architecture: string): string {
  return Fn.format("linux/%s", [Fn.replace(architecture, "x86_64", "amd64")]);
}

/** Public SSM parameter with the newest Amazon Linux 2023 AMI for the architecture. */
export function al2023AmiParameter(architecture: string): string {
  return `/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-${architecture}`;
}
