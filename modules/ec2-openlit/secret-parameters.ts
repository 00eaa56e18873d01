import { Construct } from "constructs";
import { IResolvable } from "cdktf";
import { choose, countWhen } from "../core/index.js";
// Provider docs: https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/ssm_parameter
import { SsmParameter } from "@cdktf/provider-aws/lib/ssm-parameter";

export interface SecretParametersProps {
  /** SSM path, e.g. `/openlit/demo`. */
  readonly path: string;
  readonly clickhousePassword: string;
  /** Terraform boolean: whether demo accounts are configured. */
  readonly demoEnabled: IResolvable;
  readonly demoPasswords: string;
  /** Bump to push new values: write-only arguments are never compared with AWS. */
  readonly version: number;
}

/**
 * SecureStrings written through write-only arguments (`value_wo`, Terraform >= 1.11): the values reach
 * AWS but never the plan, the state or the synthesized JSON.
 */
export class SecretParameters extends Construct {
  readonly clickhousePasswordName: string;
  /** "" when no demo accounts are configured. */
  readonly demoPasswordsName: string;

  constructor(scope: Construct, id: string, props: SecretParametersProps) {
    super(scope, id);
    const clickhouse = new SsmParameter(this, "ClickhousePassword", {
      name: `${props.path}/clickhouse-password`,
      description: "ClickHouse password for OpenLIT and its collector (read at service start)",
      type: "SecureString",
      valueWo: props.clickhousePassword,
      valueWoVersion: props.version,
    });
    const demoName = `${props.path}/demo-passwords`;
    const demo = new SsmParameter(this, "DemoPasswords", {
      name: demoName,
      description: "OpenLIT demo account passwords, comma-separated in the order of the e-mails",
      type: "SecureString",
      valueWo: props.demoPasswords,
      valueWoVersion: props.version,
    });
    demo.count = countWhen(props.demoEnabled);
    this.clickhousePasswordName = clickhouse.name;
    this.demoPasswordsName = choose(props.demoEnabled, demoName, "");
  }
}
