import type { BillingInterval, Plan, PlanPrice } from "@/lib/api/client";

/** The plan's price for an interval, as GET /plans lists it; null when that interval is not on sale. */
export function priceFor(plan: Plan, interval: BillingInterval): PlanPrice | null {
  return plan.prices.find((p) => p.interval === interval) ?? null;
}

/** What paying yearly saves over twelve monthly payments, in minor units and whole percent; null without both prices or a saving. */
export function yearlySaving(plan: Plan): { amount: number; currency: string; percent: number } | null {
  const month = priceFor(plan, "month");
  const year = priceFor(plan, "year");
  if (!month || !year || month.currency !== year.currency) return null;
  const amount = month.amount * 12 - year.amount;
  if (amount <= 0) return null;
  return { amount, currency: year.currency, percent: Math.floor((amount * 100) / (month.amount * 12)) };
}

/** The largest saving of any plan, for the switch's label; null when no plan can be bought yearly for less. */
export function bestYearlySavingPercent(plans: Plan[]): number | null {
  const percents = plans.map(yearlySaving).filter((s) => s !== null).map((s) => s.percent);
  return percents.length > 0 ? Math.max(...percents) : null;
}

/** Whether any plan is on sale yearly (STRIPE_PRICE_<PLAN>_YEARLY set): otherwise there is no switch. */
export function offersYearly(plans: Plan[]): boolean {
  return plans.some((plan) => priceFor(plan, "year") !== null);
}
