import { Construct } from "constructs";
import { Fn, Token } from "cdktf";
import { DataAwsAvailabilityZones } from "@cdktf/provider-aws/lib/data-aws-availability-zones";
import { DataAwsSubnet } from "@cdktf/provider-aws/lib/data-aws-subnet";
import { isEmpty, isNonEmpty } from "../core/index.js";

export interface SubnetLookupProps {
  /**
   * A subnet id, usually a variable; "" means the default VPC's default subnet in {@link availabilityZone}.
   */
  readonly subnetId: string;
  /**
   * Zone of the default subnet (ignored when subnetId is given); "" means the region's first available zone.
   * @default ""
   */
  readonly availabilityZone?: string;
}

/**
 * Finds the subnet a single host goes in: the one given, or the default VPC's default subnet in a chosen (or the
 * first) zone. Both choices are Terraform expressions, so a variable can switch between them per environment.
 */
export class SubnetLookup extends Construct {
  readonly subnet: DataAwsSubnet;
  /** The subnet's id, VPC and zone (Terraform expressions). */
  readonly subnetId: string;
  readonly vpcId: string;
  readonly availabilityZone: string;

  constructor(scope: Construct, id: string, props: SubnetLookupProps) {
    super(scope, id);
    const chosenZone = props.availabilityZone ?? "";
    const zones = new DataAwsAvailabilityZones(this, "zones", { state: "available" });
    const useDefault = isEmpty(props.subnetId);
    const zone = Token.asString(Fn.conditional(isNonEmpty(chosenZone), chosenZone, Fn.element(zones.names, 0)));
    this.subnet = new DataAwsSubnet(this, "subnet", {
      id: Fn.conditional(useDefault, Token.nullValue(), props.subnetId),
      defaultForAz: Fn.conditional(useDefault, true, Token.nullValue()),
      availabilityZone: Fn.conditional(useDefault, zone, Token.nullValue()),
    });
    this.subnetId = this.subnet.id;
    this.vpcId = this.subnet.vpcId;
    this.availabilityZone = this.subnet.availabilityZone;
  }
}
