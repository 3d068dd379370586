import type { BillingInterval, Currency, Plan, PlanPrice } from "@/lib/api/client";
import type { Locale } from "@/lib/i18n/messages";

/** The plan's price for an interval in a currency, as GET /plans lists it; null when that price is not on sale. */
export function priceFor(plan: Plan, interval: BillingInterval, currency: string = plan.currency): PlanPrice | null {
  return plan.prices.find((p) => p.interval === interval && p.currency === currency) ?? null;
}

/**
 * The currency the pricing page shows and checks out in: the one the tenant already pays in (Stripe keeps a customer
 * on one currency, so the other is not offered), else the page's (won on the Korean pages, dollars on the English ones).
 */
export function pageCurrency(locale: Locale, currencies: readonly string[], tenantCurrency?: string | null): Currency {
  const wanted = tenantCurrency ?? (locale === "ko" ? "krw" : "usd");
  return (currencies.includes(wanted) ? wanted : currencies[0] ?? "usd") as Currency;
}

/** What paying yearly saves over twelve monthly payments, in minor units and whole percent; null without both prices or a saving. */
export function yearlySaving(plan: Plan, currency: string = plan.currency): { amount: number; currency: string; percent: number } | null {
  const month = priceFor(plan, "month", currency);
  const year = priceFor(plan, "year", currency);
  if (!month || !year) return null;
  const amount = month.amount * 12 - year.amount;
  if (amount <= 0) return null;
  return { amount, currency: year.currency, percent: Math.floor((amount * 100) / (month.amount * 12)) };
}

/** The largest saving of any plan, for the switch's label; null when no plan can be bought yearly for less. */
export function bestYearlySavingPercent(plans: Plan[], currency?: string): number | null {
  const percents = plans.map((plan) => yearlySaving(plan, currency ?? plan.currency)).filter((s) => s !== null).map((s) => s.percent);
  return percents.length > 0 ? Math.max(...percents) : null;
}

/** Whether any plan is on sale yearly (STRIPE_PRICE_<PLAN>_YEARLY set): otherwise there is no switch. */
export function offersYearly(plans: Plan[]): boolean {
  return plans.some((plan) => plan.prices.some((p) => p.interval === "year"));
}
