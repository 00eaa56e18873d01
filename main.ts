import { buildApp, stacksFromEnv, synthAll } from "./stacks/app.js";

// `npm run synth` / `cdktf synth`: each stack to cdktf.out/stacks/<system>-<env>/ (cdk.tf.json + versions.tf.json);
// `npm run synth -- <stack>…` only those (scripts/synth.mjs passes them as SYNTH_STACKS).
synthAll(buildApp({ only: stacksFromEnv() }));
