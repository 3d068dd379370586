/**
 * The one place the frontend gets the signed-in user's token from.
 *
 * Inside the LogiNexus app this module is replaced by the platform session's token getter. In this
 * repository's standalone build the token comes from the dev sign-in page (only compiled in when
 * NEXT_PUBLIC_DEV_SIGN_IN=true), which stores a token minted outside the browser
 * (`Billing.DevHost token`) in sessionStorage. No token is ever minted in browser code.
 */
const STORAGE_KEY = "loginexus.billing.accessToken";

export function accessToken(): string | null {
  if (typeof window === "undefined") return null;
  return window.sessionStorage.getItem(STORAGE_KEY);
}

/** A JWT is three base64url parts; anything else is refused before it is kept. */
export function looksLikeJwt(value: string): boolean {
  return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(value.trim());
}

export function storeAccessToken(token: string): void {
  window.sessionStorage.setItem(STORAGE_KEY, token.trim());
}

export function clearAccessToken(): void {
  window.sessionStorage.removeItem(STORAGE_KEY);
}
