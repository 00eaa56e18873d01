import { Construct } from "constructs";
import { Fn, Op, Token } from "cdktf";
import { DataAwsAvailabilityZones } from "@cdktf/provider-aws/lib/data-aws-availability-zones";
import { DataAwsSubnet } from "@cdktf/provider-aws/lib/data-aws-subnet";
import { DataAwsVpc } from "@cdktf/provider-aws/lib/data-aws-vpc";
import { countWhen, isEmpty, isNonEmpty, oneOf } from "../core/index.js";

export interface SubnetLookupProps {
  /**
   * A subnet id, usually a variable; "" means: the subnet named {@link subnetName}, or else the default VPC's
   * default subnet in {@link availabilityZone}.
   */
  readonly subnetId: string;
  /**
   * Zone of the default subnet (used only when neither subnetId nor subnetName is given); "" means the region's
   * first available zone.
   * @default ""
   */
  readonly availabilityZone?: string;
  /**
   * Name tag of an existing subnet (when subnetId is ""), e.g. a private subnet made by hand.
   * @default "" - no lookup by name
   */
  readonly subnetName?: string;
  /**
   * Name tag of the VPC the named subnet is in (narrows the lookup when names repeat across VPCs).
   * @default "" - any VPC
   */
  readonly vpcName?: string;
}

/**
 * Finds the subnet a single host goes in: the one given by id, the one named by its Name tag (optionally in the
 * VPC named by its Name tag), or the default VPC's default subnet in a chosen (or the first) zone. Every choice is
 * a Terraform expression, so variables switch between them per environment.
 */
export class SubnetLookup extends Construct {
  readonly subnet: DataAwsSubnet;
  /** The subnet's id, VPC and zone (Terraform expressions). */
  readonly subnetId: string;
  readonly vpcId: string;
  readonly availabilityZone: string;

  constructor(scope: Construct, id: string, props: SubnetLookupProps) {
    super(scope, id);
    const subnetName = props.subnetName ?? "";
    const vpcName = props.vpcName ?? "";
    const chosenZone = props.availabilityZone ?? "";
    const zones = new DataAwsAvailabilityZones(this, "zones", { state: "available" });
    const byName = Op.and(isEmpty(props.subnetId), isNonEmpty(subnetName));
    // The default subnet: neither an id nor a name (`length(id) + length(name) < 1`: no literal 0 operand for Op.*).
    const useDefault = props.subnetName === undefined ? isEmpty(props.subnetId) : Op.lt(Op.add(Fn.lengthOf(props.subnetId), Fn.lengthOf(subnetName)), 1);
    const zone = Token.asString(Fn.conditional(isNonEmpty(chosenZone), chosenZone, Fn.element(zones.names, 0)));

    let vpcIdFilter: string | undefined;
    if (props.vpcName !== undefined) {
      const vpc = new DataAwsVpc(this, "vpc", { tags: { Name: vpcName } });
      vpc.count = countWhen(Op.and(byName, isNonEmpty(vpcName)));
      vpcIdFilter = oneOf(vpc, "id");
    }

    this.subnet = new DataAwsSubnet(this, "subnet", {
      id: Fn.conditional(isEmpty(props.subnetId), Token.nullValue(), props.subnetId),
      defaultForAz: Fn.conditional(useDefault, true, Token.nullValue()),
      availabilityZone: Fn.conditional(useDefault, zone, Token.nullValue()),
      ...(props.subnetName !== undefined
        ? {
            tags: Token.asStringMap(Fn.conditional(byName, { Name: subnetName }, Token.nullValue())),
            vpcId: vpcIdFilter,
          }
        : {}),
    });
    this.subnetId = this.subnet.id;
    this.vpcId = this.subnet.vpcId;
    this.availabilityZone = this.subnet.availabilityZone;
  }
}
