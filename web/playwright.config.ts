import { defineConfig, devices } from "@playwright/test";

// Started by ../scripts/test-web.sh, which runs DevHost (demo mode, real PostgreSQL and Azurite), builds
// this site against it and serves out/ before calling `playwright test`.
const webUrl = process.env.WEB_URL;
if (!webUrl) throw new Error("WEB_URL is not set: run the browser tests through scripts/test-web.sh");

export default defineConfig({
  testDir: "./e2e",
  workers: 1, // 2 cores shared with DevHost, PostgreSQL and Azurite
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 15_000 },
  outputDir: "test-results",
  reporter: [["list"], ["json", { outputFile: process.env.E2E_RESULTS || "playwright-report/results.json" }]],
  projects: [
    {
      name: "chromium",
      use: {
        ...devices["Desktop Chrome"],
        baseURL: webUrl,
        // Debian's chromium; never `playwright install` (it downloads a browser build).
        launchOptions: { executablePath: process.env.CHROMIUM_PATH || "/usr/bin/chromium" },
        trace: "retain-on-failure",
      },
    },
  ],
});
