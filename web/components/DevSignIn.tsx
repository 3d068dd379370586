"use client";

import { useRouter } from "next/navigation";
import { useEffect, useState, type FormEvent } from "react";
import { clearAccessToken, looksLikeJwt, storeAccessToken } from "@/lib/auth/accessToken";
import { useI18n } from "@/lib/i18n/I18nProvider";
import { billingPath } from "@/lib/routes";

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

  const accept = (token: string) => {
    if (!looksLikeJwt(token)) {
      setInvalid(true);
      return;
    }
    storeAccessToken(token);
    setSignedIn(true);
    router.push(billingPath(locale));
  };

  useEffect(() => {
    const fromFragment = new URLSearchParams(window.location.hash.slice(1)).get("token");
    if (fromFragment) {
      // Take the token out of the address bar (and so out of history) before anything else.
      window.history.replaceState(null, "", window.location.pathname);
      accept(fromFragment);
    }
    // Once, on arrival: `accept` reads nothing that changes later.
  }, []);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    accept(value);
  };

  return (
    <>
      <h1>{m.title}</h1>
      <p className="lead">{m.intro}</p>
      {signedIn ? <p role="status">{m.signedIn}</p> : (
        <form className="card form" onSubmit={submit}>
          <label htmlFor="token">{m.label}</label>
          <textarea id="token" name="token" rows={4} value={value} spellCheck={false} autoComplete="off"
            aria-invalid={invalid} aria-describedby={invalid ? "token-error" : undefined}
            onChange={(e) => { setValue(e.target.value); setInvalid(false); }} />
          {invalid && <p id="token-error" className="field-error">{m.invalid}</p>}
          <div className="form__actions">
            <button type="submit" className="button button--primary">{m.submit}</button>
            <button type="button" className="button" onClick={() => { clearAccessToken(); setValue(""); }}>{m.signOut}</button>
          </div>
        </form>
      )}
    </>
  );
}
