"use client";

import type { BillingInterval } from "@/lib/api/client";
import { format } from "@/lib/i18n/messages";
import { useI18n } from "@/lib/i18n/I18nProvider";

export interface IntervalSwitchProps {
  value: BillingInterval;
  onChange: (interval: BillingInterval) => void;
  /** The most a plan saves by paying yearly, in percent (from GET /plans); null shows no saving. */
  savingPercent: number | null;
}

/** Monthly / Yearly: two radio buttons in a fieldset, so a keyboard and a screen reader see one choice. */
export function IntervalSwitch({ value, onChange, savingPercent }: IntervalSwitchProps) {
  const { messages } = useI18n();
  const m = messages.pricing;
  const options: { interval: BillingInterval; label: string }[] = [
    { interval: "month", label: m.monthly },
    { interval: "year", label: m.yearly },
  ];
  return (
    <fieldset className="interval-switch">
      <legend className="interval-switch__legend">{m.intervalLegend}</legend>
      {options.map((option) => (
        <label key={option.interval} className={value === option.interval ? "interval-switch__option interval-switch__option--on" : "interval-switch__option"}>
          <input
            type="radio"
            name="billing-interval"
            value={option.interval}
            checked={value === option.interval}
            onChange={() => onChange(option.interval)}
          />
          {option.label}
          {option.interval === "year" && savingPercent !== null && (
            <span className="tag interval-switch__saving">{format(m.yearlySaves, { percent: String(savingPercent) })}</span>
          )}
        </label>
      ))}
    </fieldset>
  );
}
