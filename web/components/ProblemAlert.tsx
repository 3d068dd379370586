"use client";

import Link from "next/link";
import type { ApiProblem } from "@/lib/api/problem";
import { describeProblem } from "@/lib/api/problem";
import { devSignInEnabled } from "@/lib/auth/devSignIn";
import { useI18n } from "@/lib/i18n/I18nProvider";
import { billingPath } from "@/lib/routes";

export interface ProblemAlertProps {
  problem: ApiProblem;
  onRetry?: () => void;
  onOpenPortal?: () => void;
}

/** An API problem shown with its title and what the person can do about it. */
export function ProblemAlert({ problem, onRetry, onOpenPortal }: ProblemAlertProps) {
  const { locale, messages } = useI18n();
  const message = describeProblem(problem, messages, locale);
  return (
    <div className="alert alert--error" role="alert" data-code={problem.code}>
      <p className="alert__title">{message.title}</p>
      <p>{message.whatToDo}</p>
      {message.action === "retry" && onRetry && (
        <button type="button" className="button" onClick={onRetry}>{messages.errors.retry}</button>
      )}
      {message.action === "portal" && onOpenPortal && (
        <button type="button" className="button" onClick={onOpenPortal}>{messages.errors.openPortal}</button>
      )}
      {message.action === "upgrade" && (
        <Link className="button" href={billingPath(locale, "pricing")}>{messages.errors.upgrade}</Link>
      )}
      {message.action === "sign-in" && devSignInEnabled && (
        <Link className="button" href={billingPath(locale, "sign-in")}>{messages.errors.signIn}</Link>
      )}
    </div>
  );
}
