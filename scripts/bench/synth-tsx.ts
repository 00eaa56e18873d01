// The app run through tsx, for scripts/bench.ts to compare with the bundled `npm run synth`.
import { buildApp, synthAll } from "../../stacks/app.js";

synthAll(buildApp());
if (process.env.SYNTH_METRICS === "1") {
  process.stderr.write(`${JSON.stringify({ maxRssMiB: process.resourceUsage().maxRSS / 1024 })}\n`);
}
