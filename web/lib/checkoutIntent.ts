import type { PaidTier, PlanTier, Subscription } from "@/lib/api/client";

/** What the user was on and what they bought, kept across the trip to Stripe so the success page knows what "changed" means. */
export interface CheckoutIntent {
  from: PlanTier | null;
  to: PaidTier;
}

const KEY = "loginexus.billing.checkoutIntent";

export function rememberCheckout(intent: CheckoutIntent): void {
  window.sessionStorage.setItem(KEY, JSON.stringify(intent));
}

export function pendingCheckout(): CheckoutIntent | null {
  try {
    const value: unknown = JSON.parse(window.sessionStorage.getItem(KEY) ?? "null");
    if (typeof value === "object" && value !== null && "to" in value && (value.to === "pro" || value.to === "enterprise")) {
      const from = "from" in value && typeof value.from === "string" ? (value.from as PlanTier) : null;
      return { from, to: value.to };
    }
  } catch {
    // a damaged value is the same as none
  }
  return null;
}

export function forgetCheckout(): void {
  window.sessionStorage.removeItem(KEY);
}

/** The plan has changed once it is the one bought; without a remembered checkout, once it is no longer free. */
export function planChanged(subscription: Subscription, intent: CheckoutIntent | null): boolean {
  return intent ? subscription.plan_tier === intent.to : subscription.plan_tier !== "free";
}
