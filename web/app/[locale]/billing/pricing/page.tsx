"use client";

import Link from "next/link";
import { useCallback, useEffect, useState } from "react";
import { ChangePlanDialog } from "@/components/ChangePlanDialog";
import { IntervalSwitch } from "@/components/IntervalSwitch";
import { PlanCard } from "@/components/PlanCard";
import { ProblemAlert } from "@/components/ProblemAlert";
import { billingApi, type BillingInterval, type Currency, type PaidTier, type Plan } from "@/lib/api/client";
import type { ApiProblem } from "@/lib/api/problem";
import { devSignInEnabled } from "@/lib/auth/devSignIn";
import { rememberCheckout } from "@/lib/checkoutIntent";
import { useI18n } from "@/lib/i18n/I18nProvider";
import { format } from "@/lib/i18n/messages";
import { tierName } from "@/lib/i18n/tiers";
import { bestYearlySavingPercent, offersYearly, pageCurrency } from "@/lib/pricing";
import { absoluteUrl, billingPath } from "@/lib/routes";
import { isLivePaid, useSubscription } from "@/lib/subscription";
import { usePlanSwitch } from "@/lib/usePlanSwitch";
import { usePortal } from "@/lib/usePortal";

export default function PricingPage() {
  const { locale, messages } = useI18n();
  const [plans, setPlans] = useState<Plan[] | null>(null);
  // The shell's read of the subscription: a member may not read it (403), which only means no "current" mark.
  const { subscription, signedIn } = useSubscription();
  const current = subscription?.plan_tier ?? null;
  const subscribed = subscription !== null && isLivePaid(subscription);
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [busy, setBusy] = useState<PaidTier | null>(null);
  // The prices shown start at the interval the tenant pays by (a yearly subscriber sees yearly prices) until the visitor picks one.
  const [chosenInterval, setInterval] = useState<BillingInterval | null>(null);
  const interval: BillingInterval = chosenInterval ?? subscription?.billing_interval ?? "month";
  const [currencies, setCurrencies] = useState<readonly string[]>([]);
  // A tenant that pays in one currency is shown and sold only that one (a 409 may name it before the read does).
  const [tenantCurrency, setTenantCurrency] = useState<string | null>(null);
  const currency: Currency = pageCurrency(locale, currencies, tenantCurrency ?? subscription?.currency ?? null);
  const openPortal = usePortal(locale, setProblem);
  const planSwitch = usePlanSwitch(locale, current, setProblem);

  const load = useCallback(async () => {
    setProblem(null);
    const result = await billingApi().plans();
    if (result.ok) {
      setPlans(result.data.plans);
      setCurrencies(result.data.currencies);
    } else setProblem(result.problem);
  }, []);

  useEffect(() => { void load(); }, [load]);

  const upgrade = async (tier: PaidTier) => {
    setBusy(tier);
    setProblem(null);
    rememberCheckout({ from: current, to: tier });
    const result = await billingApi().checkout(tier, absoluteUrl(billingPath(locale, "success")), absoluteUrl(billingPath(locale, "canceled")), { interval, locale, currency });
    if (result.ok) {
      window.location.assign(result.data.checkout_url);
      return;
    }
    setBusy(null);
    // The tenant pays in another currency than the page showed: show the prices in that one.
    if (result.problem.code === "currency_mismatch" && result.problem.currency) setTenantCurrency(result.problem.currency);
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
        <IntervalSwitch value={interval} onChange={setInterval} savingPercent={bestYearlySavingPercent(plans, currency)} />
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
              currency={currency}
              onUpgrade={signedIn && plan.tier !== "free"
                ? () => void (subscribed ? planSwitch.open(plan.tier as PaidTier) : upgrade(plan.tier as PaidTier))
                : undefined}
              actionLabel={subscribed ? format(messages.plan.switchTo, { plan: tierName(plan.tier, messages) }) : undefined}
            />
          ))}
        </div>
      )}
      {planSwitch.target && current && (
        <ChangePlanDialog current={current} interval={subscription?.billing_interval ?? "month"} target={planSwitch.target} preview={planSwitch.preview} busy={planSwitch.busy}
          onConfirm={() => void planSwitch.confirm()} onClose={planSwitch.close} />
      )}
    </>
  );
}
