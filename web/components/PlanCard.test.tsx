import { fireEvent, screen, within } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import type { Plan } from "@/lib/api/client";
import { renderIn } from "@/test/render";
import { PlanCard } from "./PlanCard";

const pro: Plan = {
  tier: "pro", name: "Pro", price_monthly: 4900, currency: "usd",
  limits: { shipments: 1000, escrows: 100, api_calls: 100000 }, features: ["Text from the API"],
  prices: [{ interval: "month", amount: 4900, currency: "usd" }, { interval: "year", amount: 49000, currency: "usd" }],
};
const enterprise: Plan = {
  tier: "enterprise", name: "Enterprise", price_monthly: 29900, currency: "usd",
  limits: { shipments: -1, escrows: -1, api_calls: -1 }, features: [],
  prices: [{ interval: "month", amount: 29900, currency: "usd" }],
};

describe("PlanCard", () => {
  it("shows_the_price_from_minor_units_in_the_page_locale", () => {
    renderIn("en", <PlanCard plan={pro} current={false} />);
    expect(screen.getByText("$49.00")).toBeTruthy();
    expect(screen.getByRole("heading", { level: 2, name: "Pro" })).toBeTruthy();
  });

  it("formats_the_price_for_korean_pages", () => {
    renderIn("ko", <PlanCard plan={pro} current={false} />);
    expect(screen.getByText("US$49.00")).toBeTruthy();
    expect(screen.getByText("월간 한도")).toBeTruthy();
  });

  it("shows_won_prices_whole_on_korean_pages_and_their_yearly_saving_in_won", () => {
    const inWon: Plan = {
      ...pro,
      prices: [...pro.prices, { interval: "month", amount: 129_000, currency: "krw" }, { interval: "year", amount: 1_290_000, currency: "krw" }],
    };
    renderIn("ko", <PlanCard plan={inWon} current={false} currency="krw" interval="year" />);
    expect(screen.getByText("₩1,290,000")).toBeTruthy();
    expect(screen.getByText(/₩258,000/)).toBeTruthy();
    expect(screen.queryByText(/US\$/)).toBeNull();
  });

  it("shows_nothing_to_pay_for_the_free_plan_in_the_page_currency", () => {
    const free: Plan = { ...pro, tier: "free", name: "Free", price_monthly: 0, prices: [] };
    renderIn("ko", <PlanCard plan={free} current={false} currency="krw" />);
    expect(screen.getByText("₩0")).toBeTruthy();
  });

  it("shows_limits_and_unlimited_for_enterprise", () => {
    renderIn("en", <PlanCard plan={enterprise} current={false} />);
    const limits = screen.getByText("Shipments").closest("div")!;
    expect(within(limits).getByText("Unlimited")).toBeTruthy();
    expect(screen.getAllByText("Unlimited")).toHaveLength(3);
  });

  it("shows_limits_as_numbers_and_the_tier_features_from_the_messages", () => {
    renderIn("en", <PlanCard plan={pro} current={false} />);
    expect(screen.getByText("100,000")).toBeTruthy();
    expect(screen.getByText("Email support")).toBeTruthy();
  });

  it("marks_the_current_plan_and_offers_no_upgrade_to_it", () => {
    renderIn("en", <PlanCard plan={pro} current onUpgrade={() => {}} />);
    expect(screen.getByText("Current plan")).toBeTruthy();
    expect(screen.queryByRole("button")).toBeNull();
  });

  it("upgrade_button_calls_onUpgrade", () => {
    const onUpgrade = vi.fn();
    renderIn("en", <PlanCard plan={pro} current={false} onUpgrade={onUpgrade} />);
    fireEvent.click(screen.getByRole("button", { name: "Upgrade to Pro" }));
    expect(onUpgrade).toHaveBeenCalledOnce();
  });

  it("disables_the_upgrade_button_while_busy", () => {
    renderIn("en", <PlanCard plan={pro} current={false} onUpgrade={() => {}} busy />);
    expect((screen.getByRole("button", { name: "Upgrade to Pro" }) as HTMLButtonElement).disabled).toBe(true);
  });

  it("shows_the_yearly_price_and_what_a_year_saves", () => {
    renderIn("en", <PlanCard plan={pro} current={false} interval="year" />);
    expect(screen.getByText("$490.00")).toBeTruthy();
    expect(screen.getByText("per year")).toBeTruthy();
    expect(screen.getByText("Saves $98.00 a year over paying monthly")).toBeTruthy();
  });

  it("shows_the_monthly_price_of_a_plan_without_a_yearly_one", () => {
    renderIn("en", <PlanCard plan={enterprise} current={false} interval="year" />);
    expect(screen.getByText("$299.00")).toBeTruthy();
    expect(screen.getByText("per month")).toBeTruthy();
  });

  it("names_the_plan_and_its_features_in_korean_from_the_tier_not_the_api_text", () => {
    renderIn("ko", <PlanCard plan={pro} current={false} onUpgrade={() => {}} />);
    expect(screen.getByRole("heading", { level: 2, name: "프로" })).toBeTruthy();
    expect(screen.getByText("이메일 지원")).toBeTruthy();
    expect(screen.queryByText("Email support")).toBeNull();
    expect(screen.getByRole("button", { name: "프로 요금제로 업그레이드" })).toBeTruthy();
  });
});
