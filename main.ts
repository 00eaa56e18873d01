import { App } from "cdktf";
import { backendConfigFromEnv } from "./stacks/backend.js";
import { ENVIRONMENTS } from "./stacks/environments.js";
import { OpenlitStack } from "./stacks/openlit-stack.js";

// One stack per environment; each synthesizes to cdktf.out/stacks/openlit-<env>/cdk.tf.json.
const app = new App();
const backend = backendConfigFromEnv();
for (const { name } of ENVIRONMENTS) {
  new OpenlitStack(app, { environment: name, backend });
}
app.synth();
