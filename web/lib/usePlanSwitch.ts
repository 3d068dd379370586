"use client";

import { useCallback, useState } from "react";
import { billingApi, type ChangePreview, type PaidTier, type PlanTier } from "@/lib/api/client";
import type { ApiProblem } from "@/lib/api/problem";
import { rememberCheckout } from "@/lib/checkoutIntent";
import type { Locale } from "@/lib/i18n/messages";
import { billingPath } from "@/lib/routes";

/**
 * Switching a paid plan: open the confirmation with Stripe's preview, then change. An upgrade that went through
 * goes to the success page, which waits for the new plan as after a checkout; one whose payment needs the
 * customer opens Stripe's invoice page; a scheduled downgrade goes back to the dashboard, which shows it.
 */
export function usePlanSwitch(locale: Locale, current: PlanTier | null, onProblem: (problem: ApiProblem) => void) {
  const [target, setTarget] = useState<PaidTier | null>(null);
  const [preview, setPreview] = useState<ChangePreview | null>(null);
  const [busy, setBusy] = useState(false);

  const close = useCallback(() => {
    setTarget(null);
    setPreview(null);
    setBusy(false);
  }, []);

  const open = useCallback(async (tier: PaidTier) => {
    setTarget(tier);
    setPreview(null);
    const result = await billingApi().changePreview(tier);
    if (result.ok) {
      setPreview(result.data);
      return;
    }
    close();
    onProblem(result.problem);
  }, [close, onProblem]);

  const confirm = useCallback(async () => {
    if (!target || !preview) return;
    setBusy(true);
    const result = await billingApi().changePlan(target, preview.proration_date);
    if (!result.ok) {
      close();
      onProblem(result.problem);
      return;
    }
    switch (result.data.status) {
      case "changed":
        rememberCheckout({ from: current, to: target });
        window.location.assign(billingPath(locale, "success"));
        return;
      case "requires_action":
        if (result.data.hosted_invoice_url) {
          window.location.assign(result.data.hosted_invoice_url);
          return;
        }
        break;
    }
    window.location.assign(billingPath(locale));
  }, [close, current, locale, onProblem, preview, target]);

  return { target, preview, busy, open, close, confirm };
}
