import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["__tests__/**/*.test.ts", "modules/**/*.test.ts", "scripts/**/*.test.ts"],
    globals: true,
    testTimeout: 30_000,
    pool: "forks",
    // Most tests wait on real processes (terraform, bash, shellcheck), not the CPU: on a 2-core machine
    // vitest's default of one worker leaves the second core and the waiting time unused.
    maxWorkers: 3,
    minWorkers: 1,
  },
});
