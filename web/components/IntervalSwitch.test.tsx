import { fireEvent, screen } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import type { Plan } from "@/lib/api/client";
import { bestYearlySavingPercent, offersYearly, pageCurrency, yearlySaving } from "@/lib/pricing";
import { renderIn } from "@/test/render";
import { IntervalSwitch } from "./IntervalSwitch";

const plan = (tier: "free" | "pro", prices: Plan["prices"]): Plan => ({
  tier, name: tier, price_monthly: prices[0]?.amount ?? 0, currency: "usd", limits: { shipments: 1, escrows: 1, api_calls: 1 }, features: [], prices,
});

describe("IntervalSwitch", () => {
  it("offers_monthly_and_yearly_with_what_a_year_saves", () => {
    renderIn("en", <IntervalSwitch value="month" onChange={() => {}} savingPercent={16} />);
    expect(screen.getByRole("group", { name: "Billing" })).toBeTruthy();
    expect((screen.getByRole("radio", { name: "Monthly" }) as HTMLInputElement).checked).toBe(true);
    expect(screen.getByText("save up to 16%")).toBeTruthy();
  });

  it("choosing_yearly_calls_onChange", () => {
    const onChange = vi.fn();
    renderIn("ko", <IntervalSwitch value="month" onChange={onChange} savingPercent={null} />);
    fireEvent.click(screen.getByRole("radio", { name: "연간" }));
    expect(onChange).toHaveBeenCalledWith("year");
  });
});

describe("pricing", () => {
  const pro = plan("pro", [{ interval: "month", amount: 9900, currency: "usd" }, { interval: "year", amount: 99000, currency: "usd" }]);

  it("a_year_saves_twelve_months_less_the_yearly_price", () => {
    expect(yearlySaving(pro)).toEqual({ amount: 19800, currency: "usd", percent: 16 });
  });

  it("a_year_in_won_saves_in_won", () => {
    const won = plan("pro", [...pro.prices, { interval: "month", amount: 129_000, currency: "krw" }, { interval: "year", amount: 1_290_000, currency: "krw" }]);
    expect(yearlySaving(won, "krw")).toEqual({ amount: 258_000, currency: "krw", percent: 16 });
  });

  it("korean_pages_sell_in_won_english_ones_in_dollars_and_a_paying_tenant_only_in_its_currency", () => {
    const currencies = ["usd", "krw"];
    expect(pageCurrency("ko", currencies)).toBe("krw");
    expect(pageCurrency("en", currencies)).toBe("usd");
    expect(pageCurrency("ko", currencies, "usd")).toBe("usd");
    expect(pageCurrency("en", currencies, "krw")).toBe("krw");
    expect(pageCurrency("ko", ["usd"])).toBe("usd");
  });

  it("no_switch_without_a_yearly_price", () => {
    expect(offersYearly([plan("free", []), plan("pro", [{ interval: "month", amount: 9900, currency: "usd" }])])).toBe(false);
    expect(bestYearlySavingPercent([plan("free", []), pro])).toBe(16);
  });
});
