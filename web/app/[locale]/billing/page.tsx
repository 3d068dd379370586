"use client";

import Link from "next/link";
import { useCallback, useEffect, useState } from "react";
import { CancelPlan } from "@/components/CancelPlan";
import { InvoiceList } from "@/components/InvoiceList";
import { ManageBilling } from "@/components/ManageBilling";
import { PlanBadge } from "@/components/PlanBadge";
import { ProblemAlert } from "@/components/ProblemAlert";
import { SubscriptionBanners } from "@/components/SubscriptionBanners";
import { UsageBar } from "@/components/UsageBar";
import { billingApi, type Invoice, type Subscription, type Usage } from "@/lib/api/client";
import type { ApiProblem } from "@/lib/api/problem";
import { format, type Messages } from "@/lib/i18n/messages";
import { formatDate } from "@/lib/i18n/formatting";
import { useI18n } from "@/lib/i18n/I18nProvider";
import { billingPath } from "@/lib/routes";
import { usePortal } from "@/lib/usePortal";
import { useSubscriptionActions } from "@/lib/useSubscriptionActions";

const resources = ["shipments", "escrows", "api_calls"] as const;

function statusText(status: string, messages: Messages): string {
  const key = `status_${status}` as keyof Messages["dashboard"];
  return key in messages.dashboard ? messages.dashboard[key] : status;
}

export default function DashboardPage() {
  const { locale, messages } = useI18n();
  const m = messages.dashboard;
  const [subscription, setSubscription] = useState<Subscription | null>(null);
  const [usage, setUsage] = useState<Usage | null>(null);
  const [invoices, setInvoices] = useState<Invoice[]>([]);
  const [hasMore, setHasMore] = useState(false);
  const [loadingMore, setLoadingMore] = useState(false);
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const openPortal = usePortal(locale, setProblem);
  const actions = useSubscriptionActions(subscription, setSubscription, setProblem);

  const load = useCallback(async () => {
    setProblem(null);
    const api = billingApi();
    const [s, u, i] = await Promise.all([api.subscription(), api.usage(), api.invoices()]);
    if (s.ok) setSubscription(s.data);
    if (u.ok) setUsage(u.data);
    if (i.ok) {
      setInvoices(i.data.invoices);
      setHasMore(i.data.has_more);
    }
    const failed = [s, u, i].find((r) => !r.ok);
    if (failed && !failed.ok) setProblem(failed.problem);
  }, []);

  useEffect(() => { void load(); }, [load]);

  // The period is shown once: the billing period, or the usage period (calendar month) when there is none;
  // the usage card names its own period only when it differs (yearly plans count usage per month).
  const period = subscription?.billing_period_start && subscription.billing_period_end
    ? { start: subscription.billing_period_start, end: subscription.billing_period_end }
    : usage ? { start: usage.period_start, end: usage.period_end } : null;
  const periodText = (p: { start: string; end: string }) => `${formatDate(p.start, locale)} – ${formatDate(p.end, locale)}`;
  const usagePeriodDiffers = usage !== null && period !== null && periodText(period) !== periodText({ start: usage.period_start, end: usage.period_end });

  const loadMore = async () => {
    const last = invoices.at(-1);
    if (!last) return;
    setLoadingMore(true);
    const result = await billingApi().invoices(last.id);
    setLoadingMore(false);
    if (!result.ok) {
      setProblem(result.problem);
      return;
    }
    setInvoices((shown) => [...shown, ...result.data.invoices]);
    setHasMore(result.data.has_more);
  };

  return (
    <>
      <h1>{m.title}</h1>
      {/* Static, so it paints with the HTML: the page's largest text before any API answer (LCP). */}
      <p className="lead">{m.intro}</p>
      {subscription?.demo_mode && <p className="banner" role="note">{messages.app.demoBanner}</p>}
      {problem && <ProblemAlert problem={problem} onRetry={() => void load()} onOpenPortal={() => void openPortal()} />}
      {!subscription && !problem && <p role="status">{messages.app.loading}</p>}

      {subscription && (
        <section className="card" aria-labelledby="plan-heading">
          <h2 id="plan-heading">{messages.badge.label}</h2>
          <PlanBadge
            tier={subscription.plan_tier}
            status={subscription.subscription_status}
            cancelAtPeriodEnd={subscription.cancel_at_period_end}
            periodEnd={subscription.billing_period_end}
          />
          <dl className="facts">
            <div><dt>{m.status}</dt><dd>{statusText(subscription.subscription_status, messages)}</dd></div>
            {subscription.billing_interval && <div><dt>{m.interval}</dt><dd>{m[`interval_${subscription.billing_interval}`]}</dd></div>}
            <div>
              <dt>{m.period}</dt>
              <dd>{period ? periodText(period) : m.noPeriod}</dd>
            </div>
          </dl>
          <SubscriptionBanners
            subscription={subscription}
            busy={actions.busy}
            onAddCard={() => void openPortal()}
            onUpdatePayment={() => void openPortal("update_payment_method")}
            onResume={() => void actions.resume()}
            onKeepPlan={() => void actions.keepPlan()}
          />
          {actions.requested && <p className="notice notice--success" role="status">{messages.banners.requested}</p>}
          {subscription.stripe_customer_id ? (
            <div className="dialog__actions">
              <ManageBilling demoMode={subscription.demo_mode} onOpen={() => void openPortal()} />
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
        </section>
      )}

      {usage && (
        <section className="card" aria-labelledby="usage-heading">
          <h2 id="usage-heading">{messages.usage.heading}</h2>
          {usagePeriodDiffers && (
            <p className="muted">
              {format(messages.usage.period, { start: formatDate(usage.period_start, locale), end: formatDate(usage.period_end, locale) })}
            </p>
          )}
          {resources.map((resource) => (
            <UsageBar key={resource} resource={resource} used={usage.usage[resource].used} limit={usage.usage[resource].limit} />
          ))}
        </section>
      )}

      {subscription && (
        <section className="card" aria-labelledby="invoices-heading">
          <h2 id="invoices-heading">{messages.invoices.heading}</h2>
          <InvoiceList invoices={invoices} hasMore={hasMore} onLoadMore={() => void loadMore()} loading={loadingMore} />
        </section>
      )}
    </>
  );
}
