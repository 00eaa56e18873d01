/**
 * Runs before every test file (vitest setupFiles). cdktf records a full stack trace each time it creates a lazy token
 * (tokens/lazy.js: `creationStack`, shown only in the message of a token that fails to resolve). Under vitest every
 * such trace goes through vite-node's source-map support, frame by frame: a sixth of the workers' CPU time in the
 * whole suite. The tests synthesize the same JSON without it; the synth commands (plain node) keep it.
 */
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

const require = createRequire(import.meta.url);
const stackTrace = require(join(dirname(require.resolve("cdktf/package.json")), "lib", "tokens", "private", "stack-trace.js")) as {
  captureStackTrace: (below?: unknown) => string[];
};
stackTrace.captureStackTrace = () => [];
