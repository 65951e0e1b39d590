import { defineConfig } from "vitest/config";

// Two layers: `unit` is fast and needs no engine (Pulumi mocks, pure logic, loopback processes);
// `e2e` drives the real Docker engine and the real Pulumi engine.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["test/unit/**/*.test.ts"],
          testTimeout: 60_000,
        },
      },
      {
        test: {
          name: "e2e",
          include: ["test/e2e/**/*.test.ts"],
          testTimeout: 900_000,
          hookTimeout: 900_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
