import { fireEvent, screen } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import type { Subscription } from "@/lib/api/client";
import { renderIn } from "@/test/render";
import { SubscriptionCard } from "./SubscriptionCard";

const yearlyPro: Subscription = {
  tenant_id: "11111111-1111-4111-8111-111111111111", plan_tier: "pro", subscription_status: "active",
  cancel_at_period_end: false, billing_period_start: "2026-11-01T00:00:00Z", billing_period_end: "2026-12-01T00:00:00Z",
  stripe_customer_id: "cus_1", demo_mode: false, billing_interval: "year", currency: "usd", limits_tier: "pro", trial_end: null, cancel_at: null,
  pending_plan_tier: null, pending_change_at: null, payment_failed_at: null, grace_until: null,
};
const free: Subscription = { ...yearlyPro, plan_tier: "free", limits_tier: "free", stripe_customer_id: null, billing_interval: null };
const handlers = { onSubscription: () => {}, onProblem: () => {}, onOpenPortal: () => {} };

describe("SubscriptionCard", () => {
  it("shows_status_interval_and_the_period_it_is_given_once", () => {
    renderIn("en", <SubscriptionCard subscription={yearlyPro} periodText="Nov 1, 2026 – Dec 1, 2026" {...handlers} />);
    expect(screen.getByText("Active")).toBeTruthy();
    expect(screen.getByText("Yearly")).toBeTruthy();
    expect(screen.getAllByText("Nov 1, 2026 – Dec 1, 2026")).toHaveLength(1);
    expect(screen.getByRole("button", { name: "Manage billing" })).toBeTruthy();
    expect(screen.getByRole("button", { name: "Cancel plan" })).toBeTruthy();
  });

  it("offers_the_plans_to_a_tenant_without_a_billing_account", () => {
    renderIn("en", <SubscriptionCard subscription={free} periodText={null} {...handlers} />);
    expect(screen.getByText("Calendar month")).toBeTruthy();
    expect(screen.getByRole("link", { name: "See plans" }).getAttribute("href")).toMatch(/^\/en\/billing\/pricing\/?$/);
    expect(screen.queryByRole("button", { name: "Cancel plan" })).toBeNull();
  });

  it("speaks_korean_on_korean_pages", () => {
    renderIn("ko", <SubscriptionCard subscription={yearlyPro} periodText="x" {...handlers} />);
    expect(screen.getByText("프로")).toBeTruthy();
    expect(screen.queryByText("Yearly")).toBeNull();
  });

  it("tells_a_past_due_state_once_in_its_status_and_banner_not_in_its_badge", () => {
    renderIn("en", <SubscriptionCard subscription={{ ...yearlyPro, subscription_status: "past_due",
      payment_failed_at: "2026-11-20T00:00:00Z", grace_until: "2099-11-27T00:00:00Z" }} periodText="x" {...handlers} />);
    expect(screen.getByText("Past due")).toBeTruthy();
    expect(screen.getByText(/Your last payment failed/)).toBeTruthy();
    expect(screen.queryByText("Payment past due")).toBeNull();
  });

  it("opens_the_portal_outside_demo_mode_from_manage_billing_and_the_payment_banner", () => {
    const onOpenPortal = vi.fn();
    renderIn("en", <SubscriptionCard subscription={{ ...yearlyPro, subscription_status: "past_due", payment_failed_at: "2026-11-20T00:00:00Z",
      grace_until: "2026-11-27T00:00:00Z" }} periodText="x" {...handlers} onOpenPortal={onOpenPortal} />);
    fireEvent.click(screen.getByRole("button", { name: "Manage billing" }));
    fireEvent.click(screen.getByRole("button", { name: "Update payment method" }));
    expect(onOpenPortal.mock.calls).toEqual([[undefined], ["update_payment_method"]]);
    expect(screen.queryByText(/this opens Stripe's billing portal/)).toBeNull();
  });

  it.each(["Manage billing", "Update payment method"])("says_what_the_portal_would_open_in_demo_mode_instead_of_reloading_%s", (button) => {
    const onOpenPortal = vi.fn();
    renderIn("en", <SubscriptionCard subscription={{ ...yearlyPro, demo_mode: true, subscription_status: "past_due",
      payment_failed_at: "2026-11-20T00:00:00Z", grace_until: "2026-11-27T00:00:00Z" }} periodText="x" {...handlers} onOpenPortal={onOpenPortal} />);
    fireEvent.click(screen.getByRole("button", { name: button }));
    expect(onOpenPortal).not.toHaveBeenCalled();
    expect(screen.getByText(/this opens Stripe's billing portal/)).toBeTruthy();
  });
});
