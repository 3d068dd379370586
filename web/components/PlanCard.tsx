"use client";

import type { BillingInterval, Plan } from "@/lib/api/client";
import { format } from "@/lib/i18n/messages";
import { formatMoney, formatNumber } from "@/lib/i18n/formatting";
import { useI18n } from "@/lib/i18n/I18nProvider";
import { priceFor, yearlySaving } from "@/lib/pricing";
import { tierFeatures, tierName } from "@/lib/i18n/tiers";
import { resources } from "@/lib/resources";

export interface PlanCardProps {
  plan: Plan;
  current: boolean;
  /** Absent when the user cannot upgrade to this plan from here (free plan, not signed in). */
  onUpgrade?: () => void;
  /** The button's words when not "Upgrade to …" (a subscribed tenant switches plans). */
  actionLabel?: string;
  busy?: boolean;
  /** Which price to show; a plan without a price for it shows its monthly price (the free plan: nothing to pay). */
  interval?: BillingInterval;
  /** The currency of the prices shown (the page's or the tenant's); the plan's default currency when left out. */
  currency?: string;
}

export function PlanCard({ plan, current, onUpgrade, actionLabel, busy = false, interval = "month", currency = plan.currency }: PlanCardProps) {
  const { locale, messages } = useI18n();
  const headingId = `plan-${plan.tier}`;
  const price = priceFor(plan, interval, currency) ?? priceFor(plan, "month", currency);
  const saving = interval === "year" && price?.interval === "year" ? yearlySaving(plan, currency) : null;
  const name = tierName(plan.tier, messages);
  const features = tierFeatures(plan.tier, messages);
  return (
    <article className={current ? "card plan-card plan-card--current" : "card plan-card"} aria-labelledby={headingId}>
      <header className="plan-card__header">
        <h2 id={headingId}>{name}</h2>
        {current && <span className="tag tag--current">{messages.plan.current}</span>}
      </header>
      <p className="plan-card__price">
        <span className="plan-card__amount">{formatMoney(price?.amount ?? 0, price?.currency ?? currency, locale)}</span>{" "}
        <span className="muted">{price?.interval === "year" ? messages.plan.perYear : messages.plan.perMonth}</span>
      </p>
      {saving && <p className="plan-card__saving">{format(messages.plan.yearSaves, { amount: formatMoney(saving.amount, saving.currency, locale) })}</p>}
      <h3 className="plan-card__subheading">{messages.plan.limitsHeading}</h3>
      <dl className="plan-card__limits">
        {resources.map((resource) => (
          <div key={resource}>
            <dt>{messages.plan[resource]}</dt>
            <dd>{plan.limits[resource] < 0 ? messages.plan.unlimited : formatNumber(plan.limits[resource], locale)}</dd>
          </div>
        ))}
      </dl>
      {features.length > 0 && (
        <>
          <h3 className="plan-card__subheading">{messages.plan.featuresHeading}</h3>
          <ul className="plan-card__features">
            {features.map((feature) => <li key={feature}>{feature}</li>)}
          </ul>
        </>
      )}
      {!current && onUpgrade && (
        <button type="button" className="button button--primary" onClick={onUpgrade} disabled={busy} aria-busy={busy}>
          {actionLabel ?? format(messages.plan.upgrade, { plan: name })}
        </button>
      )}
    </article>
  );
}
