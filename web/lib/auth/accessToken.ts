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

export interface TokenClaims {
  tenantId: string;
  role: string;
  expiresAt: Date | null;
}

/**
 * What a token says about its holder, read without checking its signature: only to show who is signed in
 * on the dev sign-in page. The API checks the signature; nothing here is trusted for access.
 */
export function tokenClaims(token: string): TokenClaims | null {
  const payload = token.split(".")[1];
  if (!payload) return null;
  try {
    const json = JSON.parse(atob(payload.replace(/-/g, "+").replace(/_/g, "/"))) as Record<string, unknown>;
    const { tenant_id: tenantId, role, exp } = json;
    if (typeof tenantId !== "string" || typeof role !== "string") return null;
    return { tenantId, role, expiresAt: typeof exp === "number" ? new Date(exp * 1000) : null };
  } catch {
    return null;
  }
}
