import { expect, request, type Page } from "@playwright/test";
import { createHmac, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { apiAs, apiUrl, expectAccessible, newTenantToken, screenshots, signIn, test, upgradeThroughApi } from "./support";

// The life of a subscription after checkout, against DevHost in demo mode: switches, a scheduled downgrade,
// cancel and resume go through the API's demo events; trials and failed payments are Stripe's own events,
// signed here with DevHost's webhook secret as Stripe would sign them.

const settings = JSON.parse(readFileSync(process.env.DEVHOST_SETTINGS ?? "", "utf8")) as { Values: { STRIPE_WEBHOOK_SECRET: string; STRIPE_PRICE_PRO: string } };
const webhookSecret = settings.Values.STRIPE_WEBHOOK_SECRET.split(",")[0] ?? "";
const proPrice = settings.Values.STRIPE_PRICE_PRO;
const day = 24 * 3600;
const nowSeconds = () => Math.floor(Date.now() / 1000);

/** Sends one event to POST /webhooks, signed like Stripe (t=…,v1=HMAC-SHA256(secret, "t.body")). */
async function sendStripeEvent(type: string, object: Record<string, unknown>, created: number) {
  const body = JSON.stringify({
    id: `evt_e2e_${randomUUID().replaceAll("-", "")}`, object: "event", api_version: "2026-10-28.endive", created,
    livemode: false, type, data: { object },
  });
  const t = nowSeconds();
  const signature = createHmac("sha256", webhookSecret).update(`${t}.${body}`).digest("hex");
  const api = await request.newContext();
  const response = await api.post(`${apiUrl}/webhooks`, {
    data: body, headers: { "Content-Type": "application/json", "Stripe-Signature": `t=${t},v1=${signature}` },
  });
  expect(response.status()).toBe(200);
}

/** A tenant whose pro subscription Stripe reports through its events (not through a demo checkout). */
async function subscribedThroughStripeEvents(token: string, tenantId: string, extra: Record<string, unknown>, start: number, end: number) {
  // The tenant's row exists from its first authenticated request; an event for a tenant we do not know is ignored.
  expect((await (await apiAs(token)).get("subscription")).status()).toBe(200);
  const customer = `cus_e2e_${randomUUID().slice(0, 8)}`;
  const subscription = `sub_e2e_${randomUUID().slice(0, 8)}`;
  const metadata = { tenant_id: tenantId };
  await sendStripeEvent("checkout.session.completed", {
    id: `cs_e2e_${randomUUID().slice(0, 8)}`, object: "checkout.session", mode: "subscription", status: "complete",
    client_reference_id: tenantId, customer, subscription, metadata,
  }, start);
  await sendStripeEvent("customer.subscription.created", {
    id: subscription, object: "subscription", customer, status: "active", created: start, cancel_at_period_end: false, metadata,
    items: { object: "list", data: [{ id: `si_${subscription}`, object: "subscription_item", quantity: 1,
      price: { id: proPrice, object: "price" }, current_period_start: start, current_period_end: end }] },
    ...extra,
  }, start);
  await subscriptionWhen(token, (x) => x.plan_tier === "pro");
  return { token, customer, subscription, metadata };
}

async function failedPayment(s: { token: string; customer: string; subscription: string; metadata: Record<string, string> }, at: number) {
  await sendStripeEvent("invoice.payment_failed", {
    id: `in_e2e_${randomUUID().slice(0, 8)}`, object: "invoice", customer: s.customer, status: "open",
    parent: { type: "subscription_details", subscription_details: { subscription: s.subscription, metadata: s.metadata } },
  }, at);
  await subscriptionWhen(s.token, (x) => x.payment_failed_at !== null);
}

/** Waits until the queue has applied the events: GET /subscription shows what they say. */
async function subscriptionWhen(token: string, done: (s: { plan_tier: string; payment_failed_at: string | null }) => boolean) {
  const api = await apiAs(token);
  await expect.poll(async () => done(await (await api.get("subscription")).json())).toBe(true);
}

/** A Pro tenant 20 days into its period whose payment failed `daysAgo` days ago, signed in: when it failed (Unix seconds). */
async function signedInAfterAFailedPayment(page: Page, daysAgo: number): Promise<number> {
  const { token, tenantId } = newTenantToken();
  const start = nowSeconds() - 20 * day;
  const s = await subscribedThroughStripeEvents(token, tenantId, {}, start, start + 30 * day);
  const failedAt = nowSeconds() - daysAgo * day;
  await failedPayment(s, failedAt);
  await signIn(page, token);
  return failedAt;
}

const banner = (page: Page, name: string) => page.locator(`li[data-banner="${name}"]`);
const dateIn = (locale: string, seconds: number) =>
  new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeZone: "UTC" }).format(new Date(seconds * 1000));

test("upgrade_with_preview_ends_on_the_enterprise_dashboard", async ({ page }) => {
  const { token } = newTenantToken();
  await upgradeThroughApi(token, "pro");
  await signIn(page, token);
  await page.goto("/en/billing/pricing/");
  await expect(page.locator("article.plan-card", { has: page.getByRole("heading", { name: "Pro" }) })).toContainText("Current plan");

  await page.getByRole("button", { name: "Switch to Enterprise" }).click();
  const dialog = page.getByRole("dialog", { name: "Switch to Enterprise" });
  await expect(dialog.getByText("Charged now")).toBeVisible();
  await expect(dialog).toContainText("$499.00"); // then every month
  await expect(dialog.getByText("Now", { exact: true })).toBeVisible();
  await expect(dialog.getByRole("button", { name: "Confirm switch to Enterprise" })).toBeFocused();
  await expectAccessible(page);
  await screenshots(page, "pricing-switch-upgrade");

  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/\/en\/billing\/success\/$/);
  await expect(page.getByText("Your plan is now Enterprise.")).toBeVisible({ timeout: 30_000 });
  await expect(page).toHaveURL(/\/en\/billing\/$/, { timeout: 10_000 });
  await expect(page.locator("main .plan-badge")).toContainText("Enterprise");
});

test("a_yearly_subscriber_is_told_the_yearly_price_from_then_on_in_both_languages", async ({ page }) => {
  const { token } = newTenantToken();
  await upgradeThroughApi(token, "pro", "year");
  await signIn(page, token);
  for (const [locale, then, monthly] of [["en", "Then, every year", "every month"], ["ko", "이후 매년", "매월"]] as const) {
    await page.goto(`/${locale}/billing/pricing/`);
    // The switch starts at the interval the tenant pays by.
    await expect(page.locator('input[name="billing-interval"][value="year"]')).toBeChecked();
    await page.locator("article.plan-card").nth(2).getByRole("button").click();
    const dialog = page.getByRole("dialog");
    await expect(dialog.getByText(then)).toBeVisible();
    await expect(dialog).not.toContainText(monthly);
    await expectAccessible(page);
    await screenshots(page, locale === "en" ? "pricing-switch-yearly" : "ko-pricing-switch-yearly");
    await page.keyboard.press("Escape");
    await expect(dialog).toHaveCount(0);
  }
});

test("scheduled_downgrade_shows_until_it_is_taken_back", async ({ page }) => {
  const { token } = newTenantToken();
  await upgradeThroughApi(token, "enterprise");
  const periodEnd = ((await (await (await apiAs(token)).get("subscription")).json()) as { billing_period_end: string }).billing_period_end;
  await signIn(page, token);
  await page.goto("/en/billing/pricing/");

  await page.getByRole("button", { name: "Switch to Pro" }).click();
  const dialog = page.getByRole("dialog", { name: "Switch to Pro" });
  const when = dateIn("en", Date.parse(periodEnd) / 1000);
  await expect(dialog).toContainText(when);
  await expect(dialog).toContainText("$0.00");
  await expect(dialog).toContainText("You keep Enterprise until the end of the period you paid for.");
  await screenshots(page, "pricing-switch-downgrade");
  await dialog.getByRole("button", { name: "Confirm switch to Pro" }).click();

  await expect(page).toHaveURL(/\/en\/billing\/$/);
  const pending = banner(page, "pending");
  await expect(pending).toContainText(`Your plan switches to Pro on ${when}.`, { timeout: 30_000 });
  await expect(page.locator("main .plan-badge")).toContainText("Enterprise");
  await expectAccessible(page);
  await screenshots(page, "dashboard-switch-scheduled");

  await pending.getByRole("button", { name: "Keep Enterprise" }).click();
  await expect(pending).toHaveCount(0, { timeout: 30_000 });
  await expect(page.locator("main .plan-badge")).toContainText("Enterprise");
});

test("cancel_then_resume_from_the_dashboard", async ({ page }) => {
  const { token } = newTenantToken();
  await upgradeThroughApi(token, "pro");
  const periodEnd = ((await (await (await apiAs(token)).get("subscription")).json()) as { billing_period_end: string }).billing_period_end;
  await signIn(page, token);

  await page.getByRole("button", { name: "Cancel plan" }).click();
  await expect(page.getByText(`Your plan will end on ${dateIn("en", Date.parse(periodEnd) / 1000)}`)).toBeVisible();
  await page.getByRole("button", { name: "Yes, cancel at period end" }).click();
  const canceling = banner(page, "canceling");
  await expect(canceling).toContainText(`Your Pro plan ends on ${dateIn("en", Date.parse(periodEnd) / 1000)}.`, { timeout: 30_000 });
  await expect(page.getByRole("button", { name: "Cancel plan" })).toHaveCount(0);
  await expectAccessible(page);
  await screenshots(page, "dashboard-canceling");

  await canceling.getByRole("button", { name: "Resume Pro" }).click();
  await expect(canceling).toHaveCount(0, { timeout: 30_000 });
  await expect(page.getByRole("button", { name: "Cancel plan" })).toBeVisible();
});

test("trial_shows_its_end_and_offers_to_add_a_card", async ({ page }) => {
  const { token, tenantId } = newTenantToken();
  const start = nowSeconds() - 4 * day;
  const trialEnd = start + 14 * day;
  await subscribedThroughStripeEvents(token, tenantId, { status: "trialing", trial_end: trialEnd }, start, trialEnd);
  await signIn(page, token);

  const trial = banner(page, "trial");
  await expect(trial).toContainText(`Your free trial of Pro ends on ${dateIn("en", trialEnd)}.`, { timeout: 30_000 });
  await expect(page.getByRole("progressbar", { name: "Shipments" })).toHaveAttribute("aria-valuemax", "1000");
  await expectAccessible(page);
  await screenshots(page, "dashboard-trial");
  await trial.getByRole("button", { name: "Add a card" }).click();
  await expect(page).toHaveURL(/\/en\/billing\/$/); // the demo portal sends the browser straight back
});

test("failed_payment_keeps_paid_limits_until_the_grace_ends", async ({ page }) => {
  const failedAt = await signedInAfterAFailedPayment(page, 2);

  const failed = banner(page, "payment-failed");
  await expect(failed).toContainText(`You keep the Pro limits until ${dateIn("en", failedAt + 7 * day)}`, { timeout: 30_000 });
  await expect(page.getByRole("progressbar", { name: "Shipments" })).toHaveAttribute("aria-valuemax", "1000");
  await expectAccessible(page);
  await screenshots(page, "dashboard-payment-failed");
  // Demo mode has no portal to open: the page says so instead of reloading itself.
  await failed.getByRole("button", { name: "Update payment method" }).click();
  await expect(page.getByText("this opens Stripe's billing portal")).toBeVisible();
  await expect(page).toHaveURL(/\/en\/billing\/$/);
});

test("failed_payment_past_the_grace_shows_free_limits_in_english_and_korean", async ({ page }) => {
  const failedAt = await signedInAfterAFailedPayment(page, 10);

  const restricted = banner(page, "restricted");
  await expect(restricted).toContainText(`You have had the limits of the Free plan since ${dateIn("en", failedAt + 7 * day)}`, { timeout: 30_000 });
  await expect(page.getByRole("progressbar", { name: "Shipments" })).toHaveAttribute("aria-valuemax", "50");
  await expect(restricted.getByRole("button", { name: "Update payment method" })).toBeVisible();
  await screenshots(page, "dashboard-restricted");

  await page.goto("/ko/billing/");
  await expect(banner(page, "restricted")).toContainText(`${dateIn("ko", failedAt + 7 * day)}부터 무료 요금제 한도가 적용되고 있습니다`);
  await expect(banner(page, "restricted").getByRole("button", { name: "결제 수단 변경" })).toBeVisible();
  await expectAccessible(page);
  await screenshots(page, "ko-dashboard-restricted");
});
