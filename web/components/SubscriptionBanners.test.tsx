import { fireEvent, screen } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import type { Subscription } from "@/lib/api/client";
import { renderIn } from "@/test/render";
import { SubscriptionBanners } from "./SubscriptionBanners";

const base: Subscription = {
  tenant_id: "11111111-1111-4111-8111-111111111111", plan_tier: "enterprise", subscription_status: "active",
  cancel_at_period_end: false, billing_period_start: "2026-11-03T00:00:00Z", billing_period_end: "2026-12-03T00:00:00Z",
  stripe_customer_id: "cus_1", demo_mode: false, billing_interval: "month", currency: "usd", limits_tier: "enterprise", trial_end: null, cancel_at: null,
  pending_plan_tier: null, pending_change_at: null, payment_failed_at: null, grace_until: null,
};

function handlers() {
  return { onAddCard: vi.fn(), onUpdatePayment: vi.fn(), onResume: vi.fn(), onKeepPlan: vi.fn() };
}

describe("SubscriptionBanners", () => {
  it("shows_nothing_for_a_subscription_in_good_standing", () => {
    const { container } = renderIn("en", <SubscriptionBanners subscription={base} {...handlers()} />);
    expect(container.textContent).toBe("");
  });

  it("trial_ending_offers_to_add_a_card", () => {
    const h = handlers();
    renderIn("en", <SubscriptionBanners subscription={{ ...base, subscription_status: "trialing", trial_end: "2026-11-17T00:00:00Z" }} {...h} />);
    expect(screen.getByText(/Your free trial of Enterprise ends on Nov 17, 2026/)).toBeTruthy();
    fireEvent.click(screen.getByRole("button", { name: "Add a card" }));
    expect(h.onAddCard).toHaveBeenCalledOnce();
  });

  it("cancellation_offers_to_resume", () => {
    const h = handlers();
    renderIn("en", <SubscriptionBanners subscription={{ ...base, cancel_at_period_end: true, cancel_at: "2026-12-03T00:00:00Z" }} {...h} />);
    expect(screen.getByText(/Your Enterprise plan ends on Dec 3, 2026/)).toBeTruthy();
    fireEvent.click(screen.getByRole("button", { name: "Resume Enterprise" }));
    expect(h.onResume).toHaveBeenCalledOnce();
  });

  it("scheduled_switch_offers_to_keep_the_plan", () => {
    const h = handlers();
    renderIn("en", <SubscriptionBanners subscription={{ ...base, pending_plan_tier: "pro", pending_change_at: "2026-12-03T00:00:00Z" }} {...h} />);
    expect(screen.getByText("Your plan switches to Pro on Dec 3, 2026.")).toBeTruthy();
    fireEvent.click(screen.getByRole("button", { name: "Keep Enterprise" }));
    expect(h.onKeepPlan).toHaveBeenCalledOnce();
  });

  it("failed_payment_within_the_grace_says_until_when_the_paid_limits_last", () => {
    const h = handlers();
    renderIn("en", <SubscriptionBanners subscription={{
      ...base, subscription_status: "past_due", payment_failed_at: "2026-11-20T00:00:00Z", grace_until: "2099-11-27T00:00:00Z",
    }} {...h} />);
    expect(screen.getByText(/You keep the Enterprise limits until Nov 27, 2099/)).toBeTruthy();
    fireEvent.click(screen.getByRole("button", { name: "Update payment method" }));
    expect(h.onUpdatePayment).toHaveBeenCalledOnce();
  });

  it("grace_run_out_says_since_when_free_limits_apply", () => {
    renderIn("en", <SubscriptionBanners subscription={{
      ...base, subscription_status: "past_due", limits_tier: "free", payment_failed_at: "2026-11-10T00:00:00Z", grace_until: "2026-11-17T00:00:00Z",
    }} {...handlers()} />);
    expect(screen.getByText(/You have had the limits of the Free plan since Nov 17, 2026/)).toBeTruthy();
    expect(screen.queryByText(/You keep the/)).toBeNull();
  });

  it("speaks_korean_on_korean_pages_with_the_korean_plan_names", () => {
    renderIn("ko", <SubscriptionBanners subscription={{ ...base, pending_plan_tier: "pro", pending_change_at: "2026-12-03T00:00:00Z" }} {...handlers()} />);
    expect(screen.getByText(/요금제가 프로로 변경됩니다/)).toBeTruthy();
    expect(screen.getByRole("button", { name: "엔터프라이즈 유지" })).toBeTruthy();
  });
});
