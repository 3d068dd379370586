"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useEffect, useState } from "react";
import { ProblemAlert } from "@/components/ProblemAlert";
import { billingApi } from "@/lib/api/client";
import type { ApiProblem } from "@/lib/api/problem";
import { forgetCheckout, pendingCheckout, planChanged } from "@/lib/checkoutIntent";
import { format } from "@/lib/i18n/messages";
import { useI18n } from "@/lib/i18n/I18nProvider";
import { tierName } from "@/lib/i18n/tiers";
import { billingPath } from "@/lib/routes";

const POLL_EVERY_MS = 1500;
const SLOW_AFTER_MS = 30_000;
const REDIRECT_AFTER_MS = 3_000;

/**
 * Stripe sends the user here before its webhook has reached us: poll GET /subscription until the plan
 * has changed, then go to the dashboard 3 seconds later. After 30 s, say the payment is in and keep polling.
 */
export default function SuccessPage() {
  const { locale, messages } = useI18n();
  const m = messages.success;
  const router = useRouter();
  const [changedTo, setChangedTo] = useState<string | null>(null);
  const [slow, setSlow] = useState(false);
  const [problem, setProblem] = useState<ApiProblem | null>(null);

  useEffect(() => {
    const intent = pendingCheckout();
    const started = Date.now();
    let timer: ReturnType<typeof setTimeout> | undefined;
    let live = true;

    const poll = async () => {
      const result = await billingApi().subscription();
      if (!live) return;
      if (result.ok && planChanged(result.data, intent)) {
        forgetCheckout();
        setProblem(null);
        setChangedTo(result.data.plan_tier);
        timer = setTimeout(() => router.push(billingPath(locale)), REDIRECT_AFTER_MS);
        return;
      }
      if (!result.ok) {
        setProblem(result.problem);
        if (result.problem.status === 401 || result.problem.status === 403) return; // waiting cannot fix these
      }
      if (Date.now() - started >= SLOW_AFTER_MS) setSlow(true);
      timer = setTimeout(() => void poll(), POLL_EVERY_MS);
    };
    void poll();
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [locale, router]);

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
