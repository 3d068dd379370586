import AxeBuilder from "@axe-core/playwright";
import { expect, request, test as base, type APIRequestContext, type Page } from "@playwright/test";
import { execFileSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdirSync } from "node:fs";
import path from "node:path";

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the browser tests through scripts/test-web.sh`);
  return value;
}

export const apiUrl = required("API_URL");

/**
 * Every test's page fails the test on any Content-Security-Policy violation: the static server sends the
 * headers the Static Web App sends (serve.json, written by the build from staticwebapp.config.json), and
 * chromium reports what the policy blocked both as a console error and as a securitypolicyviolation event.
 */
export const test = base.extend<{ cspViolations: string[] }>({
  cspViolations: [
    async ({ page }, use) => {
      const violations: string[] = [];
      await page.addInitScript(() =>
        document.addEventListener("securitypolicyviolation", (e) =>
          console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || "inline"}`),
        ),
      );
      page.on("console", (message) => {
        const text = message.text();
        if (/Content Security Policy|CSP violation/i.test(text)) violations.push(text);
      });
      await use(violations);
      expect(violations, `CSP violations on ${page.url()}`).toEqual([]);
    },
    { auto: true },
  ],
});
const devHost = required("DEVHOST");
const devHostSettings = required("DEVHOST_SETTINGS");
const screenshotDir = process.env.SCREENSHOT_DIR || path.join(__dirname, "..", "screenshots");

/** A token for a brand-new tenant, minted outside the browser by DevHost with the API's own settings. */
export function newTenantToken(role: "admin" | "member" = "admin"): { tenantId: string; token: string } {
  const tenantId = randomUUID();
  const token = execFileSync(devHost, ["token", "--tenant", tenantId, "--role", role, "--settings", devHostSettings], { encoding: "utf8" }).trim();
  return { tenantId, token };
}

/** Signs in through the dev sign-in page's URL fragment, as run.sh's printed link does; lands on the dashboard. */
export async function signIn(page: Page, token: string, locale: "en" | "ko" = "en") {
  await page.goto(`/${locale}/billing/sign-in/#token=${token}`);
  await expect(page).toHaveURL(new RegExp(`/${locale}/billing/$`));
}

/** The page's problem message (Next's route announcer is also role=alert, so match ours by class). */
export function problemAlert(page: Page) {
  return page.locator("div.alert[role=alert]");
}

/** The API as another LogiNexus service sees it (not through the browser). */
export async function apiAs(token: string): Promise<APIRequestContext> {
  return request.newContext({ baseURL: `${apiUrl}/`, extraHTTPHeaders: { Authorization: `Bearer ${token}` } });
}

/** Upgrades a tenant through the API (demo mode queues the Stripe events) and waits until the plan is applied. */
export async function upgradeThroughApi(token: string, tier: "pro" | "enterprise", interval: "month" | "year" = "month") {
  const api = await apiAs(token);
  expect((await api.post("checkout", { data: { plan_tier: tier, interval } })).status()).toBe(200);
  await expect.poll(async () => ((await (await api.get("subscription")).json()) as { plan_tier: string }).plan_tier).toBe(tier);
}

/** axe-core on the page as it is now: no serious or critical violation. */
export async function expectAccessible(page: Page) {
  const results = await new AxeBuilder({ page }).analyze();
  const bad = results.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
  expect(bad, `axe violations on ${page.url()}`).toEqual([]);
}

/** Full-page screenshots at desktop width and at 390 px; at 390 px nothing may need sideways scrolling. */
export async function screenshots(page: Page, name: string) {
  mkdirSync(screenshotDir, { recursive: true });
  const desktop = page.viewportSize();
  await page.screenshot({ path: path.join(screenshotDir, `${name}-desktop.png`), fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow, `${name} scrolls sideways at 390 px`).toBeLessThanOrEqual(0);
  await page.screenshot({ path: path.join(screenshotDir, `${name}-390.png`), fullPage: true });
  if (desktop) await page.setViewportSize(desktop);
}
