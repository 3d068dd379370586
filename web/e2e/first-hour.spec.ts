import { expect, request, type Page } from "@playwright/test";
import { apiAs, expectAccessible, newTenantToken, problemAlert, screenshots, signIn, test, upgradeThroughApi } from "./support";

// What a new user meets in the first hour: the site's front door, the 404 page, Korean that is Korean, and the
// pages that used to say the wrong thing (thanks above "Unauthorized", a silent "Manage billing" in demo mode),
// demo mode that shows the product (limits enforced) and pages that read the subscription once.

test("the_site_root_redirects_to_the_english_dashboard", async ({ page, baseURL }) => {
  const site = await request.newContext({ baseURL });
  const response = await site.get("/", { maxRedirects: 0 });
  expect(response.status()).toBe(302);
  expect(response.headers()["location"]).toBe("/en/billing/");
  await page.goto("/");
  await expect(page).toHaveURL(/\/en\/billing\/$/);
});

test("a_missing_page_is_a_404_inside_the_app_shell_in_both_languages", async ({ page }) => {
  const response = await page.goto("/en/billing/no-such-page/");
  expect(response?.status()).toBe(404);
  await expect(page.getByRole("heading", { level: 1, name: "Page not found" })).toBeVisible();
  await expect(page.getByRole("navigation", { name: "Billing" }).getByRole("link", { name: "Dashboard" })).toBeVisible();
  await expectAccessible(page);
  await screenshots(page, "not-found");

  expect((await page.goto("/ko/billing/no-such-page/"))?.status()).toBe(404);
  await expect(page.getByRole("heading", { level: 1, name: "페이지를 찾을 수 없습니다" })).toBeVisible();
  await expect(page.locator("html")).toHaveAttribute("lang", "ko");
  await expect(page.getByRole("navigation", { name: "결제" }).getByRole("link", { name: "대시보드" })).toBeVisible();
  await expectAccessible(page);
  await screenshots(page, "ko-not-found");
  await page.getByRole("link", { name: "대시보드로 이동" }).click();
  await expect(page).toHaveURL(/\/ko\/billing\/$/);
});

test("pages_have_a_favicon_and_a_description_in_their_language", async ({ page, baseURL }) => {
  for (const [path, description] of [["/en/billing/pricing/", /LogiNexus account/], ["/ko/billing/pricing/", /요금제, 사용량, 청구서/]] as const) {
    await page.goto(path);
    await expect(page.locator('meta[name="description"]')).toHaveAttribute("content", description);
    const icon = await page.locator('link[rel="icon"]').getAttribute("href");
    expect(icon).toBeTruthy();
    const response = await (await request.newContext({ baseURL })).get(icon!);
    expect(response.status()).toBe(200);
    expect(response.headers()["content-type"]).toContain("image/svg+xml");
  }
});

test("korean_pricing_names_plans_and_features_in_korean_and_wraps_between_words", async ({ page }) => {
  await page.goto("/ko/billing/pricing/");
  const cards = page.locator("article.plan-card");
  await expect(cards).toHaveCount(3);
  await expect(cards.getByRole("heading", { level: 2 })).toHaveText(["무료", "프로", "엔터프라이즈"]);
  await expect(cards.nth(1)).toContainText("이메일 지원");
  await expect(page.locator("main")).not.toContainText("Email support");
  await expect(page.locator("main")).not.toContainText("Enterprise");
  expect(await page.locator("p.lead").evaluate((el) => getComputedStyle(el).wordBreak)).toBe("keep-all");
  expect(await page.goto("/en/billing/pricing/").then(() => page.locator("p.lead").evaluate((el) => getComputedStyle(el).wordBreak))).toBe("normal");
});

test("the_success_page_does_not_thank_a_signed_out_visitor_for_a_payment", async ({ page }) => {
  await page.goto("/en/billing/success/");
  await expect(problemAlert(page)).toContainText("Sign-in needed");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Sign in to see your plan");
  await expect(page.getByText("Thank you for your payment")).toHaveCount(0);
  await expect(page.getByText("We are confirming your new plan")).toHaveCount(0);
  await expectAccessible(page);
  await screenshots(page, "success-signed-out");

  await page.goto("/ko/billing/success/");
  await expect(problemAlert(page)).toContainText("로그인이 필요합니다");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("요금제를 보려면 로그인하세요");
  await expect(problemAlert(page)).not.toContainText("Unauthorized");
});

test("the_dev_sign_in_page_says_who_is_signed_in", async ({ page }) => {
  await page.goto("/en/billing/sign-in/");
  await expect(page.getByRole("status")).toHaveText("Not signed in.");
  const { tenantId, token } = newTenantToken();
  await signIn(page, token);
  await page.goto("/en/billing/sign-in/");
  await expect(page.getByRole("status")).toContainText(`Signed in as admin of tenant ${tenantId}, until `);
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page.getByRole("status")).toHaveText("Not signed in.");
});

test("manage_billing_in_demo_mode_says_what_it_would_open_and_the_dashboard_shows_the_period_once", async ({ page }) => {
  const { token } = newTenantToken();
  await upgradeThroughApi(token, "pro");
  await signIn(page, token);
  const main = page.locator("main");
  await expect(page.getByRole("progressbar", { name: "Shipments" })).toBeVisible();
  expect(await main.evaluate((el) => (el as HTMLElement).innerText.split("–").length - 1), "date ranges on the dashboard").toBe(1);

  const url = page.url();
  await main.getByRole("button", { name: "Manage billing" }).click();
  await expect(main.getByText("this opens Stripe's billing portal")).toBeVisible();
  expect(page.url()).toBe(url);
  await expectAccessible(page);
});

test("korean_pages_every_page_at_both_widths", async ({ page }) => {
  const { token } = newTenantToken();
  await signIn(page, token, "ko");
  await page.goto("/ko/billing/success/");
  await expect(page.getByText("결제 대행사와 새 요금제를 확인하는 중입니다")).toBeVisible();
  await screenshots(page, "ko-success");
  await page.goto("/ko/billing/canceled/");
  await expect(page.getByRole("heading", { level: 1, name: "결제가 취소되었습니다" })).toBeVisible();
  await screenshots(page, "ko-canceled");
  await page.goto("/ko/billing/sign-in/");
  await expect(page.getByRole("status")).toContainText("로그인되어 있습니다");
  await expectAccessible(page);
  await screenshots(page, "ko-sign-in");

  await upgradeThroughApi(token, "pro");
  await page.goto("/ko/billing/");
  await expect(page.getByRole("table")).toContainText("결제 완료");
  await expect(page.locator("aside .plan-badge")).toContainText("프로");
  await expectAccessible(page);
  await screenshots(page, "ko-dashboard-pro");
});

test("demo_mode_refuses_at_the_limit_and_a_demo_upgrade_lifts_it", async ({ page }) => {
  const { token } = newTenantToken();
  const api = await apiAs(token);
  expect((await api.post("usage/escrows/consume", { data: { quantity: 5 } })).status()).toBe(200); // Free: 5 escrows
  expect((await api.post("usage/escrows/consume", { data: { quantity: 1 } })).status()).toBe(402);
  await signIn(page, token);
  const escrows = page.getByRole("progressbar", { name: "Escrows" });
  await expect(escrows).toHaveAttribute("aria-valuetext", "5 of 5");
  await expect(page.getByText("Limit reached")).toBeVisible();
  const demo = page.getByRole("note");
  await expect(demo).toContainText("limits are enforced");
  await demo.getByText("Demo mode").click(); // the details are folded under the one line
  await expect(demo.getByText("through simulated payment events")).toBeVisible();
  await expectAccessible(page);
  await screenshots(page, "dashboard-limit-reached");
  await page.goto("/ko/billing/");
  await expect(page.getByRole("note")).toContainText("한도는 적용됩니다");
  await screenshots(page, "ko-dashboard-limit-reached");

  await upgradeThroughApi(token, "pro");
  expect((await api.post("usage/escrows/consume", { data: { quantity: 1 } })).status()).toBe(200);
});

/** Counts the page's GET /subscription requests (a CORS preflight is an OPTIONS, not counted). */
function subscriptionReads(page: Page): string[] {
  const reads: string[] = [];
  page.on("request", (request) => {
    if (request.method() === "GET" && new URL(request.url()).pathname.endsWith("/subscription")) reads.push(page.url());
  });
  return reads;
}

test("one_subscription_read_serves_the_shell_and_the_page", async ({ page }) => {
  const { token } = newTenantToken();
  await upgradeThroughApi(token, "pro");
  await signIn(page, token);
  const reads = subscriptionReads(page);

  for (const [path, pageShows] of [
    ["/en/billing/", page.locator("main .plan-badge")],
    ["/en/billing/pricing/", page.locator("article.plan-card--current")],
    ["/ko/billing/", page.locator("main .plan-badge")],
  ] as const) {
    reads.length = 0;
    await page.goto(path);
    await expect(page.locator("aside .plan-badge")).toBeVisible();
    await expect(pageShows).toBeVisible();
    await page.waitForLoadState("networkidle");
    expect(reads, `GET /subscription on ${path}`).toHaveLength(1);
  }

  // A navigation inside the app reads it once more, for both again.
  reads.length = 0;
  await page.getByRole("link", { name: "요금제 및 가격" }).click();
  await expect(page.locator("article.plan-card--current")).toBeVisible();
  await page.waitForLoadState("networkidle");
  expect(reads, "GET /subscription after a navigation").toHaveLength(1);
});
