import { Construct } from "constructs";
import { Fn, TerraformLocal, Token } from "cdktf";
import { NullProvider } from "@cdktf/provider-null/lib/provider";
import { choose, countWhen, isNonEmpty } from "../../modules/core/index.js";
import { Route53Record } from "@cdktf/provider-aws/lib/route53-record";
import { SubnetLookup } from "../../modules/subnet-lookup/index.js";
import { ComposeHost } from "../../modules/compose-host/index.js";
import { checksJson as healthChecksJson, HealthGate } from "../../modules/health-gate/index.js";
import { AlertTopic } from "../../modules/alert-topic/index.js";
import { InstanceAlarms } from "../../modules/instance-alarms/index.js";
import { VolumeSnapshots } from "../../modules/volume-snapshots/index.js";
import { SecurityGroup } from "../../modules/security-group/index.js";
import { SystemStack, SystemStackProps } from "../base-stack.js";
import { createOpenlitVariables } from "./variables.js";
import {
  DATA_DIR, DATA_MOUNT, DATA_TRANSFER_USD_PER_MONTH, OPENLIT_HEALTH_CHECKS, OPENLIT_TLS_HEALTH_CHECKS, openlitApplication, openlitSecrets, SNAPSHOT_TAG_KEY, validateOpenlitApplication,
} from "./application.js";

/** The RFC's deployment: OpenLIT on one EC2 Graviton instance, one stack (and state) per environment. */
export class OpenlitStack extends SystemStack {
  readonly host: ComposeHost;

  constructor(scope: Construct, props: SystemStackProps) {
    super(scope, {
      name: "openlit",
      displayName: "OpenLIT",
      costSummary: "instance, gp3 volumes, snapshots, public IPv4, agent metrics, alert key, data transfer; not log ingestion.",
    }, props);
    const v = createOpenlitVariables(this);
    const environment = this.environmentVariable.stringValue;
    const region = this.awsRegion.stringValue;
    const name = `openlit-${environment}`;

    // HTTPS through the proxy when a domain name is given (an option beyond the RFC; plain HTTP on 3000 otherwise).
    const tls = isNonEmpty(v.domainName.stringValue);

    // Network: a given subnet, or the default VPC's default subnet in a chosen (or the first) zone.
    const network = new SubnetLookup(this, "network", { subnetId: v.subnetId.stringValue, availabilityZone: v.availabilityZone.stringValue });

    const securityGroup = new SecurityGroup(this, "security_group", {
      vpcId: network.vpcId,
      namePrefix: `${name}-`,
      description: "OpenLIT: UI 3000, OTLP 4317-4318, SSH 22 when a key pair is set",
      allowedSources: { operator: v.allowedCidr.stringValue },
      ingressPorts: [
        { key: "ssh", fromPort: 22, description: "SSH (only with a key pair)", enabled: isNonEmpty(v.keyPairName.stringValue) },
        { key: "openlit-ui", fromPort: 3000, description: "OpenLIT UI" },
        { key: "otlp", fromPort: 4317, toPort: 4318, description: "OTLP gRPC 4317 and HTTP 4318" },
        { key: "https", fromPort: 443, description: "OpenLIT UI over HTTPS (with domain_name)", enabled: tls },
        // Let's Encrypt validates from addresses it does not publish: port 80 serves only the challenge and a redirect.
        { key: "http-acme", fromPort: 80, description: "ACME HTTP-01 challenge and redirect to HTTPS (with domain_name)", enabled: tls, sources: { anywhere: "0.0.0.0/0" } },
      ],
    });

    const clickhouseHost = v.clickhouseHost.stringValue;
    const appProps = {
      clickhouse: { host: clickhouseHost, port: v.clickhousePort.stringValue, database: v.clickhouseDatabase.stringValue, username: v.clickhouseUsername.stringValue },
      otel: {
        host: new TerraformLocal(
          this,
          "otel_host_resolved",
          Fn.conditional(isNonEmpty(v.otelHost.stringValue), v.otelHost.stringValue, Fn.replace(clickhouseHost, "/^https?:[/][/]/", "")),
        ).asString,
        port: v.otelPort.stringValue,
        secure: v.otelSecure.booleanValue,
      },
      demoEmails: v.demoEmails.stringValue,
      allowSelfRegistration: v.allowSelfRegistration.booleanValue,
      domainName: v.domainName.stringValue,
      image: { ecrRepository: v.ecrRepository.stringValue, tag: v.imageTag.stringValue },
    };
    validateOpenlitApplication(this, appProps);
    const app = openlitApplication(appProps);

    // The construct id "openlit" and its children's ids keep the resource addresses of deployed stacks.
    this.host = new ComposeHost(this, "openlit", {
      name,
      appName: "openlit",
      title: "OpenLIT",
      environment,
      region,
      partition: this.partition,
      accountId: this.accountId,
      instanceType: v.instanceType.stringValue,
      subnetId: network.subnetId,
      availabilityZone: network.availabilityZone,
      securityGroupIds: [securityGroup.id],
      keyPairName: v.keyPairName.stringValue,
      rootVolumeSizeGiB: v.rootVolumeSize.numberValue,
      dataVolume: {
        sizeGiB: v.dataVolumeSize.numberValue,
        mountPoint: DATA_MOUNT,
        directory: DATA_DIR,
        finalSnapshot: v.dataVolumeFinalSnapshot.booleanValue,
        tags: { "openlit:role": "data", "openlit:environment": environment },
        snapshotTag: { key: SNAPSHOT_TAG_KEY, value: `${name}-data` },
        // Off for now: the boot script of running instances stays byte-identical (a new one replaces the instance).
        growOnStart: false,
      },
      elasticIp: true,
      detailedMonitoring: v.detailedMonitoring.booleanValue,
      secrets: {
        path: `/openlit/${environment}`,
        version: v.secretsVersion.numberValue,
        parameters: openlitSecrets(v.clickhousePassword.stringValue, v.ownerPassword.stringValue, { emails: v.demoEmails.stringValue, passwords: v.demoPasswords.stringValue }),
      },
      containerLogs: { enabled: v.enableContainerLogs.booleanValue, groupName: `/openlit/${environment}/containers`, retentionDays: v.logRetentionDays.numberValue },
      ecr: { repository: v.ecrRepository.stringValue, accountId: v.awsAccountId.stringValue },
      roleDescription: "OpenLIT instance: Session Manager, own SSM parameters, ECR pull, metrics, container logs",
      serviceDescription: "OpenLIT (UI and OpenTelemetry Collector) via Docker Compose",
      application: app.define,
    });
    const publicIp = this.host.publicIp!;
    const association = this.host.publicIpAssociation!;
    const dataVolume = this.host.dataVolume!;
    this.costEstimate.add({ key: "data-transfer", usd: DATA_TRANSFER_USD_PER_MONTH, description: "the RFC's allowance for minimal data transfer" });

    // Day 2: recover or reboot on failed status checks, say so by e-mail, and keep daily snapshots of the data.
    const alerts = new AlertTopic(this, "alerts", { name: `${name}-alerts`, partition: this.partition, accountId: this.accountId, email: v.alarmEmail.stringValue });
    new InstanceAlarms(this, "alarms", {
      instanceId: this.host.instance.id,
      namePrefix: name,
      region,
      partition: this.partition,
      notify: alerts.topicArns,
      filesystems: [
        { key: "root", path: "/", fstype: "xfs" },
        { key: "data", path: DATA_MOUNT, fstype: "xfs" },
      ],
    });
    new VolumeSnapshots(this, "snapshots", {
      name,
      partition: this.partition,
      targetTag: { key: SNAPSHOT_TAG_KEY, value: `${name}-data` },
      retainCount: v.snapshotRetentionDays.numberValue,
      snapshotTags: { "openlit:snapshot": "daily" },
      kmsKeyArns: this.host.dataKey ? [this.host.dataKey.arn] : [],
      costedSizeGiB: v.dataVolumeSize.numberValue,
    });

    const dns = new Route53Record(this, "dns", {
      zoneId: v.route53ZoneId.stringValue,
      name: v.domainName.stringValue,
      type: "A",
      ttl: 300,
      records: [publicIp.publicIp],
    });
    dns.count = countWhen(isNonEmpty(v.route53ZoneId.stringValue));

    // What "healthy" means and where: the Elastic IP over HTTP, or the domain name over HTTPS (the certificate is
    // for the name). Two plain lists chosen by reference: cdktf does not escape quotes inside a conditional's literals.
    const checksJson = choose(
      tls,
      new TerraformLocal(this, "health_checks_tls", healthChecksJson(OPENLIT_TLS_HEALTH_CHECKS)).asString,
      new TerraformLocal(this, "health_checks_plain", healthChecksJson(OPENLIT_HEALTH_CHECKS)).asString,
    );
    const checkHost = choose(tls, v.domainName.stringValue, publicIp.publicIp);

    // Opt-in post-apply gate: `terraform apply` fails when OpenLIT never becomes healthy.
    new NullProvider(this, "null");
    new HealthGate(this, "health_gate", {
      host: checkHost,
      checks: checksJson,
      enabled: v.enableHealthGate.booleanValue,
      triggers: { instance_id: this.host.instance.id },
      // The EIP's address is known before it points at the instance: wait for the association.
      dependsOn: [association],
    });

    const ip = publicIp.publicIp;
    const instanceId = this.host.instance.id;
    const sessionManager = `aws ssm start-session --target ${instanceId} --region ${region}`;
    this.output("instance_id", instanceId, "EC2 instance id.");
    this.output("public_ip", ip, "Elastic IP of the instance.");
    this.output(
      "ssh_command",
      Token.asString(Fn.conditional(isNonEmpty(v.keyPairName.stringValue), `ssh -i ~/.ssh/${v.keyPairName.stringValue}.pem ec2-user@${ip}`, sessionManager)),
      "Shell on the instance: SSH with the key pair, or Session Manager when there is none.",
    );
    this.output("session_manager_command", sessionManager, "Shell on the instance through SSM Session Manager (no open port needed).");
    const domain = v.domainName.stringValue;
    this.output("openlit_url", choose(tls, `https://${domain}`, `http://${ip}:3000`), "OpenLIT UI.");
    this.output("otlp_grpc_endpoint", choose(tls, `https://${domain}:4317`, `http://${ip}:4317`), "OTLP gRPC endpoint for instrumented applications (TLS with domain_name).");
    this.output("otlp_http_endpoint", choose(tls, `https://${domain}:4318`, `http://${ip}:4318`), "OTLP HTTP endpoint for instrumented applications (TLS with domain_name).");
    this.output("data_volume_id", dataVolume.id, "EBS volume holding OpenLIT's SQLite data (snapshot it before risky changes).");
    this.output("aws_region", region, "Region of the deployment.");
    this.output("openlit_image", app.image(), "OpenLIT image the instance runs.");
    this.output("architecture", this.host.architecture, "CPU architecture (arm64 on Graviton).");
    this.output("container_log_group", this.host.logGroupName, "CloudWatch Logs group of the containers (when enable_container_logs).");
    // What the operator scripts read: the checks health-check.sh runs, the volumes destroy.sh snapshots first.
    this.output("health_checks", { host: checkHost, checks: Fn.jsondecode(checksJson) }, "What scripts/health-check.sh <stack> checks, and where.");
    this.output("snapshot_volume_ids", [dataVolume.id], "Volumes scripts/destroy.sh snapshots before destroying the stack.");
  }
}
