"use client";

import type { PlanTier } from "@/lib/api/client";
import { format } from "@/lib/i18n/messages";
import { formatDate } from "@/lib/i18n/formatting";
import { useI18n } from "@/lib/i18n/I18nProvider";
import { tierName } from "@/lib/i18n/tiers";

export interface PlanBadgeProps {
  tier: PlanTier;
  status: string;
  cancelAtPeriodEnd: boolean;
  periodEnd: string | null;
}

export function PlanBadge({ tier, status, cancelAtPeriodEnd, periodEnd }: PlanBadgeProps) {
  const { locale, messages } = useI18n();
  const name = tierName(tier, messages);
  const pastDue = status === "past_due" || status === "unpaid";
  const ending = cancelAtPeriodEnd && periodEnd !== null;
  const state = pastDue ? "past-due" : ending ? "ending" : tier;
  return (
    <p className={`plan-badge plan-badge--${state}`} data-state={state}>
      <span className="visually-hidden">{messages.badge.label}: </span>
      <span className="plan-badge__tier">{name}</span>
      {pastDue && <span className="plan-badge__note">{messages.badge.past_due}</span>}
      {!pastDue && ending && (
        <span className="plan-badge__note">{format(messages.badge.ending, { date: formatDate(periodEnd, locale) })}</span>
      )}
    </p>
  );
}
