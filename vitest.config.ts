import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["__tests__/**/*.test.ts", "modules/**/*.test.ts", "scripts/**/*.test.ts"],
    globals: true,
    testTimeout: 30_000,
    pool: "forks",
  },
});
