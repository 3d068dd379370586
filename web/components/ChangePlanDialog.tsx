"use client";

import { useEffect, useRef } from "react";
import type { BillingInterval, ChangePreview, PlanTier } from "@/lib/api/client";
import { format } from "@/lib/i18n/messages";
import { formatDate, formatMoney } from "@/lib/i18n/formatting";
import { useI18n } from "@/lib/i18n/I18nProvider";
import { tierName } from "@/lib/i18n/tiers";

export interface ChangePlanDialogProps {
  current: PlanTier;
  /** What the tenant pays by: the price from then on is for this interval. */
  interval: BillingInterval;
  /** Null while the preview is on its way. */
  preview: ChangePreview | null;
  target: PlanTier;
  busy?: boolean;
  onConfirm: () => void;
  onClose: () => void;
}

/**
 * The confirmation before a plan switch, with what Stripe's preview says: the amount charged now, the price
 * from then on and when it takes effect. Escape or "Keep my current plan" closes it; focus starts on confirm.
 */
export function ChangePlanDialog({ current, interval, preview, target, busy = false, onConfirm, onClose }: ChangePlanDialogProps) {
  const { locale, messages } = useI18n();
  const m = messages.change;
  const confirmRef = useRef<HTMLButtonElement>(null);
  const targetName = tierName(target, messages);

  useEffect(() => {
    if (preview) confirmRef.current?.focus();
  }, [preview]);

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => { if (event.key === "Escape" && !busy) onClose(); };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [busy, onClose]);

  const now = preview?.effective === "now";
  return (
    <div className="dialog-backdrop">
      <div className="dialog card" role="dialog" aria-modal="true" aria-labelledby="change-plan-title">
        <h2 id="change-plan-title">{format(m.title, { plan: targetName })}</h2>
        {!preview ? (
          <p role="status">{m.loading}</p>
        ) : (
          <>
            <dl className="facts change-preview">
              <div><dt>{m.chargedNow}</dt><dd>{formatMoney(preview.amount_due_now, preview.currency, locale)}</dd></div>
              <div><dt>{interval === "year" ? m.then_year : m.then_month}</dt><dd>{formatMoney(preview.next_amount, preview.currency, locale)}</dd></div>
              <div><dt>{m.effective}</dt><dd>{now ? m.now : formatDate(preview.effective_at, locale)}</dd></div>
            </dl>
            <p className="muted">{now ? m.upgradeNote : format(m.downgradeNote, { current: tierName(current, messages) })}</p>
          </>
        )}
        <div className="dialog__actions">
          <button ref={confirmRef} type="button" className="button button--primary" onClick={onConfirm}
            disabled={!preview || busy} aria-busy={busy}>
            {busy ? m.working : format(m.confirm, { plan: targetName })}
          </button>
          <button type="button" className="button" onClick={onClose} disabled={busy}>{m.back}</button>
        </div>
      </div>
    </div>
  );
}
