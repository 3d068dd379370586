"use client";

import { usePathname } from "next/navigation";
import type { ReactNode } from "react";
import { devSignInEnabled } from "@/lib/auth/devSignIn";
import { useI18n } from "@/lib/i18n/I18nProvider";
import { billingPath } from "@/lib/routes";
import { SubscriptionProvider, useSubscription } from "@/lib/subscription";
import { Sidebar } from "./Sidebar";

/**
 * The small app shell: a sidebar with the plan badge beside the page. The subscription is read once per page
 * view (on every navigation) and shared with the page, which reads it from `useSubscription`.
 */
export function AppShell({ children }: { children: ReactNode }) {
  const { locale } = useI18n();
  const pathname = usePathname() ?? billingPath(locale);
  return (
    <SubscriptionProvider page={pathname}>
      <Shell pathname={pathname}>{children}</Shell>
    </SubscriptionProvider>
  );
}

function Shell({ pathname, children }: { pathname: string; children: ReactNode }) {
  const { locale, messages } = useI18n();
  const { subscription } = useSubscription();
  return (
    <div className="shell">
      <a className="skip-link" href="#main">{messages.app.skipToContent}</a>
      <Sidebar pathname={pathname} subscription={subscription} signInPath={devSignInEnabled ? billingPath(locale, "sign-in") : undefined} />
      <main id="main" className="main" tabIndex={-1}>{children}</main>
    </div>
  );
}
