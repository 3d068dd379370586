"use client";

import { useState } from "react";
import { format } from "@/lib/i18n/messages";
import { formatDate } from "@/lib/i18n/formatting";
import { useI18n } from "@/lib/i18n/I18nProvider";

export interface CancelPlanProps {
  /** When the paid period ends: the plan runs until then. */
  periodEnd: string;
  busy?: boolean;
  onCancel: () => void;
}

/** "Cancel plan", asked once more before it is sent: the plan ends at the end of the paid period. */
export function CancelPlan({ periodEnd, busy = false, onCancel }: CancelPlanProps) {
  const { locale, messages } = useI18n();
  const m = messages.cancelPlan;
  const [asking, setAsking] = useState(false);
  if (!asking)
    return <button type="button" className="button" onClick={() => setAsking(true)} disabled={busy}>{m.button}</button>;
  return (
    <div className="notice" role="group" aria-label={m.button}>
      <p>{format(m.question, { date: formatDate(periodEnd, locale) })}</p>
      <div className="dialog__actions">
        <button type="button" className="button button--primary" onClick={() => { setAsking(false); onCancel(); }} disabled={busy}>{m.confirm}</button>
        <button type="button" className="button" onClick={() => setAsking(false)}>{m.back}</button>
      </div>
    </div>
  );
}
