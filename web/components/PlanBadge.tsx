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
  /**
   * Whether the badge also tells the plan's state (payment past due, ending on a date). The sidebar's does; the
   * dashboard's plan card tells it once, in its status and banners, and shows the plan alone.
   */
  withState?: boolean;
}

export function PlanBadge({ tier, status, cancelAtPeriodEnd, periodEnd, withState = true }: PlanBadgeProps) {
  const { locale, messages } = useI18n();
  const name = tierName(tier, messages);
  const pastDue = withState && (status === "past_due" || status === "unpaid");
  const ending = withState && cancelAtPeriodEnd && periodEnd !== null;
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
