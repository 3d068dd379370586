"use client";

import type { ResourceName } from "@/lib/api/client";
import { format } from "@/lib/i18n/messages";
import { formatNumber } from "@/lib/i18n/formatting";
import { useI18n } from "@/lib/i18n/I18nProvider";

export interface UsageBarProps {
  resource: ResourceName;
  used: number;
  /** -1 means unlimited. */
  limit: number;
}

export const WARNING_FROM = 0.8;

export function UsageBar({ resource, used, limit }: UsageBarProps) {
  const { locale, messages } = useI18n();
  const label = messages.plan[resource];
  const unlimited = limit < 0;
  const ratio = unlimited ? 0 : limit === 0 ? 1 : Math.min(used / limit, 1);
  const state = unlimited ? "unlimited" : used >= limit ? "full" : ratio >= WARNING_FROM ? "warning" : "ok";
  const text = unlimited
    ? format(messages.usage.unlimited, { used: formatNumber(used, locale) })
    : format(messages.usage.of, { used: formatNumber(used, locale), limit: formatNumber(limit, locale) });
  const labelId = `usage-${resource}`;

  return (
    <div className={`usage-bar usage-bar--${state}`} data-state={state}>
      <div className="usage-bar__top">
        <span id={labelId} className="usage-bar__label">{label}</span>
        <span className="usage-bar__value">{text}</span>
      </div>
      <div
        className="usage-bar__track"
        role="progressbar"
        aria-labelledby={labelId}
        aria-valuemin={0}
        aria-valuemax={unlimited ? undefined : limit}
        aria-valuenow={unlimited ? undefined : Math.min(used, limit)}
        aria-valuetext={text}
      >
        <div className="usage-bar__fill" style={{ width: `${Math.round(ratio * 100)}%` }} />
      </div>
      {state === "warning" && <p className="usage-bar__note">{messages.usage.warning}</p>}
      {state === "full" && <p className="usage-bar__note">{messages.usage.full}</p>}
    </div>
  );
}
