"use client";

import type { Subscription } from "@/lib/api/client";
import { format } from "@/lib/i18n/messages";
import { formatDate } from "@/lib/i18n/formatting";
import { useI18n } from "@/lib/i18n/I18nProvider";
import { tierName } from "@/lib/i18n/tiers";

export interface SubscriptionBannersProps {
  subscription: Subscription;
  /** Opens the billing portal: on its home page to add a card, or straight on the payment method form. */
  onAddCard: () => void;
  onUpdatePayment: () => void;
  onResume: () => void;
  onKeepPlan: () => void;
  busy?: boolean;
}

/**
 * What the subscription's life asks of the person, one banner each with its action: a trial ending, a
 * cancellation, a scheduled switch, a failed payment within its grace, and limits restricted to Free's.
 */
export function SubscriptionBanners({ subscription: s, onAddCard, onUpdatePayment, onResume, onKeepPlan, busy = false }: SubscriptionBannersProps) {
  const { locale, messages } = useI18n();
  const m = messages.banners;
  const plan = tierName(s.plan_tier, messages);
  // A date never breaks across lines ("Dec / 29, 2026" on a phone): its spaces do not break.
  const date = (iso: string) => formatDate(iso, locale).replaceAll(" ", "\u00a0");
  const restricted = s.payment_failed_at !== null && s.limits_tier !== s.plan_tier;
  const restrictedSince = s.grace_until !== null && Date.parse(s.grace_until) <= Date.now() ? s.grace_until : s.payment_failed_at;

  const banners: { key: string; tone: string; text: string; action: string; onAction: () => void }[] = [];
  if (restricted && restrictedSince)
    banners.push({ key: "restricted", tone: "notice--warning", text: format(m.restricted, { date: date(restrictedSince), plan }), action: m.updatePayment, onAction: onUpdatePayment });
  else if (s.payment_failed_at !== null && s.grace_until)
    banners.push({ key: "payment-failed", tone: "notice--warning", text: format(m.paymentFailed, { date: date(s.grace_until), plan }), action: m.updatePayment, onAction: onUpdatePayment });
  if (s.subscription_status === "trialing" && s.trial_end)
    banners.push({ key: "trial", tone: "", text: format(m.trial, { date: date(s.trial_end), plan }), action: m.addCard, onAction: onAddCard });
  if (s.cancel_at)
    banners.push({ key: "canceling", tone: "", text: format(m.canceling, { date: date(s.cancel_at), plan }), action: format(m.resume, { plan }), onAction: onResume });
  if (s.pending_plan_tier && s.pending_change_at)
    banners.push({
      key: "pending", tone: "",
      text: format(m.pending, { pending: tierName(s.pending_plan_tier, messages), date: date(s.pending_change_at) }),
      action: format(m.keep, { plan }), onAction: onKeepPlan,
    });

  if (banners.length === 0) return null;
  return (
    <ul className="banners" aria-label={m.label}>
      {banners.map((b) => (
        <li key={b.key} className={`notice subscription-banner ${b.tone}`.trim()} data-banner={b.key}>
          <p>{b.text}</p>
          <button type="button" className="button" onClick={b.onAction} disabled={busy} aria-busy={busy}>{busy ? m.working : b.action}</button>
        </li>
      ))}
    </ul>
  );
}
