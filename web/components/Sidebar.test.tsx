import { screen, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import type { Subscription } from "@/lib/api/client";
import { renderIn } from "@/test/render";
import { Sidebar } from "./Sidebar";

const subscription: Subscription = {
  tenant_id: "11111111-1111-4111-8111-111111111111", plan_tier: "pro", subscription_status: "past_due",
  cancel_at_period_end: false, billing_period_start: "2026-11-01T00:00:00Z", billing_period_end: "2026-12-01T00:00:00Z",
  stripe_customer_id: "cus_1", demo_mode: false, billing_interval: "month", currency: "usd", limits_tier: "pro", trial_end: null, cancel_at: null,
  pending_plan_tier: null, pending_change_at: null, payment_failed_at: "2026-11-20T00:00:00Z", grace_until: "2026-11-27T00:00:00Z",
};

describe("Sidebar", () => {
  it("shows_the_plan_badge_and_marks_the_current_page", () => {
    renderIn("en", <Sidebar pathname="/en/billing/pricing/" subscription={subscription} />);
    expect(screen.getByText("Payment past due")).toBeTruthy();
    const nav = screen.getByRole("navigation", { name: "Billing" });
    expect(within(nav).getByRole("link", { name: "Plans and pricing" }).getAttribute("aria-current")).toBe("page");
    expect(within(nav).getByRole("link", { name: "Dashboard" }).getAttribute("aria-current")).toBeNull();
  });

  it("switches_language_on_the_same_page", () => {
    renderIn("en", <Sidebar pathname="/en/billing/pricing/" subscription={null} />);
    expect(screen.getByRole("link", { name: "한국어" }).getAttribute("href")).toBe("/ko/billing/pricing/");
  });
});
