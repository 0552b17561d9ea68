import { defineConfig } from "vitest/config";

// Browser tests: real backend binary + Debian's Chromium, driven by playwright-core.
// They share ports, a browser and the machine's 2 cores, so they run one at a time.
export default defineConfig({
  test: {
    environment: "node",
    include: ["e2e/**/*.e2e.ts"],
    testTimeout: 120_000,
    hookTimeout: 90_000,
    fileParallelism: false,
    maxWorkers: 1,
    sequence: { concurrent: false },
  },
});
