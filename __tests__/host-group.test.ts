// The generic group of stateful compose hosts on a bare stack: synth-only property assertions.
import { TerraformOutput, TerraformStack, TerraformVariable } from "cdktf";
import {
  DATA_VOLUME_ID_PLACEHOLDER, groupDnsName, HOST_GROUP_DEFAULTS, HostGroup, HostGroupProps, NODE_NUMBER_PLACEHOLDER, nodeDnsName, nodeDnsNames,
} from "../modules/host-group/index.js";
import { CostEstimate } from "../modules/cost-estimate/index.js";
import { bareStack, problemsOf, synthBare } from "./support/bare-stack.js";
import { bootScriptOf, onlyResource, resourcesOf, synthStack, TfJson } from "./support/synth.js";

const DNS = { zoneId: "Z0123456789ABCDEFGHIJ", namePrefix: "db", domain: "test.internal" };

const MINIMAL: HostGroupProps = {
  name: "shop-db-test",
  appName: "shopdb",
  title: "Shop DB",
  environment: "test",
  region: "us-east-1",
  partition: "aws",
  accountId: "123456789012",
  nodeCount: 3,
  subnetIds: ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"],
  availabilityZones: ["us-east-1a", "us-east-1b"],
  securityGroupIds: ["sg-0123456789abcdef0"],
  dataVolume: { sizeGiB: 50, mountPoint: "/var/lib/shopdb" },
  application: (host) => ({
    composeFile: `services:\n  db:\n    image: postgres:17\n    platform: ${host.platform}\n    environment:\n      NODE_NUMBER: "${NODE_NUMBER_PLACEHOLDER}"\n`,
    files: { "/etc/shopdb/peers.conf": `self=${nodeDnsName(DNS, NODE_NUMBER_PLACEHOLDER)}\npeers=${nodeDnsNames(DNS, 3).join(",")}\n` },
  }),
};

type Extend = (stack: TerraformStack) => Partial<HostGroupProps>;

function synthGroup(overrides: Partial<HostGroupProps> = {}, extend?: Extend): TfJson {
  return synthBare((stack) => {
    new HostGroup(stack, "db", { ...MINIMAL, ...overrides, ...extend?.(stack) });
    CostEstimate.of(stack).writeOutputs(stack, "test");
  });
}

const addressOf = (json: TfJson, type: string) => `${type}.${resourcesOf(json, type).map(([id]) => id).find((id) => id.startsWith("db_"))}`;
const localName = (json: TfJson, prefix: string) => Object.keys(json.locals).find((n) => n.startsWith(`${prefix}_`))!;
const costs = (json: TfJson): Record<string, string> => json.output.cost_breakdown.value;
/** The number a cost item formats, when it is a literal. */
const usdOf = (item: string) => Number(/^\$\{try\(format\("%\.2f", ([0-9.e-]+)\), "unknown"\)\}$/.exec(item)?.[1]);
const nodeNumber = "${(count.index + 1)}";

describe("HostGroup with a literal node count", () => {
  const json = synthGroup({ dns: DNS });
  const instance = onlyResource(json, "aws_instance");
  const volume = onlyResource(json, "aws_ebs_volume");
  const attachment = onlyResource(json, "aws_volume_attachment");
  const volumeAddress = addressOf(json, "aws_ebs_volume");
  const instanceAddress = addressOf(json, "aws_instance");

  it("counts every per-node resource with nodeCount, and the key and the group record with one", () => {
    expect(instance.count).toBe(3);
    expect(volume.count).toBe(3);
    expect(attachment.count).toBe(3);
    const records = Object.fromEntries(resourcesOf(json, "aws_route53_record").map(([, r]) => [r.name, r]));
    expect(records[`db-${nodeNumber}.test.internal`].count).toBe(3);
    expect(records["db.test.internal"].count).toBe(1);
    expect(onlyResource(json, "aws_kms_key").count).toBe(1);
  });

  it("gives each node the one boot script with its number and its own data volume's id put in, gzipped", () => {
    const script = localName(json, "db_user_data");
    expect(instance.user_data_base64).toBe(
      `\${base64gzip(replace(replace(local.${script}, "@@NODE_NUMBER@@", tostring((count.index + 1))), "@@DATA_VOLUME_ID@@", ${volumeAddress}[count.index].id))}`,
    );
    expect(instance.user_data_replace_on_change).toBe(true);
  });

  it("renders ComposeHost's boot script with both placeholders still in it", () => {
    const script = bootScriptOf(json);
    expect(script).toContain(`readonly DATA_VOLUME_ID="${DATA_VOLUME_ID_PLACEHOLDER}"`);
    expect(script).toContain(`NODE_NUMBER: "${NODE_NUMBER_PLACEHOLDER}"`);
    expect(script).toContain("self=db-@@NODE_NUMBER@@.test.internal\npeers=db-1.test.internal,db-2.test.internal,db-3.test.internal");
    expect(script).toContain("RequiresMountsFor=/var/lib/shopdb");
    expect(script).toContain("image: postgres:17");
  });

  it("spreads the nodes over the subnets round-robin and creates each volume in its node's zone", () => {
    expect(instance.subnet_id).toBe('${element(["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"], count.index)}');
    expect(volume.availability_zone).toBe('${element(["us-east-1a", "us-east-1b"], count.index)}');
  });

  it("runs Amazon Linux 2023 with IMDSv2 (one hop, tags in the metadata), an encrypted gp3 root and no public address", () => {
    const [amiId] = Object.keys(json.data.aws_ssm_parameter);
    expect(instance.ami).toBe(`\${data.aws_ssm_parameter.${amiId}.insecure_value}`);
    expect(instance.lifecycle).toEqual({ ignore_changes: ["ami"] });
    expect(instance.instance_type).toBe("t4g.small");
    expect(instance.metadata_options).toEqual({ http_endpoint: "enabled", http_tokens: "required", http_put_response_hop_limit: 1, instance_metadata_tags: "enabled" });
    expect(instance.root_block_device).toEqual({ volume_type: "gp3", volume_size: 20, encrypted: true, delete_on_termination: true });
    expect(instance.associate_public_ip_address).toBe(false);
    expect(instance.iam_instance_profile).toMatch(/^\$\{aws_iam_instance_profile\.db_Role_Profile_[0-9A-F]+\.name\}$/);
    expect(instance.vpc_security_group_ids).toEqual(["sg-0123456789abcdef0"]);
    expect(instance.tags).toEqual({ Name: `shop-db-test-${nodeNumber}`, Node: nodeNumber });
    expect(instance.instance_market_options).toBeUndefined();
  });

  it("keeps each node's data on its own encrypted gp3 volume with the baseline performance and a final snapshot", () => {
    expect(volume).toMatchObject({ size: 50, type: "gp3", iops: 3000, throughput: 125, encrypted: true, final_snapshot: true });
    expect(volume.tags).toEqual({ Name: `shop-db-test-data-${nodeNumber}`, Node: nodeNumber });
    expect(volume.kms_key_id).toBe(`\${one(${addressOf(json, "aws_kms_key")}[*].arn)}`);
    expect(volume.lifecycle).toEqual({ ignore_changes: ["kms_key_id"] });
    expect(onlyResource(json, "aws_kms_key")).toMatchObject({ enable_key_rotation: true, deletion_window_in_days: 30 });
  });

  it("attaches each volume to its node as /dev/sdf, stopping the instance first, checking they share a zone", () => {
    expect(attachment).toMatchObject({
      device_name: "/dev/sdf",
      stop_instance_before_detaching: true,
      volume_id: `\${${volumeAddress}[count.index].id}`,
      instance_id: `\${${instanceAddress}[count.index].id}`,
    });
    expect(attachment.lifecycle.precondition[0].condition).toBe(
      `\${(${instanceAddress}[count.index].availability_zone == ${volumeAddress}[count.index].availability_zone)}`,
    );
  });

  it("names each node and the group in DNS with their private IPs", () => {
    const records = Object.fromEntries(resourcesOf(json, "aws_route53_record").map(([, r]) => [r.name, r]));
    expect(records[`db-${nodeNumber}.test.internal`]).toMatchObject({
      zone_id: DNS.zoneId,
      type: "A",
      ttl: 60,
      records: [`\${${instanceAddress}[count.index].private_ip}`],
    });
    expect(records["db.test.internal"]).toMatchObject({ zone_id: DNS.zoneId, type: "A", ttl: 60, records: `\${${instanceAddress}[*].private_ip}` });
  });

  it("costs instances, root and data volumes and agent metrics times the node count, and the key once", () => {
    const items = costs(json);
    expect(items["db-instances"]).toMatch(/\["t4g\.small"\]\) \* 3\)\), "unknown"\)\}$/);
    expect(usdOf(items["db-volumes"]!)).toBeCloseTo((20 + 50) * 0.08 * 3);
    expect(usdOf(items["db-agent-metrics"]!)).toBeCloseTo(3 * 0.3 * 3);
    expect(usdOf(items["db-data-key"]!)).toBe(1);
  });

  it("names no system", () => {
    expect(JSON.stringify(json)).not.toMatch(/openlit|clickhouse|lighthouse|vectordb|chromadb|celery/i);
  });
});

describe("HostGroup options", () => {
  it("provisions IOPS and throughput above the baseline and costs them", () => {
    const json = synthGroup({ dataVolume: { ...MINIMAL.dataVolume, sizeGiB: 100, iops: 6000, throughput: 250 } });
    expect(onlyResource(json, "aws_ebs_volume")).toMatchObject({ size: 100, iops: 6000, throughput: 250 });
    // Per node: 120 GiB x 0.08 + 3000 IOPS x 0.005 + 125 MiB/s x 0.04.
    expect(usdOf(costs(json)["db-volumes"]!)).toBeCloseTo((120 * 0.08 + 3000 * 0.005 + 125 * 0.04) * 3);
  });

  it("encrypts with a given key, creating none, and tags the volumes for snapshots", () => {
    const kmsKeyArn = "arn:aws:kms:us-east-1:123456789012:key/0123abcd-0123-4567-89ab-0123456789ab";
    const json = synthGroup({
      dataVolume: { ...MINIMAL.dataVolume, kmsKeyArn, finalSnapshot: false, snapshotTag: { key: "backup", value: "daily" }, tags: { Team: "data" } },
    });
    expect(resourcesOf(json, "aws_kms_key")).toEqual([]);
    const volume = onlyResource(json, "aws_ebs_volume");
    expect(volume).toMatchObject({ kms_key_id: kmsKeyArn, final_snapshot: false, tags: { Team: "data", backup: "daily" } });
    expect(volume.lifecycle).toBeUndefined();
    expect(costs(json)["db-data-key"]).toBeUndefined();
  });

  it("creates no DNS records without dns", () => {
    expect(resourcesOf(synthGroup(), "aws_route53_record")).toEqual([]);
  });

  it("switches everything that costs off with a literal 0, with no Terraform arithmetic on it", () => {
    const json = synthGroup({ nodeCount: 0, dns: DNS });
    for (const type of ["aws_instance", "aws_ebs_volume", "aws_volume_attachment", "aws_route53_record", "aws_kms_key"]) {
      for (const [, r] of resourcesOf(json, type)) expect(r.count, type).toBe(0);
    }
    const items = costs(json);
    for (const item of ["db-instances", "db-volumes", "db-agent-metrics", "db-data-key"]) expect(items[item], item).toBe('${try(format("%.2f", 0), "unknown")}');
    expect(JSON.stringify(items)).not.toContain("undefined");
  });

  it("takes a Terraform node count, subnet list and volume performance", () => {
    const json = synthGroup({ dns: DNS }, (stack) => ({
      nodeCount: new TerraformVariable(stack, "node_count", { type: "number" }).numberValue,
      subnetIds: new TerraformVariable(stack, "subnet_ids", { type: "list(string)" }).listValue,
      availabilityZones: new TerraformVariable(stack, "zones", { type: "list(string)" }).listValue,
      dataVolume: { ...MINIMAL.dataVolume, iops: new TerraformVariable(stack, "iops", { type: "number" }).numberValue },
    }));
    for (const type of ["aws_instance", "aws_ebs_volume", "aws_volume_attachment"]) expect(onlyResource(json, type).count, type).toBe("${var.node_count}");
    const records = Object.fromEntries(resourcesOf(json, "aws_route53_record").map(([, r]) => [r.name, r]));
    expect(records[`db-${nodeNumber}.test.internal`].count).toBe("${var.node_count}");
    expect(records["db.test.internal"].count).toBe("${(var.node_count >= 1) ? 1 : 0}");
    expect(onlyResource(json, "aws_kms_key").count).toBe("${(var.node_count >= 1) ? 1 : 0}");
    expect(onlyResource(json, "aws_instance").subnet_id).toBe("${element(var.subnet_ids, count.index)}");
    expect(onlyResource(json, "aws_ebs_volume")).toMatchObject({ availability_zone: "${element(var.zones, count.index)}", iops: "${var.iops}" });
    const items = costs(json);
    expect(items["db-instances"]).toMatch(/\["t4g\.small"\]\) \* var\.node_count\)\), "unknown"\)\}$/);
    expect(items["db-volumes"]).toBe('${try(format("%.2f", (sum([5.6, (max((var.iops - 3000), 0) * 0.005), 0]) * var.node_count)), "unknown")}');
    expect(items["db-agent-metrics"]).toMatch(/^\$\{try\(format\("%\.2f", \(0\.9 \* var\.node_count\)\), "unknown"\)\}$/);
    expect(items["db-data-key"]).toBe('${try(format("%.2f", (var.node_count >= 1) ? 1 : 0), "unknown")}');
    expect(JSON.stringify(items)).not.toContain("undefined");
  });

  it("exposes the nodes as lists, the boot script, and a role callers extend", () => {
    const stack = bareStack();
    const group = new HostGroup(stack, "db", { ...MINIMAL, dns: DNS });
    group.role.addPolicy("ReadBucket", "read-bucket", [{ Sid: "Read", Action: "s3:GetObject", Resource: "arn:aws:s3:::shop/*" }]);
    new TerraformOutput(stack, "ids", { value: group.instanceIds });
    new TerraformOutput(stack, "ips", { value: group.privateIps });
    new TerraformOutput(stack, "volumes", { value: group.dataVolumeIds });
    new TerraformOutput(stack, "script", { value: group.bootScript });
    const json = synthStack(stack);
    expect(json.output.ids.value).toBe(`\${aws_instance.${group.instances.friendlyUniqueId}[*].id}`);
    expect(json.output.ips.value).toBe(`\${aws_instance.${group.instances.friendlyUniqueId}[*].private_ip}`);
    expect(json.output.volumes.value).toBe(`\${aws_ebs_volume.${group.dataVolumes.friendlyUniqueId}[*].id}`);
    expect(json.output.script.value).toBe(`\${local.${localName(json, "db_user_data")}}`);
    expect(resourcesOf(json, "aws_iam_role_policy").map(([, p]) => p.name)).toContain("read-bucket");
    expect(group.groupDnsName).toBe("db.test.internal");
    expect(group.nodeDnsName(2)).toBe("db-2.test.internal");
    expect(group.logGroupName).toBe("");
    expect(group.architecture).toMatch(/^\$\{TfToken\[TOKEN\.\d+\]\}$/);
  });
});

describe("HostGroup DNS names", () => {
  it("names node n and the group for the application's config", () => {
    expect(nodeDnsName(DNS, 2)).toBe("db-2.test.internal");
    expect(nodeDnsName(DNS, NODE_NUMBER_PLACEHOLDER)).toBe("db-@@NODE_NUMBER@@.test.internal");
    expect(groupDnsName(DNS)).toBe("db.test.internal");
    expect(nodeDnsNames(DNS, 2)).toEqual(["db-1.test.internal", "db-2.test.internal"]);
    expect(nodeDnsNames(DNS, 0)).toEqual([]);
  });

  it("lists the names of a Terraform number of nodes with formatlist over range", () => {
    const stack = bareStack();
    const count = new TerraformVariable(stack, "node_count", { type: "number" }).numberValue;
    new TerraformOutput(stack, "names", { value: nodeDnsNames(DNS, count) });
    expect(synthStack(stack).output.names.value).toBe('${formatlist("%s-%d.%s", "db", range(1, (var.node_count + 1), 1), "test.internal")}');
  });
});

describe("HostGroup misuse", () => {
  const problems = (overrides: Partial<HostGroupProps>, extend?: Extend) => problemsOf(() => synthGroup(overrides, extend));

  it("rejects IOPS too high for the size, throughput out of range and IOPS out of range, all at once", () => {
    expect(problems({ dataVolume: { ...MINIMAL.dataVolume, sizeGiB: 10, iops: 6000, throughput: 1200 } })).toEqual([
      "dataVolume.iops 6000 is more than 500 IOPS per GiB of dataVolume.sizeGiB 10 (at most 5000): raise sizeGiB to at least 12 or lower iops.",
      "dataVolume.throughput 1200 is out of range: gp3 takes a whole number of MiB/s, 125-1000.",
    ]);
    expect(problems({ dataVolume: { ...MINIMAL.dataVolume, iops: 20000, throughput: 100 } })).toEqual([
      "dataVolume.iops 20000 is out of range: gp3 takes a whole number of IOPS, 3000-16000.",
      "dataVolume.throughput 100 is out of range: gp3 takes a whole number of MiB/s, 125-1000.",
    ]);
  });

  it("rejects throughput the IOPS cannot carry (0.25 MiB/s per IOPS)", () => {
    expect(problems({ dataVolume: { ...MINIMAL.dataVolume, throughput: 1000 } })).toEqual([
      "dataVolume.throughput 1000 MiB/s needs at least 4000 IOPS (gp3 gives at most 0.25 MiB/s per IOPS): raise dataVolume.iops (now 3000) or lower throughput to 750.",
    ]);
  });

  it("rejects subnets and zones of different lengths, and a negative or fractional node count", () => {
    expect(problems({ nodeCount: -1, availabilityZones: ["us-east-1a"] })).toEqual([
      "nodeCount -1 must be a whole number >= 0 (0 switches the group off).",
      "subnetIds has 2 entries but availabilityZones has 1: give one zone per subnet, in the same order (node n's volume is created in the zone of its subnet).",
    ]);
    expect(problems({ nodeCount: 1.5 })).toEqual(["nodeCount 1.5 must be a whole number >= 0 (0 switches the group off)."]);
    expect(problems({ subnetIds: [], availabilityZones: [] })).toEqual([
      "subnetIds is empty: give the subnets the nodes spread over (availabilityZones gives their zones, in the same order).",
      "availabilityZones is empty: give the availability zone of each of subnetIds, in the same order.",
    ]);
  });

  it("reports ComposeHost's problems with the shared props and bad DNS names in the same error", () => {
    const found = problems({
      instanceType: "large",
      securityGroupIds: [],
      dataVolume: { sizeGiB: 0, mountPoint: "/" },
      dns: { ...DNS, namePrefix: "DB_", domain: "test.internal." },
    });
    expect(found).toEqual([
      'instanceType "large" is not an EC2 instance type: use family.size, e.g. "t4g.small".',
      "dataVolume.sizeGiB 0 is out of range: use a whole number of GiB, 1-16384.",
      'dataVolume.mountPoint "/" must be an absolute path other than /, e.g. "/var/lib/myapp".',
      "securityGroupIds is empty: pass the group that opens the application's ports.",
      'dns.namePrefix "DB_" must be one DNS label: lower-case letters, digits and dashes, at most 63, not starting or ending with a dash (e.g. "db").',
      'dns.domain "test.internal." must be a domain name of lower-case labels without a trailing dot, e.g. "prod.internal".',
    ]);
  });

  it("leaves Terraform values to plan time", () => {
    expect(() =>
      synthGroup({}, (stack) => ({
        nodeCount: new TerraformVariable(stack, "node_count", { type: "number" }).numberValue,
        subnetIds: new TerraformVariable(stack, "subnet_ids", { type: "list(string)" }).listValue,
        dataVolume: { ...MINIMAL.dataVolume, sizeGiB: 1, throughput: new TerraformVariable(stack, "throughput", { type: "number" }).numberValue },
      })),
    ).not.toThrow();
  });

  it("has its defaults in one place", () => {
    expect(HOST_GROUP_DEFAULTS).toMatchObject({ instanceType: "t4g.small", rootVolumeSizeGiB: 20, dataVolumeIops: 3000, dataVolumeThroughput: 125, dnsTtlSeconds: 60 });
  });
});

describe("HostGroup without replacement on a new boot script", () => {
  it("ignores user data changes, so a replicated set is rolled node by node on purpose", () => {
    const json = synthGroup({ replaceOnBootScriptChange: false });
    expect(onlyResource(json, "aws_instance")).toMatchObject({ user_data_replace_on_change: false, lifecycle: { ignore_changes: ["ami", "user_data_base64"] } });
    expect(onlyResource(synthGroup(), "aws_instance")).toMatchObject({ user_data_replace_on_change: true, lifecycle: { ignore_changes: ["ami"] } });
  });
});
