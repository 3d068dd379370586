import type { Locale } from "@/lib/i18n/messages";

export type BillingPage = "dashboard" | "pricing" | "success" | "canceled" | "sign-in";

/** Site paths (trailingSlash: true, so every page is a folder with index.html). */
export function billingPath(locale: Locale, page: BillingPage = "dashboard"): string {
  return page === "dashboard" ? `/${locale}/billing/` : `/${locale}/billing/${page}/`;
}

/** Absolute URL on this site's origin, for redirect targets the API checks against FRONTEND_BASE_URL. */
export function absoluteUrl(path: string): string {
  return new URL(path, window.location.origin).toString();
}

/** The same page in another language. */
export function withLocale(pathname: string, locale: Locale): string {
  return pathname.replace(/^\/[a-z]{2}(?=\/|$)/, `/${locale}`);
}
