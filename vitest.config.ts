import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["__tests__/**/*.test.ts", "modules/**/*.test.ts", "scripts/**/*.test.ts"],
    globals: true,
    setupFiles: ["__tests__/support/setup.ts"],
    testTimeout: 30_000,
    pool: "forks",
    // Most tests wait on real processes (terraform, bash, shellcheck), not the CPU: on a 2-core machine
    // vitest's default of one worker leaves the second core and the waiting time unused.
    maxWorkers: 3,
    // As many workers from start to end: with fewer minimum workers tinypool terminates idle ones mid-run, which
    // with isolate: false left orphaned workers spinning after the run ("Terminating worker thread").
    minWorkers: 3,
    // One module cache per worker instead of one per test file: cdktf and the AWS provider bindings are imported
    // once per worker, not once per file (about a third of the suite's wall time). Tests keep no global state
    // between files (synthesized stacks are cached by value, every stack is built in its own Testing.app()).
    isolate: false,
  },
});
