"use client";

import Link from "next/link";
import { useState } from "react";
import type { PortalFlow, Subscription } from "@/lib/api/client";
import type { ApiProblem } from "@/lib/api/problem";
import { labelOf } from "@/lib/i18n/labels";
import { useI18n } from "@/lib/i18n/I18nProvider";
import { billingPath } from "@/lib/routes";
import { useSubscriptionActions } from "@/lib/useSubscriptionActions";
import { CancelPlan } from "./CancelPlan";
import { PlanBadge } from "./PlanBadge";
import { SubscriptionBanners } from "./SubscriptionBanners";

export interface SubscriptionCardProps {
  subscription: Subscription;
  /** The period the dashboard shows, once: the billing period, or the usage period when there is none. */
  periodText: string | null;
  /** A newer subscription, once an action's change has arrived. */
  onSubscription: (subscription: Subscription) => void;
  onProblem: (problem: ApiProblem) => void;
  /** Opens the billing portal: on its home page, or straight on one of its flows. */
  onOpenPortal: (flow?: PortalFlow) => void;
}

/** The dashboard's plan card: plan, status, interval and period, what the subscription asks of the person, and its actions. */
export function SubscriptionCard({ subscription, periodText, onSubscription, onProblem, onOpenPortal }: SubscriptionCardProps) {
  const { locale, messages } = useI18n();
  const m = messages.dashboard;
  const actions = useSubscriptionActions(subscription, onSubscription, onProblem);
  const [portalExplained, setPortalExplained] = useState(false);
  // Demo mode has no Stripe portal (the API answers with the return URL): say what it would open instead of reloading.
  const openPortal = (flow?: PortalFlow) => subscription.demo_mode ? setPortalExplained(true) : onOpenPortal(flow);
  return (
    <section className="card" aria-labelledby="plan-heading">
      <h2 id="plan-heading">{messages.badge.label}</h2>
      <PlanBadge
        tier={subscription.plan_tier}
        status={subscription.subscription_status}
        cancelAtPeriodEnd={subscription.cancel_at_period_end}
        periodEnd={subscription.billing_period_end}
        withState={false}
      />
      <dl className="facts">
        <div><dt>{m.status}</dt><dd>{labelOf(m, "status_", subscription.subscription_status)}</dd></div>
        {subscription.billing_interval && (
          <div><dt>{m.interval}</dt><dd>{labelOf(m, "interval_", subscription.billing_interval)}</dd></div>
        )}
        <div><dt>{m.period}</dt><dd>{periodText ?? m.noPeriod}</dd></div>
      </dl>
      <SubscriptionBanners
        subscription={subscription}
        busy={actions.busy}
        onAddCard={() => openPortal()}
        onUpdatePayment={() => openPortal("update_payment_method")}
        onResume={() => void actions.resume()}
        onKeepPlan={() => void actions.keepPlan()}
      />
      {actions.requested && <p className="notice notice--success" role="status">{messages.banners.requested}</p>}
      {subscription.stripe_customer_id ? (
        <div className="dialog__actions">
          <button type="button" className="button button--primary" onClick={() => openPortal()}>{m.manage}</button>
          {subscription.plan_tier !== "free" && !subscription.cancel_at && (
            <CancelPlan periodEnd={subscription.billing_period_end} busy={actions.busy} onCancel={() => void actions.cancel()} />
          )}
        </div>
      ) : (
        <>
          <p>{m.noAccount}</p>
          <Link className="button button--primary" href={billingPath(locale, "pricing")}>{m.seePlans}</Link>
        </>
      )}
      <div role="status" aria-live="polite">
        {portalExplained && <p className="notice manage-billing__demo">{m.manageDemo}</p>}
      </div>
    </section>
  );
}
