"use client";

import { useCallback, useEffect, useState } from "react";
import { InvoiceList } from "@/components/InvoiceList";
import { ProblemAlert } from "@/components/ProblemAlert";
import { SubscriptionCard } from "@/components/SubscriptionCard";
import { UsageCard } from "@/components/UsageCard";
import { billingApi, type Invoice, type Usage } from "@/lib/api/client";
import type { ApiProblem } from "@/lib/api/problem";
import { formatDate } from "@/lib/i18n/formatting";
import { useI18n } from "@/lib/i18n/I18nProvider";
import type { Locale } from "@/lib/i18n/messages";
import { useSubscription } from "@/lib/subscription";
import { usePortal } from "@/lib/usePortal";

const periodText = (start: string, end: string, locale: Locale) => `${formatDate(start, locale)} – ${formatDate(end, locale)}`;

/** The dashboard: the plan card, usage against the plan's limits and the invoices. The subscription comes from the shell's one read. */
export default function DashboardPage() {
  const { locale, messages } = useI18n();
  const m = messages.dashboard;
  const { subscription, problem: subscriptionProblem, signedIn, reload, update } = useSubscription();
  const [usage, setUsage] = useState<Usage | null>(null);
  const [invoices, setInvoices] = useState<Invoice[]>([]);
  const [hasMore, setHasMore] = useState(false);
  const [loadingMore, setLoadingMore] = useState(false);
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const openPortal = usePortal(locale, setProblem);

  const load = useCallback(async () => {
    setProblem(null);
    const api = billingApi();
    const [u, i] = await Promise.all([api.usage(), api.invoices()]);
    if (u.ok) setUsage(u.data);
    if (i.ok) {
      setInvoices(i.data.invoices);
      setHasMore(i.data.has_more);
    }
    const failed = [u, i].find((r) => !r.ok);
    if (failed && !failed.ok) setProblem(failed.problem);
  }, []);

  // Usage and invoices are the page's own reads; a signed-out visitor is told so by the shell's (a 401 problem).
  useEffect(() => { if (signedIn) void load(); }, [load, signedIn]);

  const retry = () => {
    void reload();
    void load();
  };

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

  // The period is shown once: the billing period, or the usage period (calendar month) when there is none; the
  // usage card names its own period only when it differs (yearly plans count usage per month).
  const period = subscription?.billing_period_start && subscription.billing_period_end
    ? periodText(subscription.billing_period_start, subscription.billing_period_end, locale)
    : usage ? periodText(usage.period_start, usage.period_end, locale) : null;
  const shownProblem = subscriptionProblem ?? problem;

  return (
    <>
      <h1>{m.title}</h1>
      {/* Static, so it paints with the HTML: the page's largest text before any API answer (LCP). */}
      <p className="lead">{m.intro}</p>
      {/* One line, its details folded: painted after the API answers, it must stay smaller than the lead (LCP). */}
      {subscription?.demo_mode && (
        <div className="banner" role="note">
          <details>
            <summary>{messages.app.demoBanner}</summary>
            <p>{messages.app.demoDetails}</p>
          </details>
        </div>
      )}
      {shownProblem && <ProblemAlert problem={shownProblem} onRetry={retry} onOpenPortal={() => void openPortal()} />}
      {!subscription && !shownProblem && <p role="status">{messages.app.loading}</p>}
      {subscription && (
        <SubscriptionCard subscription={subscription} periodText={period} onSubscription={update} onProblem={setProblem}
          onOpenPortal={(flow) => void openPortal(flow)} />
      )}
      {usage && <UsageCard usage={usage} showPeriod={period !== periodText(usage.period_start, usage.period_end, locale)} />}
      {subscription && (
        <section className="card" aria-labelledby="invoices-heading">
          <h2 id="invoices-heading">{messages.invoices.heading}</h2>
          <InvoiceList invoices={invoices} hasMore={hasMore} onLoadMore={() => void loadMore()} loading={loadingMore} />
        </section>
      )}
    </>
  );
}
