"use client";

import { useCallback, useState } from "react";
import { billingApi, type ChangePreview, type PaidTier, type PlanTier, type Subscription } from "@/lib/api/client";
import type { ApiProblem } from "@/lib/api/problem";
import { rememberCheckout } from "@/lib/checkoutIntent";
import type { Locale } from "@/lib/i18n/messages";
import { billingPath } from "@/lib/routes";

/**
 * Switching a paid plan: open the confirmation with Stripe's preview, then change. An upgrade that went through
 * goes to the success page, which waits for the new plan as after a checkout; one whose payment needs the
 * customer opens Stripe's invoice page; a scheduled downgrade goes back to the dashboard once the schedule shows.
 */
const POLL_EVERY_MS = 1000;
const WAIT_AT_MOST_MS = 15_000;

async function waitForSubscription(done: (subscription: Subscription) => boolean) {
  const started = Date.now();
  while (Date.now() - started < WAIT_AT_MOST_MS) {
    const current = await billingApi().subscription();
    if (current.ok && done(current.data)) return;
    await new Promise((resolve) => setTimeout(resolve, POLL_EVERY_MS));
  }
}

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
      case "scheduled":
        // The dashboard shows the scheduled switch once Stripe's event about the schedule has arrived: wait for it.
        await waitForSubscription((s) => s.pending_plan_tier === target);
        break;
    }
    window.location.assign(billingPath(locale));
  }, [close, current, locale, onProblem, preview, target]);

  return { target, preview, busy, open, close, confirm };
}
