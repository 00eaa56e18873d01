import { buildApp, synthAll } from "./stacks/app.js";

// `npm run synth` / `cdktf synth`: each stack to cdktf.out/stacks/openlit-<env>/ (cdk.tf.json + versions.tf.json).
synthAll(buildApp());
