/**
 * The one way the frontend calls the billing API: openapi-fetch over the types generated from
 * ../openapi/billing.yaml (npm run gen:api). A path, field or body the contract lacks fails `tsc`.
 */
import createClient from "openapi-fetch";
import type { components, paths } from "./schema.gen";
import { accessToken } from "@/lib/auth/accessToken";
import { networkProblem, toProblem, type ApiProblem } from "./problem";

export type Plan = components["schemas"]["Plan"];
export type Subscription = components["schemas"]["Subscription"];
export type Usage = components["schemas"]["UsageResponse"];
export type Invoice = components["schemas"]["Invoice"];
export type InvoicePage = components["schemas"]["InvoicesResponse"];
export type PlanTier = components["schemas"]["PlanTier"];
export type PaidTier = components["schemas"]["CheckoutRequest"]["plan_tier"];
export type BillingInterval = components["schemas"]["BillingInterval"];
export type PlanPrice = components["schemas"]["PlanPrice"];
export type CheckoutLocale = NonNullable<components["schemas"]["CheckoutRequest"]["locale"]>;
export type Currency = components["schemas"]["Currency"];
export type ResourceName = keyof Usage["usage"];
export type ChangePreview = components["schemas"]["ChangePreview"];
export type ChangeResult = components["schemas"]["ChangeResult"];
export type PortalFlow = NonNullable<components["schemas"]["PortalRequest"]["flow"]>;

export type ApiResult<T> = { ok: true; data: T } | { ok: false; problem: ApiProblem };

// Baked in at build time. `||`, not `??`: an empty variable must not become a relative URL.
export const apiBaseUrl = process.env.NEXT_PUBLIC_BILLING_API_URL || "http://127.0.0.1:7071/api/v1/billing";

export function createBillingClient(baseUrl: string = apiBaseUrl, getToken: () => string | null = accessToken) {
  const client = createClient<paths>({ baseUrl });
  client.use({
    onRequest({ request }) {
      const token = getToken();
      if (token) request.headers.set("Authorization", `Bearer ${token}`);
      return request;
    },
  });

  async function call<T>(send: () => Promise<{ data?: T; error?: unknown; response: Response }>): Promise<ApiResult<T>> {
    let result: { data?: T; error?: unknown; response: Response };
    try {
      result = await send();
    } catch {
      return { ok: false, problem: networkProblem() };
    }
    if (result.response.ok && result.data !== undefined) return { ok: true, data: result.data };
    return { ok: false, problem: toProblem(result.response, result.error) };
  }

  return {
    plans: () => call(() => client.GET("/plans")),
    subscription: () => call(() => client.GET("/subscription")),
    usage: () => call(() => client.GET("/usage")),
    invoices: (startingAfter?: string, limit = 10) =>
      call(() => client.GET("/invoices", { params: { query: { limit, starting_after: startingAfter } } })),
    checkout: (planTier: PaidTier, successUrl: string, cancelUrl: string, options: { interval?: BillingInterval; locale?: CheckoutLocale; currency?: Currency } = {}) =>
      call(() => client.POST("/checkout", { body: { plan_tier: planTier, success_url: successUrl, cancel_url: cancelUrl, ...options } })),
    portal: (returnUrl: string, flow?: PortalFlow) => call(() => client.POST("/portal", { body: { return_url: returnUrl, flow } })),
    changePreview: (planTier: PaidTier) =>
      call(() => client.GET("/subscription/change-preview", { params: { query: { plan_tier: planTier } } })),
    changePlan: (planTier: PaidTier, prorationDate?: string | null) =>
      call(() => client.POST("/subscription/change", { body: { plan_tier: planTier, proration_date: prorationDate ?? undefined } })),
    cancel: () => call(() => client.POST("/subscription/cancel")),
    resume: () => call(() => client.POST("/subscription/resume")),
  };
}

export type BillingClient = ReturnType<typeof createBillingClient>;

let shared: BillingClient | undefined;

/** The client the pages use (created on first use, so tests can stub `fetch` first). */
export function billingApi(): BillingClient {
  shared ??= createBillingClient();
  return shared;
}
