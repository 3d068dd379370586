"use client";

import { useCallback } from "react";
import { billingApi, type PortalFlow } from "@/lib/api/client";
import type { ApiProblem } from "@/lib/api/problem";
import type { Locale } from "@/lib/i18n/messages";
import { absoluteUrl, billingPath } from "@/lib/routes";

/** Opens Stripe's billing portal (or one of its flows), coming back to the dashboard; reports a problem instead of throwing. */
export function usePortal(locale: Locale, onProblem: (problem: ApiProblem) => void) {
  return useCallback(async (flow?: PortalFlow) => {
    const result = await billingApi().portal(absoluteUrl(billingPath(locale)), flow);
    if (result.ok) window.location.assign(result.data.portal_url);
    else onProblem(result.problem);
  }, [locale, onProblem]);
}
