import { TerraformStack, Testing } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { ComposeHost, ComposeHostProps } from "../../modules/compose-host/index.js";
import { synthStack, TfJson } from "./synth.js";

/** The required props of ComposeHost and nothing else, so its defaults show: a bare host running one service. */
export const MINIMAL_HOST_PROPS: ComposeHostProps = {
  name: "shop-test",
  appName: "shop",
  title: "Shop",
  environment: "test",
  region: "us-east-1",
  partition: "aws",
  accountId: "123456789012",
  subnetId: "subnet-0123456789abcdef0",
  availabilityZone: "us-east-1a",
  securityGroupIds: ["sg-0123456789abcdef0"],
  application: (host) => ({
    composeFile: `services:\n  web:\n    image: nginx:1.27\n    platform: ${host.platform}\n    ports: ["8080:80"]\n`,
  }),
};

/** A bare stack with only a ComposeHost (id "host"), synthesized. */
export function synthHost(overrides: Partial<ComposeHostProps> = {}): TfJson {
  const stack = new TerraformStack(Testing.app(), "test");
  new AwsProvider(stack, "aws", { region: "us-east-1" });
  new ComposeHost(stack, "host", { ...MINIMAL_HOST_PROPS, ...overrides });
  return synthStack(stack);
}
