import type { Locale } from "./messages";

/**
 * Stripe's zero-decimal currencies (https://docs.stripe.com/currencies#zero-decimal): their amounts are whole units
 * (129000 krw is ₩129,000), every other currency's are hundredths (9900 usd is $99.00). The one place the frontend
 * knows this; Billing.Core/Plans/Currencies.cs holds the same list for the API.
 */
const ZERO_DECIMAL = new Set(["bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd", "vuv", "xaf", "xof", "xpf"]);

/** How many decimals Stripe's minor units of `currency` carry: 0 for a zero-decimal currency, else 2. */
export function minorUnitDigits(currency: string): number {
  return ZERO_DECIMAL.has(currency.toLowerCase()) ? 0 : 2;
}

/**
 * Money as Stripe gives it (minor units, with its currency) in the page's language: ₩129,000 and $99.00 alike, and a
 * won amount stays in won on an English page. The currency always comes from the data, never from the page.
 */
export function formatMoney(minorUnits: number, currency: string, locale: Locale): string {
  const digits = minorUnitDigits(currency);
  return new Intl.NumberFormat(locale, {
    style: "currency",
    currency: currency.toUpperCase(),
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  }).format(minorUnits / 10 ** digits);
}

export function formatNumber(value: number, locale: Locale): string {
  return new Intl.NumberFormat(locale).format(value);
}

export function formatDate(iso: string, locale: Locale): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeZone: "UTC" }).format(new Date(iso));
}

export function formatDateTime(value: Date, locale: Locale): string {
  return `${new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" }).format(value)} UTC`;
}
