import { expect, request } from "@playwright/test";
import { readFileSync } from "node:fs";
import path from "node:path";
import { apiAs, apiUrl, expectAccessible, newTenantToken, problemAlert, screenshots, signIn, test, upgradeThroughApi } from "./support";

interface ApiPlan { tier: string; name: string; price_monthly: number; currency: string }

async function plansFromApi(): Promise<ApiPlan[]> {
  const api = await request.newContext();
  const response = await api.get(`${apiUrl}/plans`);
  expect(response.status()).toBe(200);
  return ((await response.json()) as { plans: ApiPlan[] }).plans;
}

test("pricing_shows_the_three_plans_from_the_api", async ({ page }) => {
  const plans = await plansFromApi();
  expect(plans.map((p) => p.tier)).toEqual(["free", "pro", "enterprise"]);
  await page.goto("/en/billing/pricing/");
  await expect(page.getByRole("heading", { level: 1, name: "Plans and pricing" })).toBeVisible();
  const cards = page.locator("article.plan-card");
  await expect(cards).toHaveCount(3);
  for (const [i, plan] of plans.entries()) {
    const price = new Intl.NumberFormat("en", { style: "currency", currency: plan.currency.toUpperCase() }).format(plan.price_monthly / 100);
    await expect(cards.nth(i).getByRole("heading", { level: 2 })).toHaveText(plan.name);
    await expect(cards.nth(i)).toContainText(price);
  }
  await expect(cards.nth(2)).toContainText("Unlimited");
  await expectAccessible(page);
  await screenshots(page, "pricing");
});

test("keyboard_skip_link_reaches_the_main_content", async ({ page }) => {
  await page.goto("/en/billing/pricing/");
  await expect(page.locator("article.plan-card")).toHaveCount(3);
  await page.keyboard.press("Tab");
  await expect(page.getByRole("link", { name: "Skip to content" })).toBeFocused();
  await page.keyboard.press("Enter");
  await expect(page.locator("main")).toBeFocused();
});

test("upgrade_journey_ends_on_pro_dashboard", async ({ page }) => {
  const { token } = newTenantToken();
  await signIn(page, token);
  const main = page.locator("main");
  await expect(main.getByText("You are on the Free plan and have no billing account yet")).toBeVisible();
  await expect(main.locator(".plan-badge")).toContainText("Free");

  await page.getByRole("link", { name: "Plans and pricing" }).click();
  const proCard = page.locator("article.plan-card", { has: page.getByRole("heading", { name: "Pro" }) });
  await expect(page.locator("article.plan-card", { has: page.getByRole("heading", { name: "Free" }) })).toContainText("Current plan");
  // By keyboard: focus the button and press Enter.
  await proCard.getByRole("button", { name: "Upgrade to Pro" }).focus();
  await page.keyboard.press("Enter");

  // Demo checkout sends the browser straight to the success URL; the webhook events arrive on the queue.
  await expect(page).toHaveURL(/\/en\/billing\/success\/(\?session_id=demo_cs_\w+)?$/);
  await expect(page.getByRole("heading", { level: 1, name: "Thank you for your payment" })).toBeVisible();
  await expect(page.getByText("Your plan is now Pro. Taking you to your dashboard in 3 seconds.")).toBeVisible({ timeout: 30_000 });
  await expect(page).toHaveURL(/\/en\/billing\/$/, { timeout: 10_000 });
  await expect(main.locator(".plan-badge")).toContainText("Pro");
  await expect(main.getByText("Active", { exact: true })).toBeVisible();
  await expect(main.getByRole("button", { name: "Manage billing" })).toBeVisible();
  await expect(page.locator("aside .plan-badge")).toContainText("Pro");
});

test("yearly_checkout_ends_on_the_dashboard_with_the_yearly_plan_and_a_one_month_usage_period", async ({ page }) => {
  const plans = (await (await (await request.newContext()).get(`${apiUrl}/plans`)).json()) as {
    plans: { tier: string; prices: { interval: string; amount: number; currency: string }[] }[];
  };
  const proYearly = plans.plans.find((p) => p.tier === "pro")!.prices.find((p) => p.interval === "year" && p.currency === "usd")!;
  const { token } = newTenantToken();
  await signIn(page, token);

  await page.getByRole("link", { name: "Plans and pricing" }).click();
  await page.getByRole("radio", { name: "Yearly" }).check();
  const proCard = page.locator("article.plan-card", { has: page.getByRole("heading", { name: "Pro" }) });
  const yearly = new Intl.NumberFormat("en", { style: "currency", currency: proYearly.currency.toUpperCase() }).format(proYearly.amount / 100);
  await expect(proCard).toContainText(`${yearly} per year`);
  await expect(proCard).toContainText("a year over paying monthly");
  await expectAccessible(page);
  await screenshots(page, "pricing-yearly");
  await proCard.getByRole("button", { name: "Upgrade to Pro" }).click();

  await expect(page.getByText("Your plan is now Pro. Taking you to your dashboard in 3 seconds.")).toBeVisible({ timeout: 30_000 });
  await expect(page).toHaveURL(/\/en\/billing\/$/, { timeout: 10_000 });
  const main = page.locator("main");
  await expect(main.locator(".plan-badge")).toContainText("Pro");
  await expect(main.getByText("Yearly", { exact: true })).toBeVisible();

  // Limits stay monthly: the usage period is one month of the Stripe year.
  const api = await apiAs(token);
  const usage = (await (await api.get("usage")).json()) as { period_start: string; period_end: string };
  const start = new Date(usage.period_start);
  const oneMonthOn = new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + 1, start.getUTCDate(), start.getUTCHours(), start.getUTCMinutes(), start.getUTCSeconds()));
  expect(new Date(usage.period_end).getTime()).toBeLessThanOrEqual(oneMonthOn.getTime());
  expect(new Date(usage.period_end).getTime()).toBeGreaterThan(oneMonthOn.getTime() - 4 * 24 * 3600 * 1000);
  const format = (iso: string) => new Intl.DateTimeFormat("en", { dateStyle: "medium", timeZone: "UTC" }).format(new Date(iso));
  await expect(main.getByText(`${format(usage.period_start)} – ${format(usage.period_end)}`).first()).toBeVisible();
  await screenshots(page, "dashboard-yearly");
});

test("usage_bars_move_after_consumes_made_through_the_api", async ({ page }) => {
  const { token } = newTenantToken();
  await signIn(page, token);
  const shipments = page.getByRole("progressbar", { name: "Shipments" });
  const escrows = page.getByRole("progressbar", { name: "Escrows" });
  await expect(shipments).toHaveAttribute("aria-valuenow", "0");
  await expect(shipments).toHaveAttribute("aria-valuemax", "50");

  const api = await apiAs(token);
  expect((await api.post("usage/shipments/consume", { data: { quantity: 3 } })).status()).toBe(200);
  expect((await api.post("usage/escrows/consume", { data: { quantity: 4 } })).status()).toBe(200);
  await page.reload();

  await expect(shipments).toHaveAttribute("aria-valuenow", "3");
  await expect(shipments).toHaveAttribute("aria-valuetext", "3 of 50");
  await expect(escrows).toHaveAttribute("aria-valuenow", "4");
  await expect(page.getByText("Nearly at the limit")).toBeVisible(); // 4 of 5 escrows is 80 %
  await expectAccessible(page);
  await screenshots(page, "dashboard-free");
});

test("invoice_list_shows_the_demo_invoices", async ({ page }) => {
  const { token } = newTenantToken();
  await upgradeThroughApi(token, "pro");
  const api = await apiAs(token);
  const { invoices } = (await (await api.get("invoices")).json()) as { invoices: { number: string; amount_due: number }[] };
  expect(invoices.length).toBeGreaterThan(0);

  await signIn(page, token);
  await expect(page.getByText("Demo mode: no payments, no Stripe; limits are enforced.")).toBeVisible();
  const table = page.getByRole("table");
  for (const invoice of invoices) {
    const row = table.getByRole("row", { name: new RegExp(invoice.number) });
    await expect(row).toContainText(new Intl.NumberFormat("en", { style: "currency", currency: "USD" }).format(invoice.amount_due / 100));
    await expect(row).toContainText("Paid");
  }
  await expectAccessible(page);
  await screenshots(page, "dashboard-pro");
});

test("success_page_waits_for_the_plan_to_change", async ({ page }) => {
  const { token } = newTenantToken();
  await signIn(page, token);
  // A free tenant with no checkout under way: the plan never changes, so the page keeps waiting.
  await page.goto("/en/billing/success/");
  await expect(page.getByText("We are confirming your new plan")).toBeVisible();
  await expectAccessible(page);
  await screenshots(page, "success");
});

test("success_page_says_payment_received_after_30_seconds_without_a_change", async ({ page }) => {
  const { token } = newTenantToken();
  await signIn(page, token);
  await page.clock.install();
  await page.goto("/en/billing/success/");
  await expect(page.getByText("We are confirming your new plan")).toBeVisible();
  // From here the page's time moves only when the test moves it (a few real seconds have passed already).
  await page.clock.pauseAt(await page.evaluate(() => Date.now() + 100));
  await page.clock.fastForward("00:20");
  await expect(page.getByText("We are confirming your new plan")).toBeVisible();
  await page.clock.fastForward("00:11");
  await expect(page.getByText("Payment received. Your plan will update shortly")).toBeVisible();
  await expect(page).toHaveURL(/\/en\/billing\/success\/$/);
});

test("canceled_page_says_nothing_was_charged", async ({ page }) => {
  await page.goto("/en/billing/canceled/");
  await expect(page.getByRole("heading", { level: 1, name: "Checkout canceled" })).toBeVisible();
  await expect(page.getByText("Nothing was charged.")).toBeVisible();
  await expectAccessible(page);
  await screenshots(page, "canceled");
  await page.getByRole("link", { name: "Back to plans and pricing" }).focus();
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/\/en\/billing\/pricing\/$/);
});

test("korean_pages_render_korean", async ({ page }) => {
  const { token } = newTenantToken();
  await signIn(page, token, "ko");
  const pages = [
    ["/ko/billing/", "결제"],
    ["/ko/billing/pricing/", "요금제 및 가격"],
    ["/ko/billing/success/", "결제해 주셔서 감사합니다"],
    ["/ko/billing/canceled/", "결제가 취소되었습니다"],
  ] as const;
  for (const [path, heading] of pages) {
    await page.goto(path);
    await expect(page.locator("html")).toHaveAttribute("lang", "ko");
    await expect(page.getByRole("heading", { level: 1 })).toHaveText(heading);
    await expect(page.getByRole("navigation", { name: "결제" }).getByRole("link", { name: "대시보드" })).toBeVisible();
    await expectAccessible(page);
  }
  await page.goto("/ko/billing/");
  await expect(page.getByRole("progressbar", { name: "배송" })).toHaveAttribute("aria-valuetext", "50 중 0");
  await screenshots(page, "ko-dashboard");
  await page.goto("/ko/billing/pricing/");
  await expect(page.getByRole("button", { name: "프로 요금제로 업그레이드" })).toBeVisible();
  await screenshots(page, "ko-pricing");
});

test("a_503_from_the_api_shows_when_to_retry", async ({ page }) => {
  await page.route(`${apiUrl}/plans`, (route) => route.fulfill({
    status: 503,
    headers: { "Content-Type": "application/problem+json", "Retry-After": "30", "Access-Control-Allow-Origin": "*", "Access-Control-Expose-Headers": "Retry-After" },
    body: JSON.stringify({
      type: "urn:loginexus:billing:error:database_unavailable", title: "Database unavailable", status: 503,
      detail: "The billing database cannot be reached.", code: "database_unavailable", retry_after: 30,
    }),
  }));
  await page.goto("/en/billing/pricing/");
  const alert = problemAlert(page);
  await expect(alert).toContainText("Database unavailable");
  await expect(alert).toContainText("Try again in 30 seconds.");
  await expectAccessible(page);
  await screenshots(page, "pricing-503");

  await page.unroute(`${apiUrl}/plans`);
  await alert.getByRole("button", { name: "Try again" }).click();
  await expect(page.locator("article.plan-card")).toHaveCount(3);
  await expect(problemAlert(page)).toHaveCount(0);
});

test("an_invalid_token_asks_to_sign_in_and_a_member_is_told_about_the_admin_role", async ({ page }) => {
  const { token } = newTenantToken();
  const tampered = `${token.slice(0, -4)}AAAA`;
  await signIn(page, tampered);
  const alert = problemAlert(page);
  await expect(alert).toContainText("Sign in again");
  await expect(alert.getByRole("link", { name: "Sign in" })).toBeVisible();

  const member = newTenantToken("member");
  await signIn(page, member.token);
  await expect(problemAlert(page)).toContainText("Billing needs the admin role");
});

test("dev_sign_in_takes_a_pasted_token", async ({ page }) => {
  await page.goto("/en/billing/sign-in/");
  await expect(page.getByRole("heading", { level: 1, name: "Developer sign-in" })).toBeVisible();
  await page.getByLabel("Access token (JWT)").fill("not a token");
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(page.getByText("That does not look like a JWT")).toBeVisible();
  await expectAccessible(page);
  await screenshots(page, "sign-in");

  const { token } = newTenantToken();
  await page.getByLabel("Access token (JWT)").fill(token);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(page).toHaveURL(/\/en\/billing\/$/);
  await expect(page.getByRole("progressbar", { name: "Shipments" })).toBeVisible();
  expect(await page.evaluate(() => Object.values(sessionStorage))).toContain(token);
});

test("every_page_is_served_with_the_static_web_apps_security_headers", async ({ page }) => {
  // What Azure sends: the build's out/staticwebapp.config.json (its policy filled in by scripts/security-headers.mjs).
  const config = JSON.parse(readFileSync(path.join(__dirname, "..", "out", "staticwebapp.config.json"), "utf8")) as {
    globalHeaders: Record<string, string>;
  };
  const policy = config.globalHeaders["Content-Security-Policy"];
  expect(policy).toContain("default-src 'self'");
  expect(policy).toContain("frame-ancestors 'none'");
  expect(policy).toContain(`connect-src 'self' ${new URL(apiUrl).origin}`);
  expect(policy).not.toContain("unsafe-inline");
  expect(config.globalHeaders["X-Content-Type-Options"]).toBe("nosniff");
  expect(config.globalHeaders["Referrer-Policy"]).toBeTruthy();
  for (const locale of ["en", "ko"]) {
    for (const pagePath of ["", "pricing/", "success/", "canceled/", "sign-in/"]) {
      const response = await page.request.get(`/${locale}/billing/${pagePath}`);
      expect(response.status(), pagePath).toBe(200);
      const headers = response.headers();
      for (const [name, value] of Object.entries(config.globalHeaders)) expect(headers[name.toLowerCase()], `${name} on /${locale}/billing/${pagePath}`).toBe(value);
    }
  }
});

test("the_not_found_page_renders_under_the_policy", async ({ page }) => {
  const response = await page.goto("/en/billing/no-such-page/");
  expect(response?.status()).toBe(404);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Page not found");
});
