import { act, screen } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import { accessToken, storeAccessToken } from "@/lib/auth/accessToken";
import { renderIn } from "@/test/render";
import { DevSignIn } from "./DevSignIn";

vi.mock("next/navigation", () => ({ useRouter: () => ({ push: vi.fn() }) }));

const base64url = (value: object) => btoa(JSON.stringify(value)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
const token = (claims: object) => `${base64url({ alg: "RS256" })}.${base64url(claims)}.c2lnbmF0dXJl`;

describe("DevSignIn", () => {
  it("says_who_is_signed_in_from_the_stored_token", () => {
    storeAccessToken(token({ tenant_id: "11111111-1111-4111-8111-111111111111", role: "admin", exp: Date.UTC(2026, 11, 1, 12) / 1000 }));
    renderIn("en", <DevSignIn />);
    expect(screen.getByRole("status").textContent)
      .toBe("Signed in as admin of tenant 11111111-1111-4111-8111-111111111111, until Dec 1, 2026, 12:00 PM UTC.");
  });

  it("names_the_role_in_korean", () => {
    storeAccessToken(token({ tenant_id: "11111111-1111-4111-8111-111111111111", role: "admin" }));
    renderIn("ko", <DevSignIn />);
    expect(screen.getByRole("status").textContent).toContain("테넌트 11111111-1111-4111-8111-111111111111에 관리자 권한으로 로그인되어 있습니다");
  });

  it("says_so_when_nobody_is_signed_in", () => {
    renderIn("ko", <DevSignIn />);
    expect(screen.getByRole("status").textContent).toBe("로그인되어 있지 않습니다.");
  });
});

describe("DevSignIn with a #token link", () => {
  it("takes_a_token_link_opened_while_the_page_is_showing", () => {
    renderIn("en", <DevSignIn />);
    const claims = { tenant_id: "22222222-2222-4222-8222-222222222222", role: "admin" };
    act(() => {
      window.location.hash = `token=${token(claims)}`;
      window.dispatchEvent(new HashChangeEvent("hashchange"));
    });
    expect(accessToken()).toBe(token(claims));
    expect(window.location.hash).toBe("");
  });
});
