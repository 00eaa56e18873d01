import { Construct } from "constructs";
import { Fn, Op, TerraformLocal, Token } from "cdktf";
// Provider docs: https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/instance
import { Instance } from "@cdktf/provider-aws/lib/instance";
import { EbsVolume } from "@cdktf/provider-aws/lib/ebs-volume";
import { VolumeAttachment } from "@cdktf/provider-aws/lib/volume-attachment";
import { Eip } from "@cdktf/provider-aws/lib/eip";
import { EipAssociation } from "@cdktf/provider-aws/lib/eip-association";
import { DataAwsSsmParameter } from "@cdktf/provider-aws/lib/data-aws-ssm-parameter";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { accountOnlyKeyPolicy, choose, countWhen, isNonEmpty, renderTemplate, Switch } from "../core/index.js";
import { SecureParameters } from "../secure-parameters/index.js";
import {
  CostEstimate, costKey, CUSTOM_METRIC_USD_PER_MONTH, GP3_USD_PER_GIB_MONTH, KMS_KEY_USD_PER_MONTH, monthlyInstancePrice, PUBLIC_IPV4_USD_PER_MONTH,
} from "../cost-estimate/index.js";
import { al2023AmiParameter, cpuArchitecture, dockerPlatform } from "./architecture.js";
import { HostRole } from "./host-role.js";
import { COMPOSE_HOST_DEFAULTS, ComposeHostProps, DATA_DEVICE_NAME, HostApplication, HostSecretsManagerSecret } from "./props.js";
import { validateComposeHostProps } from "./validate-props.js";

/** What the host offers the application while it is being defined (see {@link ComposeHostProps.application}). */
export interface HostFacts {
  /** "arm64" or "x86_64" (Terraform expression). */
  readonly architecture: string;
  /** Docker's platform for the CPU, e.g. `linux/arm64` (Terraform expression), for the compose file. */
  readonly platform: string;
  /** The compose `logging` mapping as JSON (awslogs or rotated json-file), for an `x-logging` anchor. */
  readonly logging: string;
  /**
   * The compose `logging` mapping, as {@link logging}, for one of `containerLogs.extraGroups` (by its key): a service
   * given it logs to that group. Throws for a key that is not there.
   */
  loggingFor(key: string): string;
  /** Root-only env file holding the secrets, written before every start; "" when the host has no secrets. */
  readonly secretsEnvFile: string;
  /** Registry host of the ECR image ("" without ECR), e.g. for the image reference. */
  readonly ecrRegistry: string;
  /**
   * A local value of the host: keeps an interpolation in the boot script a plain reference (`local.<name>`),
   * readable in `terraform plan`.
   */
  local(id: string, expression: string): string;
  /** SSM name of one of the host's secrets (by its key), "" when that secret is switched off. */
  secretParameter(key: string): string;
}

/**
 * One EC2 instance that runs a Docker Compose application: Amazon Linux 2023 for the instance type's CPU,
 * IMDSv2, an encrypted root volume, an optional data volume of its own (surviving instance replacement), an
 * optional Elastic IP, a role the caller can extend, secrets from SSM read at every start into a root-only env
 * file, container logs in CloudWatch, the CloudWatch agent, swap, and optionally the spot market.
 */
export class ComposeHost extends Construct {
  readonly instance: Instance;
  readonly role: HostRole;
  /** The data volume, when there is one. */
  readonly dataVolume?: EbsVolume;
  /** Attaches the data volume; depend on it before using the volume from the instance. */
  readonly dataVolumeAttachment?: VolumeAttachment;
  /** The KMS key of the data volume and its snapshots, when the volume has its own. */
  readonly dataKey?: KmsKey;
  /** The Elastic IP, when there is one. */
  readonly publicIp?: Eip;
  /** Points the Elastic IP at the instance; depend on it before reaching the instance by its address. */
  readonly publicIpAssociation?: EipAssociation;
  /** The secrets, when there are any. */
  readonly secrets?: SecureParameters;
  /** "arm64" or "x86_64" (Terraform expression). */
  readonly architecture: string;
  /** Name of the container log group (whether or not it is enabled); "" without container logs. */
  readonly logGroupName: string;
  /** Names of `containerLogs.extraGroups`, by key (whether or not they are enabled). */
  readonly extraLogGroupNames: Readonly<Record<string, string>>;
  /** Instance type as given (Terraform expression or literal). */
  readonly instanceType: string;
  /** The boot script as Terraform renders it (a reference to the local holding it; the instance gets it gzipped). */
  readonly bootScript: string;

  constructor(scope: Construct, id: string, props: ComposeHostProps) {
    super(scope, id);
    validateComposeHostProps(this, props);
    const d = COMPOSE_HOST_DEFAULTS;
    const instanceType = props.instanceType ?? d.instanceType;
    const keyPairName = props.keyPairName ?? d.keyPairName;
    const rootVolumeSizeGiB = props.rootVolumeSizeGiB ?? d.rootVolumeSizeGiB;
    this.instanceType = instanceType;

    const software = hostSoftware(this, props, instanceType);
    this.architecture = software.architecture;
    this.secrets = software.secrets;
    this.role = software.role;
    this.logGroupName = software.logGroupName;
    this.extraLogGroupNames = software.extraLogGroupNames;
    const ami = software.ami;

    // The data volume is created first and in a fixed zone, so a replaced instance finds it again.
    const volume = props.dataVolume;
    if (volume) {
      if (volume.customerManagedKey ?? true) {
        this.dataKey = new KmsKey(this, "DataKey", {
          description: `${props.name}: data volume and its snapshots`,
          enableKeyRotation: true,
          // Final snapshots outlive the stack: a month to restore them (or cancel the deletion) after a destroy.
          deletionWindowInDays: 30,
          // The host's role is given no use of it.
          policy: accountOnlyKeyPolicy(props.partition, props.accountId),
          tags: { Name: `${props.name}-data` },
        });
      }
      this.dataVolume = new EbsVolume(this, "DataVolume", {
        availabilityZone: props.availabilityZone,
        size: volume.sizeGiB,
        type: "gp3",
        encrypted: true,
        kmsKeyId: this.dataKey?.arn,
        // A volume created before its key keeps the key it has: a new key would mean a new, empty volume.
        lifecycle: this.dataKey ? { ignoreChanges: ["kms_key_id"] } : undefined,
        finalSnapshot: volume.finalSnapshot ?? d.dataVolumeFinalSnapshot,
        tags: {
          Name: `${props.name}-data`,
          ...volume.tags,
          ...(volume.snapshotTag ? { [volume.snapshotTag.key]: volume.snapshotTag.value } : {}),
        },
      });
    }

    this.bootScript = software.bootScript(this.dataVolume?.id);

    this.instance = new Instance(this, "Resource", {
      ami: ami.insecureValue,
      instanceType,
      subnetId: props.subnetId,
      vpcSecurityGroupIds: [...props.securityGroupIds],
      associatePublicIpAddress: props.associatePublicIp,
      keyName: Fn.conditional(isNonEmpty(keyPairName), keyPairName, Token.nullValue()),
      iamInstanceProfile: this.role.profile.name,
      monitoring: props.detailedMonitoring ?? d.detailedMonitoring,
      metadataOptions: {
        httpEndpoint: "enabled",
        httpTokens: "required",
        // 1 hop: the host's scripts reach IMDS, containers (one more hop) do not.
        httpPutResponseHopLimit: 1,
      },
      maintenanceOptions: { autoRecovery: "default" },
      // A persistent request that stops on interruption: the instance and its volumes come back with capacity.
      instanceMarketOptions: (props.spot ?? d.spot)
        ? { marketType: "spot", spotOptions: { spotInstanceType: "persistent", instanceInterruptionBehavior: "stop" } }
        : undefined,
      rootBlockDevice: {
        volumeType: "gp3",
        volumeSize: rootVolumeSizeGiB,
        encrypted: true,
        deleteOnTermination: true,
      },
      userDataBase64: Fn.base64gzip(this.bootScript),
      // Safe because the data lives on its own volume: a new boot script means a fresh instance.
      userDataReplaceOnChange: true,
      tags: { Name: props.name },
      // A new AMI release must never replace the running instance by surprise.
      lifecycle: { ignoreChanges: ["ami"] },
    });

    if (this.dataVolume) {
      this.dataVolumeAttachment = new VolumeAttachment(this, "DataVolumeAttachment", {
        deviceName: DATA_DEVICE_NAME,
        volumeId: this.dataVolume.id,
        instanceId: this.instance.id,
        // Stop first so the filesystem is unmounted cleanly before the volume moves to a new instance.
        stopInstanceBeforeDetaching: true,
      });
    }

    if (props.elasticIp ?? d.elasticIp) {
      this.publicIp = new Eip(this, "PublicIp", { domain: "vpc", tags: { Name: props.name } });
      this.publicIpAssociation = new EipAssociation(this, "PublicIpAssociation", {
        allocationId: this.publicIp.allocationId,
        instanceId: this.instance.id,
      });
    }

    this.addCosts(props, instanceType, rootVolumeSizeGiB);
  }

  private addCosts(props: ComposeHostProps, instanceType: string, rootVolumeSizeGiB: number): void {
    const cost = CostEstimate.of(this);
    const key = (item: string) => costKey(this, item);
    cost.add(
      props.spot ?? COMPOSE_HOST_DEFAULTS.spot
        ? {
            key: key("instance"),
            usd: Token.asNumber(Op.mul(monthlyInstancePrice(instanceType), props.spotPriceFactor ?? COMPOSE_HOST_DEFAULTS.spotPriceFactor)),
            description: `${props.title} instance (spot: on-demand list price x the spot price factor)`,
          }
        : { key: key("instance"), usd: monthlyInstancePrice(instanceType), description: `${props.title} instance (on-demand list price)` },
      {
        key: key("volumes"),
        usd: volumesUsd(rootVolumeSizeGiB, props.dataVolume?.sizeGiB),
        description: "gp3 root and data volumes",
      },
      // The agent publishes mem_used_percent and disk_used_percent for / and the data volume.
      { key: key("agent-metrics"), usd: (props.dataVolume ? 3 : 2) * CUSTOM_METRIC_USD_PER_MONTH, description: "CloudWatch agent custom metrics" },
    );
    if (props.elasticIp ?? COMPOSE_HOST_DEFAULTS.elasticIp) {
      cost.add({ key: key("public-ipv4"), usd: PUBLIC_IPV4_USD_PER_MONTH, description: "public IPv4 address" });
    }
    if (this.dataKey) cost.add({ key: key("data-key"), usd: KMS_KEY_USD_PER_MONTH, description: "KMS key of the data volume" });
  }
}

/** The props of the software every compose host runs, whatever runs it (one instance, an Auto Scaling group). */
export type HostSoftwareProps = Pick<
  ComposeHostProps,
  | "name" | "appName" | "title" | "environment" | "region" | "partition" | "accountId" | "secrets" | "secretsManagerSecrets"
  | "containerLogs" | "ecr" | "roleDescription" | "application" | "serviceDescription" | "composeVersion" | "volumeWaitSeconds" | "dataVolume"
>;

/** What {@link hostSoftware} created, and the boot script still to render. */
export interface HostSoftware {
  /** "arm64" or "x86_64" (Terraform expression). */
  readonly architecture: string;
  /** Amazon Linux 2023 AMI for the architecture (SSM public parameter). */
  readonly ami: DataAwsSsmParameter;
  readonly role: HostRole;
  readonly secrets?: SecureParameters;
  readonly logGroupName: string;
  readonly extraLogGroupNames: Readonly<Record<string, string>>;
  /**
   * Defines the application (its `application` callback) and renders the boot script into the local `user_data`;
   * returns the reference to it. Give the data volume's id when props.dataVolume is set.
   */
  bootScript(dataVolumeId?: string): string;
}

/**
 * The host's software, created in `scope` with the ids ComposeHost has always used (they are resource addresses):
 * container log groups, the architecture and its AMI, the secrets, the role; then, on bootScript(), the locals, the
 * application and its boot script. ComposeHost and AutoScalingHosts share it.
 */
export function hostSoftware(scope: Construct, props: HostSoftwareProps, instanceType: string): HostSoftware {
  const d = COMPOSE_HOST_DEFAULTS;
  // Container logs: a log group per host, when enabled.
  const logs = props.containerLogs;
  const logsEnabled: Switch = logs?.enabled ?? false;
  const logGroupName = logs?.groupName ?? "";
  const extraLogGroups = Object.entries(logs?.extraGroups ?? {});
  const extraLogGroupNames: Readonly<Record<string, string>> = Object.fromEntries(extraLogGroups.map(([key, group]) => [key, group.groupName]));
  if (logs) {
    const logGroup = new CloudwatchLogGroup(scope, "ContainerLogs", {
      name: logs.groupName,
      retentionInDays: logs.retentionDays ?? d.logRetentionDays,
    });
    logGroup.count = countWhen(logsEnabled);
    for (const [key, group] of extraLogGroups) {
      const extra = new CloudwatchLogGroup(scope, `ContainerLogs-${key}`, {
        name: group.groupName,
        retentionInDays: logs.retentionDays ?? d.logRetentionDays,
      });
      extra.count = countWhen(logsEnabled);
    }
  }
  const logGroupArn = (groupName: string) => `arn:${props.partition}:logs:${props.region}:${props.accountId}:log-group:${groupName}`;

  const architecture = new TerraformLocal(scope, "architecture", cpuArchitecture(instanceType)).asString;
  const ami = new DataAwsSsmParameter(scope, "Al2023Ami", { name: al2023AmiParameter(architecture) });

  const ecrRepository = props.ecr?.repository ?? "";
  const usesEcr = isNonEmpty(ecrRepository);
  const ecrAccount = Token.asString(Fn.conditional(isNonEmpty(props.ecr?.accountId ?? ""), props.ecr?.accountId ?? "", props.accountId));
  const ecrRegistry = `${ecrAccount}.dkr.ecr.${props.region}.amazonaws.com`;

  const secrets = props.secrets && new SecureParameters(scope, "Secrets", {
      path: props.secrets.path,
      version: props.secrets.version ?? d.secretsVersion,
      parameters: props.secrets.parameters,
    });

  const role = new HostRole(scope, "Role", {
    namePrefix: `${props.name}-`,
    description: props.roleDescription ?? `${props.title} instance: Session Manager, own SSM parameters, ECR pull, metrics, container logs`,
    partition: props.partition,
    region: props.region,
    accountId: props.accountId,
    parameterPath: props.secrets?.path ?? "",
    usesEcr,
    ecrRepositoryArn: `arn:${props.partition}:ecr:${props.region}:${ecrAccount}:repository/${ecrRepository}`,
    logsEnabled,
    logGroupArn: logGroupArn(logGroupName),
    extraLogGroupArns: extraLogGroups.map(([, group]) => logGroupArn(group.groupName)),
  });

  const bootScript = (dataVolumeId?: string): string => {
    // Locals keep every interpolation in the boot script a plain reference, readable in `terraform plan`.
    const local = (name: string, expression: string) => new TerraformLocal(scope, name, expression).asString;
    const platform = local("docker_platform", dockerPlatform(architecture));
    const loggingTo = (groupName: string) =>
      choose(
        logsEnabled,
        Fn.jsonencode({
          driver: "awslogs",
          options: { "awslogs-region": props.region, "awslogs-group": groupName, "awslogs-stream-prefix": props.name, mode: "non-blocking" },
        }),
        Fn.jsonencode({ driver: "json-file", options: { "max-size": "10m", "max-file": "5" } }),
      );
    const logging = local("container_logging", loggingTo(logGroupName));
    // Keys are lower-case letters, digits and dashes (validated): as underscores they stay distinct local names.
    const extraLogging = new Map(extraLogGroups.map(([key, group]) => [key, local(`container_logging_${key.replace(/-/g, "_")}`, loggingTo(group.groupName))]));
    const loggingFor = (key: string) => {
      const json = extraLogging.get(key);
      if (json === undefined) throw new Error(`${scope.node.path}: no log group "${key}" (containerLogs.extraGroups has ${[...extraLogging.keys()].join(", ") || "none"})`);
      return json;
    };
    const smSecrets = props.secretsManagerSecrets ?? [];
    const secretsEnvFile = props.secrets || smSecrets.length > 0 ? `/etc/${props.appName}/secrets.env` : "";
    const secretLines = hostSecretLines(props, secrets, local);
    const registry = local("ecr_registry", Token.asString(Fn.conditional(usesEcr, ecrRegistry, "")));
    const parameterNames = new Map(secretLines.map((l) => [l.key, l.parameter]));
    const secretParameter = (key: string) => {
      const name = parameterNames.get(key);
      if (name === undefined) throw new Error(`${scope.node.path}: no secret "${key}" (secrets.parameters has ${[...parameterNames.keys()].join(", ") || "none"})`);
      return name;
    };
    const app = props.application({ architecture: architecture, platform, logging, loggingFor, secretsEnvFile, ecrRegistry: registry, local, secretParameter });

    // Kept readable in a local (`terraform plan` shows it; tests render it) and sent gzipped: EC2 takes 16 KB of
    // user data, cloud-init unpacks gzip by itself.
    return local("user_data", renderHostBootScript(props, app, { secretLines, registry, dataVolumeId }));
  };
  return { architecture, ami, role, secrets, logGroupName, extraLogGroupNames, bootScript };
}

/** The prestart script's lines: one shell variable per secret; optional secrets are skipped when switched off. */
function hostSecretLines(props: HostSoftwareProps, secrets: SecureParameters | undefined, local: (name: string, expression: string) => string) {
  const parameters = props.secrets?.parameters ?? {};
  let first = true;
  return (secrets?.entries ?? []).map(({ key, name }) => {
    const secret = parameters[key]!;
    const optional = (secret.enabled ?? true) !== true;
    const variable = `${key.replace(/-/g, "_").toUpperCase()}_PARAMETER`;
    const redirect = !optional && first && secret.envVar !== undefined ? ">" : ">>";
    if (!optional && secret.envVar !== undefined) first = false;
    return { key, variable, envVar: secret.envVar, optional, redirect, parameter: optional ? local(`${key.replace(/-/g, "_")}_parameter`, name) : name };
  });
}

function renderHostBootScript(
props: HostSoftwareProps,
app: HostApplication,
extra: { secretLines: ReturnType<typeof hostSecretLines>; registry: string; dataVolumeId?: string },
): string {
  const d = COMPOSE_HOST_DEFAULTS;
  const volume = props.dataVolume;
  const dataVolume = volume
    ? {
        id: extra.dataVolumeId!,
        mountPoint: volume.mountPoint,
        directory: volume.directory ?? "",
        label: volume.label ?? `${props.appName}-data`,
        growOnStart: volume.growOnStart ?? d.dataVolumeGrowOnStart,
      }
    : "";
  return renderTemplate(
    app.bootTemplate ?? d.bootTemplate,
    {
      ...app.context,
      name: props.appName,
      title: props.title,
      environment: props.environment,
      region: props.region,
      dataVolume,
      composeVersion: props.composeVersion ?? d.composeVersion,
      volumeWaitSeconds: props.volumeWaitSeconds ?? d.volumeWaitSeconds,
      // Only the secrets the containers read go to the env file; the others stay in SSM for the host's tools.
      secrets: extra.secretLines.filter((l): l is typeof l & { envVar: string } => l.envVar !== undefined),
      ...secretsManagerReads(props.secretsManagerSecrets ?? []),
      ecrRegistry: extra.registry,
      serviceDescription: props.serviceDescription ?? `${props.title} via Docker Compose`,
      readyMessage: app.readyMessage ?? `${props.appName}.service is running`,
    },
    {
      composeFile: app.composeFile.trimEnd(),
      preStart: app.preStart?.trimEnd() ?? "",
      postStart: app.postStart?.trimEnd() ?? "",
      files: Object.fromEntries(Object.entries(app.files ?? {}).map(([path, content]) => [path, content.trimEnd()])),
      cloudwatchAgentConfig: renderTemplate("host/cloudwatch-agent.json.hbs", { dataMount: volume?.mountPoint ?? "" }).trimEnd(),
    },
  );
}

/**
 * The prestart script's Secrets Manager reads. A secret that one entry takes whole keeps its own read, named after the
 * entry (`<envVar>_SECRET_ARN`); a secret that several entries share, or whose JSON keys entries take, is read once
 * into a shell variable (`secret_<n>`, its ARN in `SECRET_<n>_ARN`) that each of them takes its value from.
 */
function secretsManagerReads(secrets: readonly HostSecretsManagerSecret[]) {
  const byArn = new Map<string, HostSecretsManagerSecret[]>();
  for (const s of secrets) byArn.set(s.secretArn, [...(byArn.get(s.secretArn) ?? []), s]);
  const shared = [...byArn].filter(([, entries]) => entries.length > 1 || entries.some((e) => e.jsonKey !== undefined));
  const documents = shared.map(([secretArn, entries], i) => ({
    secretArn,
    variable: `SECRET_${i + 1}_ARN`,
    document: `secret_${i + 1}`,
    envVars: entries.map((e) => e.envVar).join(", "),
  }));
  const documentOf = new Map(documents.map((d) => [d.secretArn, d]));
  const entries = secrets.map((s) => {
    const doc = documentOf.get(s.secretArn);
    return { envVar: s.envVar, jsonKey: s.jsonKey ?? "", variable: doc?.variable ?? `${s.envVar}_SECRET_ARN`, secretArn: s.secretArn, document: doc?.document ?? "" };
  });
  return {
    secretsManagerSecrets: entries,
    // Every ARN variable once, in the order of first use.
    secretsManagerArns: [...new Map(entries.map((e) => [e.variable, { variable: e.variable, secretArn: e.secretArn }])).values()],
    secretsManagerDocuments: documents,
    secretsManagerJsonKeys: entries.some((e) => e.jsonKey !== ""),
  };
}

/** Terraform number expression (or a number): gp3 storage of the root and data volumes. */
function volumesUsd(rootGiB: number, dataGiB = 0): number {
  if (!Token.isUnresolved(rootGiB) && !Token.isUnresolved(dataGiB)) return (rootGiB + dataGiB) * GP3_USD_PER_GIB_MONTH;
  // Fn.sum, not Op.add: cdktf renders a literal 0 operand of Op.* as `undefined`.
  return Token.asNumber(Op.mul(Fn.sum([rootGiB, dataGiB]), GP3_USD_PER_GIB_MONTH));
}
