import { Construct } from "constructs";
import { TerraformOutput, TerraformStack, TerraformVariable } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { DataAwsPartition } from "@cdktf/provider-aws/lib/data-aws-partition";
import { DataAwsCallerIdentity } from "@cdktf/provider-aws/lib/data-aws-caller-identity";
import { DataAwsRegion } from "@cdktf/provider-aws/lib/data-aws-region";
import { CostEstimate } from "../modules/cost-estimate/index.js";
import { configureBackend, StateBackendConfig } from "./backend.js";
import { REGION_RULE, variable } from "./variables.js";

/** What every system stack is given by the app. */
export interface SystemStackProps {
  /** Environment this stack deploys (demo, prod, …). */
  readonly environment: string;
  /**
   * Where Terraform keeps state.
   * @default - local state at the repository root
   */
  readonly backend?: StateBackendConfig;
}

/** Who the stack is: the system and how it is shown. */
export interface SystemIdentity {
  /** System name: stacks are `<name>-<environment>`, tfvars `environments/<name>/<environment>.tfvars`. */
  readonly name: string;
  /** Display name: the Project tag of every resource. */
  readonly displayName: string;
  /** What the cost estimate covers and leaves out (the total's output description). */
  readonly costSummary: string;
}

export function stackName(system: string, environment: string): string {
  return `${system}-${environment}`;
}

/**
 * What every system needs once per stack: its state backend, the AWS provider with default tags, the
 * `aws_region` and `environment` variables, the partition / account / region data sources (created on first use),
 * an output helper, and the cost estimate's outputs (every module that costs money adds its items).
 */
export abstract class SystemStack extends TerraformStack {
  readonly system: SystemIdentity;
  readonly environmentName: string;
  /** `var.aws_region`. */
  readonly awsRegion: TerraformVariable;
  /** `var.environment`: fixed per stack, validated so a tfvars file of another environment is refused. */
  readonly environmentVariable: TerraformVariable;
  readonly costEstimate: CostEstimate;
  private partitionData?: DataAwsPartition;
  private accountData?: DataAwsCallerIdentity;
  private regionData?: DataAwsRegion;

  protected constructor(scope: Construct, system: SystemIdentity, props: SystemStackProps) {
    const name = stackName(system.name, props.environment);
    super(scope, name);
    this.system = system;
    this.environmentName = props.environment;
    configureBackend(this, name, props.backend ?? {});

    const env = props.environment;
    this.awsRegion = variable(this, "aws_region", { type: "string", default: "us-east-1", description: "AWS region to deploy to." }, [REGION_RULE("aws_region")]);
    this.environmentVariable = variable(
      this,
      "environment",
      { type: "string", default: env, description: `Environment name; this stack is for "${env}".` },
      [[`var.environment == "${env}"`, `This is the ${name} stack: set environment = "${env}" or use environments/${system.name}/${env}.tfvars with it.`]],
    );
    new AwsProvider(this, "aws", {
      region: this.awsRegion.stringValue,
      defaultTags: [{ tags: { Project: system.displayName, Environment: this.environmentVariable.stringValue, ManagedBy: "Terraform" } }],
    });
    this.costEstimate = CostEstimate.of(this);
    this.costEstimate.writeOutputs(this, system.costSummary);
  }

  /** The AWS partition (`aws`, `aws-cn`, …), from one data source per stack. */
  get partition(): string {
    this.partitionData ??= new DataAwsPartition(this, "partition");
    return this.partitionData.partition;
  }

  /** The account Terraform deploys into. */
  get accountId(): string {
    this.accountData ??= new DataAwsCallerIdentity(this, "account");
    return this.accountData.accountId;
  }

  /** The region the provider deploys into, as AWS reports it. */
  get regionName(): string {
    this.regionData ??= new DataAwsRegion(this, "region");
    return this.regionData.region;
  }

  /** An output named exactly `name` (construct ids share one namespace with variables, so they are prefixed). */
  protected output(name: string, value: unknown, description: string, options: { sensitive?: boolean } = {}): TerraformOutput {
    const output = new TerraformOutput(this, `output_${name}`, { value, description, sensitive: options.sensitive });
    output.overrideLogicalId(name);
    return output;
  }
}
