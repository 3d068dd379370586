"use client";

import { useRouter } from "next/navigation";
import { useEffect, useState, type FormEvent } from "react";
import { accessToken, clearAccessToken, looksLikeJwt, storeAccessToken, tokenClaims } from "@/lib/auth/accessToken";
import { formatDateTime } from "@/lib/i18n/formatting";
import { format, type Locale, type Messages } from "@/lib/i18n/messages";
import { useI18n } from "@/lib/i18n/I18nProvider";
import { billingPath } from "@/lib/routes";

/** Who the stored token says is signed in (tenant, role, expiry), or that nobody is. */
function whoIsSignedIn(token: string | null, messages: Messages, locale: Locale): string {
  const m = messages.signIn;
  if (token === null) return m.nobody;
  const claims = tokenClaims(token);
  if (!claims) return m.whoUnknown;
  const role = Object.hasOwn(m.roles, claims.role) ? m.roles[claims.role as keyof typeof m.roles] : claims.role;
  return format(m.who, {
    role,
    tenant: claims.tenantId,
    expires: claims.expiresAt ? formatDateTime(claims.expiresAt, locale) : "—",
  });
}

/**
 * Development sign-in for the standalone build: takes a token minted outside the browser
 * (`Billing.DevHost token`) from `#token=…` or the paste box and keeps it in sessionStorage.
 */
export function DevSignIn() {
  const { locale, messages } = useI18n();
  const m = messages.signIn;
  const router = useRouter();
  const [value, setValue] = useState("");
  const [invalid, setInvalid] = useState(false);
  const [signedIn, setSignedIn] = useState(false);
  // sessionStorage exists only in the browser: read after the first render, again on every change.
  const [stored, setStored] = useState<string | null>(null);
  useEffect(() => setStored(accessToken()), []);

  const accept = (token: string) => {
    if (!looksLikeJwt(token)) {
      setInvalid(true);
      return;
    }
    storeAccessToken(token);
    setStored(accessToken());
    setSignedIn(true);
    router.push(billingPath(locale));
  };

  useEffect(() => {
    const takeFragment = () => {
      const fromFragment = new URLSearchParams(window.location.hash.slice(1)).get("token");
      if (!fromFragment) return;
      // Take the token out of the address bar (and so out of history) before anything else.
      window.history.replaceState(null, "", window.location.pathname);
      accept(fromFragment);
    };
    takeFragment();
    // A #token=… link opened while this page is already showing changes only the fragment.
    window.addEventListener("hashchange", takeFragment);
    return () => window.removeEventListener("hashchange", takeFragment);
    // `accept` reads nothing that changes later.
  }, []);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    accept(value);
  };

  return (
    <>
      <h1>{m.title}</h1>
      <p className="lead">{m.intro}</p>
      <p role="status" className="banner">{signedIn ? m.signedIn : whoIsSignedIn(stored, messages, locale)}</p>
      {!signedIn && (
        <form className="card form" onSubmit={submit}>
          <label htmlFor="token">{m.label}</label>
          <textarea id="token" name="token" rows={4} value={value} spellCheck={false} autoComplete="off"
            aria-invalid={invalid} aria-describedby={invalid ? "token-error" : undefined}
            onChange={(e) => { setValue(e.target.value); setInvalid(false); }} />
          {invalid && <p id="token-error" className="field-error">{m.invalid}</p>}
          <div className="form__actions">
            <button type="submit" className="button button--primary">{m.submit}</button>
            <button type="button" className="button" onClick={() => { clearAccessToken(); setStored(null); setValue(""); }}>{m.signOut}</button>
          </div>
        </form>
      )}
    </>
  );
}
