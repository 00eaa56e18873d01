import { Construct } from "constructs";
import { Fn, TerraformLocal, Token } from "cdktf";
// Provider docs: https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/instance
import { Instance } from "@cdktf/provider-aws/lib/instance";
import { EbsVolume } from "@cdktf/provider-aws/lib/ebs-volume";
import { VolumeAttachment } from "@cdktf/provider-aws/lib/volume-attachment";
import { Eip } from "@cdktf/provider-aws/lib/eip";
import { EipAssociation } from "@cdktf/provider-aws/lib/eip-association";
import { DataAwsSsmParameter } from "@cdktf/provider-aws/lib/data-aws-ssm-parameter";
import { DataAwsCallerIdentity } from "@cdktf/provider-aws/lib/data-aws-caller-identity";
import { DataAwsPartition } from "@cdktf/provider-aws/lib/data-aws-partition";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { choose, countWhen, isNonEmpty, renderTemplate } from "../core/index.js";
import { al2023AmiParameter, cpuArchitecture, dockerPlatform } from "./architecture.js";
import { InstanceRole } from "./instance-role.js";
import { SecretParameters } from "./secret-parameters.js";
import { DATA_DEVICE_NAME, DATA_DIR, DATA_MOUNT, EC2_OPENLIT_DEFAULTS, Ec2OpenlitProps, SNAPSHOT_TAG_KEY } from "./props.js";
import { validateEc2OpenlitProps } from "./validate-props.js";

/**
 * OpenLIT (UI + OpenTelemetry Collector) on one EC2 instance with Docker Compose: the RFC's `ec2-openlit`
 * module, with OpenLIT's data on its own encrypted volume and secrets in SSM instead of user-data.
 */
export class Ec2Openlit extends Construct {
  readonly instance: Instance;
  readonly dataVolume: EbsVolume;
  readonly publicIp: Eip;
  /** Points the Elastic IP at the instance; depend on it before reaching the instance by its address. */
  readonly publicIpAssociation: EipAssociation;
  readonly role: InstanceRole;
  /** "arm64" or "x86_64" (Terraform expression). */
  readonly architecture: string;
  /** Full image reference of the OpenLIT UI (Terraform expression). */
  readonly openlitImage: string;
  /** Instance type and volume sizes as given (Terraform expressions), for cost estimates. */
  readonly sizing: { readonly instanceType: string; readonly rootVolumeSizeGiB: number; readonly dataVolumeSizeGiB: number };
  /** SSM path holding this instance's secrets. */
  readonly parameterPath: string;
  /** The one tag that marks the data volume for daily snapshots. */
  readonly snapshotTag: { readonly key: string; readonly value: string };
  /** Name of the container log group (whether or not it is enabled). */
  readonly logGroupName: string;
  /** Partition and account the stack deploys into (Terraform expressions). */
  readonly partition: string;
  readonly accountId: string;

  constructor(scope: Construct, id: string, props: Ec2OpenlitProps) {
    super(scope, id);
    validateEc2OpenlitProps(this, props);
    const d = EC2_OPENLIT_DEFAULTS;
    const instanceType = props.instanceType ?? d.instanceType;
    const keyPairName = props.keyPairName ?? d.keyPairName;
    const rootVolumeSizeGiB = props.rootVolumeSizeGiB ?? d.rootVolumeSizeGiB;
    const dataVolumeSizeGiB = props.dataVolumeSizeGiB ?? d.dataVolumeSizeGiB;
    const image = props.image ?? {};
    const name = `openlit-${props.environment}`;
    this.parameterPath = `/openlit/${props.environment}`;
    this.sizing = { instanceType, rootVolumeSizeGiB, dataVolumeSizeGiB };

    const partition = new DataAwsPartition(this, "Partition").partition;
    const callerAccount = new DataAwsCallerIdentity(this, "Account").accountId;
    this.partition = partition;
    this.accountId = callerAccount;
    this.snapshotTag = { key: SNAPSHOT_TAG_KEY, value: `${name}-data` };

    // Container logs: a log group per stack, when enabled.
    const logsEnabled = props.containerLogsEnabled ?? d.containerLogsEnabled;
    this.logGroupName = `/openlit/${props.environment}/containers`;
    const logGroup = new CloudwatchLogGroup(this, "ContainerLogs", {
      name: this.logGroupName,
      retentionInDays: props.logRetentionDays ?? d.logRetentionDays,
    });
    logGroup.count = countWhen(logsEnabled);

    this.architecture = new TerraformLocal(this, "architecture", cpuArchitecture(instanceType)).asString;
    const ami = new DataAwsSsmParameter(this, "Al2023Ami", { name: al2023AmiParameter(this.architecture) });

    // Image: ECR when a repository is given (the RFC's custom build), else OpenLIT's public image.
    const ecrRepository = image.ecrRepository ?? "";
    const usesEcr = isNonEmpty(ecrRepository);
    const ecrAccount = Token.asString(Fn.conditional(isNonEmpty(image.awsAccountId ?? ""), image.awsAccountId ?? "", callerAccount));
    const ecrRegistry = `${ecrAccount}.dkr.ecr.${props.region}.amazonaws.com`;
    const tag = image.tag ?? "";
    const publicImage = props.publicImage ?? d.publicImage;
    const publicRepository = publicImage.split(/:(?=[^:/]+$)/)[0];
    this.openlitImage = new TerraformLocal(
      this,
      "openlit_image",
      Fn.conditional(
        usesEcr,
        `${ecrRegistry}/${ecrRepository}:${Token.asString(Fn.conditional(isNonEmpty(tag), tag, d.ecrTag))}`,
        Fn.conditional(isNonEmpty(tag), `${publicRepository}:${tag}`, publicImage),
      ),
    ).asString;

    const demo = props.demoAccounts ?? { emails: "", passwords: "" };
    const demoEnabled = isNonEmpty(demo.emails);
    const secrets = new SecretParameters(this, "Secrets", {
      path: this.parameterPath,
      clickhousePassword: props.clickhouse.password,
      demoEnabled,
      demoPasswords: demo.passwords,
      version: props.secretsVersion ?? d.secretsVersion,
    });

    this.role = new InstanceRole(this, "Role", {
      namePrefix: `${name}-`,
      partition,
      region: props.region,
      accountId: callerAccount,
      parameterPath: this.parameterPath,
      usesEcr,
      ecrRepositoryArn: `arn:${partition}:ecr:${props.region}:${ecrAccount}:repository/${ecrRepository}`,
      logsEnabled,
      logGroupArn: `arn:${partition}:logs:${props.region}:${callerAccount}:log-group:${this.logGroupName}`,
    });

    // The data volume is created first and in a fixed zone, so a replaced instance finds it again.
    this.dataVolume = new EbsVolume(this, "DataVolume", {
      availabilityZone: props.availabilityZone,
      size: dataVolumeSizeGiB,
      type: "gp3",
      encrypted: true,
      finalSnapshot: props.dataVolumeFinalSnapshot ?? d.dataVolumeFinalSnapshot,
      tags: {
        Name: `${name}-data`,
        "openlit:role": "data",
        "openlit:environment": props.environment,
        [this.snapshotTag.key]: this.snapshotTag.value,
      },
    });

    // Locals keep every interpolation in the boot script a plain reference, readable in `terraform plan`.
    const local = (name: string, expression: string) => new TerraformLocal(this, name, expression).asString;
    const platform = local("docker_platform", dockerPlatform(this.architecture));
    const logging = local(
      "container_logging",
      choose(
        logsEnabled,
        Fn.jsonencode({
          driver: "awslogs",
          options: { "awslogs-region": props.region, "awslogs-group": this.logGroupName, "awslogs-stream-prefix": name, mode: "non-blocking" },
        }),
        Fn.jsonencode({ driver: "json-file", options: { "max-size": "10m", "max-file": "5" } }),
      ),
    );
    const composeFile = renderTemplate("docker-compose.aws.yml.hbs", {
      logging,
      openlitImage: this.openlitImage,
      collectorImage: props.collectorImage ?? d.collectorImage,
      platform,
      dataDir: DATA_DIR,
    });
    const collectorConfig = renderTemplate("otel-collector-config.yaml.hbs", {
      otelHost: props.otel.host,
      otelPort: props.otel.port,
      otelSecure: Token.asString(props.otel.secure),
      database: props.clickhouse.database,
      username: props.clickhouse.username,
    });
    const userData = renderTemplate(
      "user-data.sh.hbs",
      {
        environment: props.environment,
        region: props.region,
        dataVolumeId: this.dataVolume.id,
        dataMount: DATA_MOUNT,
        dataDir: DATA_DIR,
        composeVersion: props.composeVersion ?? d.composeVersion,
        volumeWaitSeconds: props.volumeWaitSeconds ?? d.volumeWaitSeconds,
        telemetryEnabled: props.telemetryEnabled ?? d.telemetryEnabled,
        clickhouseHost: props.clickhouse.host,
        clickhousePort: props.clickhouse.port,
        clickhouseDatabase: props.clickhouse.database,
        clickhouseUsername: props.clickhouse.username,
        demoEmails: demo.emails,
        clickhousePasswordParameter: secrets.clickhousePasswordName,
        demoPasswordsParameter: local("demo_passwords_parameter", secrets.demoPasswordsName),
        ecrRegistry: local("ecr_registry", Token.asString(Fn.conditional(usesEcr, ecrRegistry, ""))),
      },
      {
        composeFile: composeFile.trimEnd(),
        collectorConfig: collectorConfig.trimEnd(),
        cloudwatchAgentConfig: renderTemplate("cloudwatch-agent.json.hbs", { dataMount: DATA_MOUNT }).trimEnd(),
      },
    );

    this.instance = new Instance(this, "Resource", {
      ami: ami.insecureValue,
      instanceType,
      subnetId: props.subnetId,
      vpcSecurityGroupIds: [...props.securityGroupIds],
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
      rootBlockDevice: {
        volumeType: "gp3",
        volumeSize: rootVolumeSizeGiB,
        encrypted: true,
        deleteOnTermination: true,
      },
      userData,
      // Safe because the data lives on its own volume: a new boot script means a fresh instance.
      userDataReplaceOnChange: true,
      tags: { Name: name },
      // A new AMI release must never replace the running instance by surprise.
      lifecycle: { ignoreChanges: ["ami"] },
    });

    new VolumeAttachment(this, "DataVolumeAttachment", {
      deviceName: DATA_DEVICE_NAME,
      volumeId: this.dataVolume.id,
      instanceId: this.instance.id,
      // Stop first so the filesystem is unmounted cleanly before the volume moves to a new instance.
      stopInstanceBeforeDetaching: true,
    });

    this.publicIp = new Eip(this, "PublicIp", { domain: "vpc", tags: { Name: name } });
    this.publicIpAssociation = new EipAssociation(this, "PublicIpAssociation", {
      allocationId: this.publicIp.allocationId,
      instanceId: this.instance.id,
    });

  }
}
