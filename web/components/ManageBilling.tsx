"use client";

import { useState } from "react";
import { useI18n } from "@/lib/i18n/I18nProvider";

export interface ManageBillingProps {
  /** Demo mode has no Stripe portal (the API answers with the return URL): say what it would open instead. */
  demoMode: boolean;
  onOpen: () => void;
}

/** The "Manage billing" button: opens Stripe's billing portal, or in demo mode says what that portal does. */
export function ManageBilling({ demoMode, onOpen }: ManageBillingProps) {
  const { messages } = useI18n();
  const [explained, setExplained] = useState(false);
  return (
    <>
      <button type="button" className="button button--primary" onClick={demoMode ? () => setExplained(true) : onOpen}>
        {messages.dashboard.manage}
      </button>
      <div role="status" aria-live="polite">
        {explained && <p className="notice manage-billing__demo">{messages.dashboard.manageDemo}</p>}
      </div>
    </>
  );
}
