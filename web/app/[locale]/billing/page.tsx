"use client";

import Link from "next/link";
import { useCallback, useEffect, useState } from "react";
import { InvoiceList } from "@/components/InvoiceList";
import { PlanBadge } from "@/components/PlanBadge";
import { ProblemAlert } from "@/components/ProblemAlert";
import { UsageBar } from "@/components/UsageBar";
import { billingApi, type Invoice, type Subscription, type Usage } from "@/lib/api/client";
import type { ApiProblem } from "@/lib/api/problem";
import { format, type Messages } from "@/lib/i18n/messages";
import { formatDate } from "@/lib/i18n/formatting";
import { useI18n } from "@/lib/i18n/I18nProvider";
import { billingPath } from "@/lib/routes";
import { usePortal } from "@/lib/usePortal";

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
              <dd>
                {subscription.billing_period_start && subscription.billing_period_end
                  ? `${formatDate(subscription.billing_period_start, locale)} – ${formatDate(subscription.billing_period_end, locale)}`
                  : m.noPeriod}
              </dd>
            </div>
          </dl>
          {subscription.cancel_at_period_end && subscription.billing_period_end && (
            <p className="notice">{format(m.cancelAtPeriodEnd, { date: formatDate(subscription.billing_period_end, locale) })}</p>
          )}
          {(subscription.subscription_status === "past_due" || subscription.subscription_status === "unpaid") && (
            <p className="notice notice--warning">{m.pastDue}</p>
          )}
          {subscription.stripe_customer_id ? (
            <button type="button" className="button button--primary" onClick={() => void openPortal()}>{m.manage}</button>
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
          <p className="muted">
            {format(messages.usage.period, { start: formatDate(usage.period_start, locale), end: formatDate(usage.period_end, locale) })}
          </p>
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
