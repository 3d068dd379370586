import { describe, expect, it } from "vitest";
import { formatMoney, minorUnitDigits } from "./formatting";

// Stripe's minor units: cents for USD, but whole won and whole yen (zero-decimal currencies, never divided by 100).
describe("formatMoney", () => {
  it.each([
    { amount: 129_000, currency: "krw", locale: "ko", shown: "₩129,000" },
    { amount: 129_000, currency: "krw", locale: "en", shown: "₩129,000" },
    { amount: 6_490_000, currency: "KRW", locale: "en", shown: "₩6,490,000" },
    { amount: 1_000, currency: "jpy", locale: "en", shown: "¥1,000" },
    { amount: 1_000, currency: "jpy", locale: "ko", shown: "JP¥1,000" },
    { amount: 9_900, currency: "usd", locale: "en", shown: "$99.00" },
    { amount: 9_900, currency: "usd", locale: "ko", shown: "US$99.00" },
    { amount: 5, currency: "usd", locale: "en", shown: "$0.05" },
  ] as const)("shows $amount $currency on a $locale page as $shown", ({ amount, currency, locale, shown }) => {
    expect(formatMoney(amount, currency, locale)).toBe(shown);
  });

  it("knows which currencies have no minor unit", () => {
    expect([minorUnitDigits("krw"), minorUnitDigits("JPY"), minorUnitDigits("usd")]).toEqual([0, 0, 2]);
  });
});
