"use client";

import { useCallback, useState } from "react";
import { billingApi, type ApiResult, type ChangeResult, type PaidTier, type Subscription } from "@/lib/api/client";
import type { ApiProblem } from "@/lib/api/problem";

const POLL_EVERY_MS = 1000;
const GIVE_UP_AFTER_MS = 30_000;

/**
 * Cancel at period end, resume a cancellation, or keep the plan instead of a scheduled switch. The API asks Stripe; the subscription
 * changes when Stripe's events arrive, so the dashboard polls GET /subscription until it shows the change (each answer
 * goes to `onSubscription`, so the shell's plan badge follows).
 */
export function useSubscriptionActions(
  subscription: Subscription | null,
  onSubscription: (subscription: Subscription) => void,
  onProblem: (problem: ApiProblem) => void,
) {
  const [busy, setBusy] = useState(false);
  const [requested, setRequested] = useState(false);

  const run = useCallback(async (ask: () => Promise<ApiResult<ChangeResult>>, done: (s: Subscription) => boolean) => {
    setBusy(true);
    setRequested(false);
    const result = await ask();
    if (!result.ok) {
      setBusy(false);
      onProblem(result.problem);
      return;
    }
    const started = Date.now();
    let confirmed = false;
    while (!confirmed && Date.now() - started < GIVE_UP_AFTER_MS) {
      const current = await billingApi().subscription();
      if (current.ok) {
        onSubscription(current.data);
        confirmed = done(current.data);
      }
      if (!confirmed) await new Promise((resolve) => setTimeout(resolve, POLL_EVERY_MS));
    }
    setBusy(false);
    // Once the change shows, the page says it; "requested" only when the provider has not confirmed it yet.
    setRequested(!confirmed);
  }, [onProblem, onSubscription]);

  const cancel = useCallback(() => run(() => billingApi().cancel(), (s) => s.cancel_at !== null), [run]);
  const resume = useCallback(() => run(() => billingApi().resume(), (s) => s.cancel_at === null), [run]);
  const keepPlan = useCallback(() => {
    const tier = subscription?.plan_tier;
    if (tier !== "pro" && tier !== "enterprise") return Promise.resolve();
    return run(() => billingApi().changePlan(tier as PaidTier), (s) => s.pending_plan_tier === null);
  }, [run, subscription?.plan_tier]);

  return { busy, requested, cancel, resume, keepPlan };
}
