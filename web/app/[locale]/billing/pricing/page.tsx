"use client";

import Link from "next/link";
import { useCallback, useEffect, useState } from "react";
import { IntervalSwitch } from "@/components/IntervalSwitch";
import { PlanCard } from "@/components/PlanCard";
import { ProblemAlert } from "@/components/ProblemAlert";
import { billingApi, type BillingInterval, type PaidTier, type Plan, type PlanTier } from "@/lib/api/client";
import type { ApiProblem } from "@/lib/api/problem";
import { accessToken } from "@/lib/auth/accessToken";
import { devSignInEnabled } from "@/lib/auth/devSignIn";
import { rememberCheckout } from "@/lib/checkoutIntent";
import { useI18n } from "@/lib/i18n/I18nProvider";
import { bestYearlySavingPercent, offersYearly } from "@/lib/pricing";
import { absoluteUrl, billingPath } from "@/lib/routes";
import { usePortal } from "@/lib/usePortal";

export default function PricingPage() {
  const { locale, messages } = useI18n();
  const [plans, setPlans] = useState<Plan[] | null>(null);
  const [current, setCurrent] = useState<PlanTier | null>(null);
  const [signedIn, setSignedIn] = useState(false);
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [busy, setBusy] = useState<PaidTier | null>(null);
  const [interval, setInterval] = useState<BillingInterval>("month");
  const openPortal = usePortal(locale, setProblem);

  const load = useCallback(async () => {
    setProblem(null);
    const hasToken = accessToken() !== null;
    setSignedIn(hasToken);
    const [plansResult, subscriptionResult] = await Promise.all([
      billingApi().plans(),
      hasToken ? billingApi().subscription() : Promise.resolve(null),
    ]);
    if (plansResult.ok) setPlans(plansResult.data.plans);
    else setProblem(plansResult.problem);
    // Plans are public: a subscription we may not read (403 for a member) only means no "current" mark.
    if (subscriptionResult?.ok) setCurrent(subscriptionResult.data.plan_tier);
  }, []);

  useEffect(() => { void load(); }, [load]);

  const upgrade = async (tier: PaidTier) => {
    setBusy(tier);
    setProblem(null);
    rememberCheckout({ from: current, to: tier });
    const result = await billingApi().checkout(tier, absoluteUrl(billingPath(locale, "success")), absoluteUrl(billingPath(locale, "canceled")), { interval, locale });
    if (result.ok) {
      window.location.assign(result.data.checkout_url);
      return;
    }
    setBusy(null);
    setProblem(result.problem);
  };

  return (
    <>
      <h1>{messages.pricing.title}</h1>
      <p className="lead">{messages.pricing.intro}</p>
      {problem && <ProblemAlert problem={problem} onRetry={() => void load()} onOpenPortal={() => void openPortal()} />}
      {busy && <p role="status">{messages.pricing.redirecting}</p>}
      {plans && !signedIn && (
        <p className="notice">
          {devSignInEnabled
            ? <Link href={billingPath(locale, "sign-in")}>{messages.plan.signInToUpgrade}</Link>
            : messages.plan.signInToUpgrade}
        </p>
      )}
      {plans === null && !problem && <p role="status">{messages.app.loading}</p>}
      {plans && offersYearly(plans) && (
        <IntervalSwitch value={interval} onChange={setInterval} savingPercent={bestYearlySavingPercent(plans)} />
      )}
      {plans && (
        <div className="plan-grid">
          {plans.map((plan) => (
            <PlanCard
              key={plan.tier}
              plan={plan}
              current={plan.tier === current}
              busy={busy !== null}
              interval={interval}
              onUpgrade={signedIn && plan.tier !== "free" ? () => void upgrade(plan.tier as PaidTier) : undefined}
            />
          ))}
        </div>
      )}
    </>
  );
}
