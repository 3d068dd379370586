"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useEffect, useRef, useState } from "react";
import { ProblemAlert } from "@/components/ProblemAlert";
import { forgetCheckout, pendingCheckout, planChanged, type CheckoutIntent } from "@/lib/checkoutIntent";
import { format } from "@/lib/i18n/messages";
import { useI18n } from "@/lib/i18n/I18nProvider";
import { tierName } from "@/lib/i18n/tiers";
import { billingPath } from "@/lib/routes";
import { useSubscription } from "@/lib/subscription";

const POLL_EVERY_MS = 1500;
const SLOW_AFTER_MS = 30_000;
const REDIRECT_AFTER_MS = 3_000;

/**
 * Stripe sends the user here before its webhook has reached us: read the subscription again until the plan has
 * changed, then go to the dashboard 3 seconds later. After 30 s, say the payment is in and keep reading. Each read is
 * the shell's (`reload`), so the plan badge beside the page changes with it.
 */
export default function SuccessPage() {
  const { locale, messages } = useI18n();
  const m = messages.success;
  const router = useRouter();
  const { subscription, problem, loaded, reload } = useSubscription();
  const intent = useRef<CheckoutIntent | null | undefined>(undefined);
  const started = useRef<number | null>(null);
  const [changedTo, setChangedTo] = useState<string | null>(null);
  const [slow, setSlow] = useState(false);

  useEffect(() => {
    if (intent.current === undefined) intent.current = pendingCheckout();
    started.current ??= Date.now();
    if (!loaded || changedTo) return;
    if (subscription && planChanged(subscription, intent.current)) {
      forgetCheckout();
      setChangedTo(subscription.plan_tier);
      return;
    }
    if (problem?.status === 401 || problem?.status === 403) return; // waiting cannot fix these
    if (Date.now() - started.current >= SLOW_AFTER_MS) setSlow(true);
    const timer = setTimeout(() => void reload(), POLL_EVERY_MS);
    return () => clearTimeout(timer);
  }, [loaded, subscription, problem, changedTo, reload]);

  useEffect(() => {
    if (!changedTo) return;
    const timer = setTimeout(() => router.push(billingPath(locale)), REDIRECT_AFTER_MS);
    return () => clearTimeout(timer);
  }, [changedTo, locale, router]);

  const planName = changedTo ? tierName(changedTo, messages) : "";
  // Signed out (or not an admin): nothing here can be confirmed, so no thanks and no waiting above the problem.
  const cannotSee = !changedTo && (problem?.status === 401 || problem?.status === 403);
  return (
    <>
      <h1>{cannotSee ? m.signedOutTitle : m.title}</h1>
      <div role="status" aria-live="polite">
        {changedTo ? <p className="notice notice--success">{format(m.changed, { plan: planName })}</p>
          : cannotSee ? null
          : slow ? <p className="notice">{m.slow}</p>
          : <p>{m.waiting}</p>}
      </div>
      {problem && !changedTo && <ProblemAlert problem={problem} />}
      <p><Link href={billingPath(locale)}>{m.toDashboard}</Link></p>
    </>
  );
}
