import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";

const CORES = availableParallelism();

export default defineConfig({
  test: {
    include: ["__tests__/**/*.test.ts", "modules/**/*.test.ts", "scripts/**/*.test.ts"],
    globals: true,
    setupFiles: ["__tests__/support/setup.ts"],
    testTimeout: 30_000,
    pool: "forks",
    // One worker per core. Each worker imports cdktf and the provider bindings and synthesizes the stacks it needs once,
    // and every process it spawns costs in proportion to its memory (fork): a third worker on two cores cost more than
    // it overlapped (fresh clone on 2 cores: 40 s with 3 workers, 35-37 s with 2, 41 s with 1).
    maxWorkers: CORES,
    // As many workers from start to end: with fewer minimum workers tinypool terminates idle ones mid-run, which
    // with isolate: false left orphaned workers spinning after the run ("Terminating worker thread").
    minWorkers: CORES,
    // One module cache per worker instead of one per test file: cdktf and the AWS provider bindings are imported
    // once per worker, not once per file (about a third of the suite's wall time). Tests keep no global state
    // between files (synthesized stacks are cached by value, every stack is built in its own Testing.app()).
    isolate: false,
  },
});
