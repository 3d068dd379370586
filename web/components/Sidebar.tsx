"use client";

import Link from "next/link";
import type { Subscription } from "@/lib/api/client";
import { locales } from "@/lib/i18n/messages";
import { useI18n } from "@/lib/i18n/I18nProvider";
import { billingPath, withLocale } from "@/lib/routes";
import { PlanBadge } from "./PlanBadge";

export interface SidebarProps {
  /** The page's path, to mark the current link and to switch language on the same page. */
  pathname: string;
  subscription: Subscription | null;
  signInPath?: string;
}

const localeNames: Record<(typeof locales)[number], string> = { en: "English", ko: "한국어" };

export function Sidebar({ pathname, subscription, signInPath }: SidebarProps) {
  const { locale, messages } = useI18n();
  const links = [
    { href: billingPath(locale), label: messages.app.dashboard },
    { href: billingPath(locale, "pricing"), label: messages.app.pricing },
  ];
  return (
    <aside className="sidebar">
      <p className="sidebar__brand">{messages.app.name}</p>
      {subscription && (
        <PlanBadge
          tier={subscription.plan_tier}
          status={subscription.subscription_status}
          cancelAtPeriodEnd={subscription.cancel_at_period_end}
          periodEnd={subscription.billing_period_end}
        />
      )}
      <nav aria-label={messages.app.nav} className="sidebar__nav">
        <ul>
          {links.map((link) => (
            <li key={link.href}>
              <Link href={link.href} aria-current={pathname === link.href ? "page" : undefined}>{link.label}</Link>
            </li>
          ))}
          {signInPath && !subscription && (
            <li><Link href={signInPath} aria-current={pathname === signInPath ? "page" : undefined}>{messages.app.signIn}</Link></li>
          )}
        </ul>
      </nav>
      <nav aria-label={messages.app.language} className="sidebar__locales">
        <ul>
          {locales.map((other) => (
            <li key={other}>
              <a href={withLocale(pathname, other)} lang={other} aria-current={other === locale ? "true" : undefined}>
                {localeNames[other]}
              </a>
            </li>
          ))}
        </ul>
      </nav>
    </aside>
  );
}
