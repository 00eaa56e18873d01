import { Construct } from "constructs";
import { Fn, TerraformLocal, TerraformOutput, TerraformStack, Token } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { NullProvider } from "@cdktf/provider-null/lib/provider";
import { DataAwsAvailabilityZones } from "@cdktf/provider-aws/lib/data-aws-availability-zones";
import { DataAwsSubnet } from "@cdktf/provider-aws/lib/data-aws-subnet";
import { isEmpty, isNonEmpty } from "../modules/core/index.js";
import { DATA_MOUNT, Ec2Openlit, monthlyCostExpression } from "../modules/ec2-openlit/index.js";
import { HealthGate } from "../modules/health-gate/index.js";
import { AlertTopic } from "../modules/alert-topic/index.js";
import { InstanceAlarms } from "../modules/instance-alarms/index.js";
import { VolumeSnapshots } from "../modules/volume-snapshots/index.js";
import { SecurityGroup } from "../modules/security-group/index.js";
import { configureBackend, StateBackendConfig } from "./backend.js";
import { stackName } from "./environments.js";
import { createOpenlitVariables } from "./openlit-variables.js";

export interface OpenlitStackProps {
  /** Environment this stack deploys (demo, staging, …). */
  readonly environment: string;
  /**
   * Where Terraform keeps state.
   * @default - local state at the repository root
   */
  readonly backend?: StateBackendConfig;
}

/** The RFC's deployment: OpenLIT on one EC2 Graviton instance, one stack (and state) per environment. */
export class OpenlitStack extends TerraformStack {
  readonly openlit: Ec2Openlit;

  constructor(scope: Construct, props: OpenlitStackProps) {
    const name = stackName(props.environment);
    super(scope, name);
    configureBackend(this, name, props.backend ?? {});

    const v = createOpenlitVariables(this, props.environment);
    new AwsProvider(this, "aws", {
      region: v.awsRegion.stringValue,
      defaultTags: [{ tags: { Project: "OpenLIT", Environment: v.environment.stringValue, ManagedBy: "Terraform" } }],
    });

    // Network: a given subnet, or the default VPC's default subnet in a chosen (or the first) zone.
    const zones = new DataAwsAvailabilityZones(this, "zones", { state: "available" });
    const useDefaultSubnet = isEmpty(v.subnetId.stringValue);
    const zone = Token.asString(Fn.conditional(isNonEmpty(v.availabilityZone.stringValue), v.availabilityZone.stringValue, Fn.element(zones.names, 0)));
    const subnet = new DataAwsSubnet(this, "subnet", {
      id: Fn.conditional(useDefaultSubnet, Token.nullValue(), v.subnetId.stringValue),
      defaultForAz: Fn.conditional(useDefaultSubnet, true, Token.nullValue()),
      availabilityZone: Fn.conditional(useDefaultSubnet, zone, Token.nullValue()),
    });

    const securityGroup = new SecurityGroup(this, "security_group", {
      vpcId: subnet.vpcId,
      namePrefix: `openlit-${v.environment.stringValue}-`,
      description: "OpenLIT: UI 3000, OTLP 4317-4318, SSH 22 when a key pair is set",
      allowedSources: { operator: v.allowedCidr.stringValue },
      ingressPorts: [
        { key: "ssh", fromPort: 22, description: "SSH (only with a key pair)", enabled: isNonEmpty(v.keyPairName.stringValue) },
        { key: "openlit-ui", fromPort: 3000, description: "OpenLIT UI" },
        { key: "otlp", fromPort: 4317, toPort: 4318, description: "OTLP gRPC 4317 and HTTP 4318" },
      ],
    });

    const clickhouseHost = v.clickhouseHost.stringValue;
    this.openlit = new Ec2Openlit(this, "openlit", {
      environment: v.environment.stringValue,
      region: v.awsRegion.stringValue,
      instanceType: v.instanceType.stringValue,
      subnetId: subnet.id,
      availabilityZone: subnet.availabilityZone,
      securityGroupIds: [securityGroup.id],
      keyPairName: v.keyPairName.stringValue,
      rootVolumeSizeGiB: v.rootVolumeSize.numberValue,
      dataVolumeSizeGiB: v.dataVolumeSize.numberValue,
      dataVolumeFinalSnapshot: v.dataVolumeFinalSnapshot.booleanValue,
      detailedMonitoring: v.detailedMonitoring.booleanValue,
      secretsVersion: v.secretsVersion.numberValue,
      clickhouse: {
        host: clickhouseHost,
        port: v.clickhousePort.stringValue,
        database: v.clickhouseDatabase.stringValue,
        username: v.clickhouseUsername.stringValue,
        password: v.clickhousePassword.stringValue,
      },
      otel: {
        host: new TerraformLocal(
          this,
          "otel_host_resolved",
          Fn.conditional(isNonEmpty(v.otelHost.stringValue), v.otelHost.stringValue, Fn.replace(clickhouseHost, "/^https?:[/][/]/", "")),
        ).asString,
        port: v.otelPort.stringValue,
        secure: v.otelSecure.booleanValue,
      },
      demoAccounts: { emails: v.demoEmails.stringValue, passwords: v.demoPasswords.stringValue },
      image: { ecrRepository: v.ecrRepository.stringValue, awsAccountId: v.awsAccountId.stringValue, tag: v.imageTag.stringValue },
      containerLogsEnabled: v.enableContainerLogs.booleanValue,
      logRetentionDays: v.logRetentionDays.numberValue,
    });

    // Day 2: recover or reboot on failed status checks, say so by e-mail, and keep daily snapshots of the data.
    const resourceName = `openlit-${v.environment.stringValue}`;
    const alerts = new AlertTopic(this, "alerts", {
      name: `${resourceName}-alerts`,
      partition: this.openlit.partition,
      accountId: this.openlit.accountId,
      email: v.alarmEmail.stringValue,
    });
    new InstanceAlarms(this, "alarms", {
      instanceId: this.openlit.instance.id,
      namePrefix: resourceName,
      region: v.awsRegion.stringValue,
      partition: this.openlit.partition,
      notify: alerts.topicArns,
      filesystems: [
        { key: "root", path: "/", fstype: "xfs" },
        { key: "data", path: DATA_MOUNT, fstype: "xfs" },
      ],
    });
    new VolumeSnapshots(this, "snapshots", {
      name: resourceName,
      partition: this.openlit.partition,
      targetTag: this.openlit.snapshotTag,
      retainCount: v.snapshotRetentionDays.numberValue,
    });

    // Opt-in post-apply gate: `terraform apply` fails when OpenLIT never becomes healthy.
    new NullProvider(this, "null");
    new HealthGate(this, "health_gate", {
      host: this.openlit.publicIp.publicIp,
      enabled: v.enableHealthGate.booleanValue,
      triggers: { instance_id: this.openlit.instance.id },
      // The EIP's address is known before it points at the instance: wait for the association.
      dependsOn: [this.openlit.publicIpAssociation],
    });

    const ip = this.openlit.publicIp.publicIp;
    const instanceId = this.openlit.instance.id;
    const sessionManager = `aws ssm start-session --target ${instanceId} --region ${v.awsRegion.stringValue}`;
    const outputs: Record<string, [value: string, description: string]> = {
      instance_id: [instanceId, "EC2 instance id."],
      public_ip: [ip, "Elastic IP of the instance."],
      ssh_command: [
        Token.asString(Fn.conditional(isNonEmpty(v.keyPairName.stringValue), `ssh -i ~/.ssh/${v.keyPairName.stringValue}.pem ec2-user@${ip}`, sessionManager)),
        "Shell on the instance: SSH with the key pair, or Session Manager when there is none.",
      ],
      session_manager_command: [sessionManager, "Shell on the instance through SSM Session Manager (no open port needed)."],
      openlit_url: [`http://${ip}:3000`, "OpenLIT UI."],
      otlp_grpc_endpoint: [`http://${ip}:4317`, "OTLP gRPC endpoint for instrumented applications."],
      otlp_http_endpoint: [`http://${ip}:4318`, "OTLP HTTP endpoint for instrumented applications."],
      estimated_monthly_cost_usd: [
        monthlyCostExpression(this.openlit.sizing.instanceType, this.openlit.sizing.rootVolumeSizeGiB, this.openlit.sizing.dataVolumeSizeGiB, alerts.enabled),
        "Estimated monthly cost in USD (us-east-1 list prices: instance, gp3 volumes, snapshots, public IPv4, agent metrics, alert key, data transfer; not log ingestion).",
      ],
      data_volume_id: [this.openlit.dataVolume.id, "EBS volume holding OpenLIT's SQLite data (snapshot it before risky changes)."],
      aws_region: [v.awsRegion.stringValue, "Region of the deployment."],
      openlit_image: [this.openlit.openlitImage, "OpenLIT image the instance runs."],
      architecture: [this.openlit.architecture, "CPU architecture (arm64 on Graviton)."],
      container_log_group: [this.openlit.logGroupName, "CloudWatch Logs group of the containers (when enable_container_logs)."],
    };
    for (const [id, [value, description]] of Object.entries(outputs)) {
      // Construct ids share one namespace with the variables (aws_region is both); the logical id is the output name.
      new TerraformOutput(this, `output_${id}`, { value, description }).overrideLogicalId(id);
    }
  }
}
