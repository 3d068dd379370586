"use client";

import Link from "next/link";
import { useEffect, useState } from "react";
import { AppShell } from "@/components/AppShell";
import { I18nProvider, useI18n } from "@/lib/i18n/I18nProvider";
import { isLocale, messagesFor, type Locale } from "@/lib/i18n/messages";
import { billingPath } from "@/lib/routes";

/** The language of a path that does not exist: its first segment when that is a locale, else English. */
export function localeOfPath(pathname: string): Locale {
  const first = pathname.split("/")[1] ?? "";
  return isLocale(first) ? first : "en";
}

function NotFoundContent() {
  const { locale, messages } = useI18n();
  return (
    <>
      <h1>{messages.app.notFoundTitle}</h1>
      <p className="lead">{messages.app.notFoundBody}</p>
      <p><Link className="button button--primary" href={billingPath(locale)}>{messages.app.notFoundBack}</Link></p>
    </>
  );
}

/**
 * The one 404 page (out/404.html) every static host serves for a missing path, inside the app shell.
 * One file serves both languages: it is built in English and switches to the path's language in the browser.
 */
export function NotFoundPage() {
  const [locale, setLocale] = useState<Locale>("en");
  useEffect(() => {
    const fromPath = localeOfPath(window.location.pathname);
    const messages = messagesFor(fromPath);
    setLocale(fromPath);
    document.documentElement.lang = fromPath;
    document.title = `${messages.app.notFoundTitle} · ${messages.app.name}`;
  }, []);
  return (
    <I18nProvider locale={locale}>
      <AppShell><NotFoundContent /></AppShell>
    </I18nProvider>
  );
}
