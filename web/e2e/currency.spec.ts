import { expect, request } from "@playwright/test";
import { apiAs, apiUrl, expectAccessible, newTenantToken, screenshots, signIn, test } from "./support";

interface ApiPrice { interval: string; amount: number; currency: string }

async function proPrice(currency: string): Promise<ApiPrice> {
  const response = await (await request.newContext()).get(`${apiUrl}/plans`);
  const { plans } = (await response.json()) as { plans: { tier: string; prices: ApiPrice[] }[] };
  return plans.find((p) => p.tier === "pro")!.prices.find((p) => p.interval === "month" && p.currency === currency)!;
}

test("korean_pricing_page_shows_won_and_a_demo_checkout_from_it_ends_with_a_krw_invoice_on_the_dashboard", async ({ page }) => {
  const won = await proPrice("krw");
  // Whole won from the API (zero-decimal): 129000 is ₩129,000.
  expect(won.amount).toBe(129_000);
  const { token } = newTenantToken();
  await signIn(page, token, "ko");

  await page.goto("/ko/billing/pricing/");
  const proCard = page.locator("article.plan-card", { has: page.getByRole("heading", { name: "프로" }) });
  await expect(proCard).toContainText("₩129,000");
  await expect(page.locator("main")).not.toContainText("US$");
  await expectAccessible(page);
  await screenshots(page, "ko-pricing-krw");
  // Yearly: the won price and what a year saves, in won too.
  await page.getByRole("radio", { name: "연간" }).check();
  await expect(proCard).toContainText("₩1,290,000");
  await expect(proCard).toContainText("₩258,000");
  await screenshots(page, "ko-pricing-krw-yearly");
  await page.getByRole("radio", { name: "월간" }).check();

  await proCard.getByRole("button", { name: "프로 요금제로 업그레이드" }).click();
  await expect(page).toHaveURL(/\/ko\/billing\/$/, { timeout: 40_000 });

  const api = await apiAs(token);
  const subscription = (await (await api.get("subscription")).json()) as { plan_tier: string; currency: string };
  expect(subscription).toMatchObject({ plan_tier: "pro", currency: "krw" });
  const invoices = page.getByRole("table");
  await expect(invoices.getByRole("row").nth(1)).toContainText("₩129,000");
  await expectAccessible(page);
  await screenshots(page, "ko-dashboard-krw");

  // The English pages show the same invoice in won, and sell this tenant only in won.
  await page.goto("/en/billing/");
  await expect(page.getByRole("table").getByRole("row").nth(1)).toContainText("₩129,000");
  await page.goto("/en/billing/pricing/");
  await expect(page.locator("article.plan-card", { has: page.getByRole("heading", { name: "Enterprise" }) })).toContainText("₩649,000");
  await expect(page.locator("main")).not.toContainText("$");
});

test("english_pricing_page_shows_dollars", async ({ page }) => {
  const dollars = await proPrice("usd");
  await page.goto("/en/billing/pricing/");
  const proCard = page.locator("article.plan-card", { has: page.getByRole("heading", { name: "Pro" }) });
  await expect(proCard).toContainText(new Intl.NumberFormat("en", { style: "currency", currency: "USD" }).format(dollars.amount / 100));
  await expect(page.locator("main")).not.toContainText("₩");
});
