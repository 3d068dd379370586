"use client";

import type { Usage } from "@/lib/api/client";
import { format } from "@/lib/i18n/messages";
import { formatDate } from "@/lib/i18n/formatting";
import { useI18n } from "@/lib/i18n/I18nProvider";
import { resources } from "@/lib/resources";
import { UsageBar } from "./UsageBar";

export interface UsageCardProps {
  usage: Usage;
  /** Whether to name the usage period: only when it is not the period the plan card shows (yearly plans count per month). */
  showPeriod: boolean;
}

/** What the tenant has used this period, one bar a resource. */
export function UsageCard({ usage, showPeriod }: UsageCardProps) {
  const { locale, messages } = useI18n();
  return (
    <section className="card" aria-labelledby="usage-heading">
      <h2 id="usage-heading">{messages.usage.heading}</h2>
      {showPeriod && (
        <p className="muted">
          {format(messages.usage.period, { start: formatDate(usage.period_start, locale), end: formatDate(usage.period_end, locale) })}
        </p>
      )}
      {resources.map((resource) => (
        <UsageBar key={resource} resource={resource} used={usage.usage[resource].used} limit={usage.usage[resource].limit} />
      ))}
    </section>
  );
}
