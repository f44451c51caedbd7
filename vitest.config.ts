import vue from "@vitejs/plugin-vue";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    reporters: ["default", "./tests/support/summary-reporter.ts"],
    projects: [
      {
        test: {
          name: "unit",
          include: ["tests/unit/**/*.test.ts"],
          // A limit for "frozen", not for "slow": these tests assert counts and results,
          // speed lives in bench/. vitest's 5 s default made CPU-bound tests (the engine's
          // scan counts, 4,000 windows through suppress) fail on a busy 2-core machine:
          // 7-9 s at load average 25, under a second when quiet.
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: "integration",
          include: ["tests/integration/**/*.test.ts"],
          // Gets the real services (env variables, or the native stack started on demand).
          globalSetup: ["tests/setup/services.ts"],
          pool: "forks",
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        // The web app's components and stores (ui/), in happy-dom.
        plugins: [vue()],
        test: {
          name: "ui",
          include: ["ui/tests/**/*.test.ts"],
          testTimeout: 60_000,
          hookTimeout: 60_000,
          environment: "happy-dom",
        },
      },
      {
        // The web app's journeys in Debian's Chromium against the running platform
        // (`./vobe start`; VOBE_WEB_URL, default http://127.0.0.1:8080). One file at a time.
        test: {
          name: "browser",
          include: ["tests/browser/**/*.test.ts"],
          globalSetup: ["tests/setup/services.ts"],
          pool: "forks",
          fileParallelism: false,
          testTimeout: 90_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
