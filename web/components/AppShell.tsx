"use client";

import { usePathname } from "next/navigation";
import { useEffect, useState, type ReactNode } from "react";
import { billingApi, type Subscription } from "@/lib/api/client";
import { accessToken } from "@/lib/auth/accessToken";
import { devSignInEnabled } from "@/lib/auth/devSignIn";
import { useI18n } from "@/lib/i18n/I18nProvider";
import { billingPath } from "@/lib/routes";
import { Sidebar } from "./Sidebar";

/** The small app shell: a sidebar with the plan badge beside the page. Reloads the badge on every navigation. */
export function AppShell({ children }: { children: ReactNode }) {
  const { locale, messages } = useI18n();
  const pathname = usePathname() ?? billingPath(locale);
  const [subscription, setSubscription] = useState<Subscription | null>(null);

  useEffect(() => {
    let live = true;
    if (accessToken() === null) {
      setSubscription(null);
      return;
    }
    void billingApi().subscription().then((result) => {
      if (live) setSubscription(result.ok ? result.data : null);
    });
    return () => { live = false; };
  }, [pathname]);

  return (
    <div className="shell">
      <a className="skip-link" href="#main">{messages.app.skipToContent}</a>
      <Sidebar pathname={pathname} subscription={subscription} signInPath={devSignInEnabled ? billingPath(locale, "sign-in") : undefined} />
      <main id="main" className="main" tabIndex={-1}>{children}</main>
    </div>
  );
}
