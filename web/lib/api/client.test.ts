import { afterEach, describe, expect, it, vi } from "vitest";
import { messagesFor } from "@/lib/i18n/messages";
import { createBillingClient } from "./client";
import { describeProblem } from "./problem";

const BASE = "http://api.test/api/v1/billing";

function problemResponse(status: number, body: Record<string, unknown>, headers: Record<string, string> = {}) {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/problem+json", ...headers } });
}

// openapi-fetch takes `fetch` when the client is created: stub first, then create.
function clientAnswering(answer: () => Response | Promise<Response>, token: string | null = "tok.en.value") {
  const fetchMock = vi.fn(async (_request: Request) => answer());
  vi.stubGlobal("fetch", fetchMock);
  return { api: createBillingClient(BASE, () => token), fetchMock };
}

const en = messagesFor("en");

afterEach(() => vi.unstubAllGlobals());

describe("billing client", () => {
  it("sends_the_bearer_token_from_accessToken", async () => {
    const { api, fetchMock } = clientAnswering(() => Response.json({ plans: [] }));
    const result = await api.plans();
    expect(result.ok).toBe(true);
    const request = fetchMock.mock.calls[0]![0];
    expect(request.url).toBe(`${BASE}/plans`);
    expect(request.headers.get("Authorization")).toBe("Bearer tok.en.value");
  });

  it("sends_no_authorization_header_when_signed_out", async () => {
    const { api, fetchMock } = clientAnswering(() => Response.json({ plans: [] }), null);
    await api.plans();
    expect(fetchMock.mock.calls[0]![0].headers.get("Authorization")).toBeNull();
  });

  it("sends_starting_after_for_the_next_invoice_page", async () => {
    const { api, fetchMock } = clientAnswering(() => Response.json({ invoices: [], has_more: false }));
    await api.invoices("in_42", 5);
    expect(fetchMock.mock.calls[0]![0].url).toBe(`${BASE}/invoices?limit=5&starting_after=in_42`);
  });

  it("503_says_retry_after_the_seconds_in_the_body", async () => {
    const { api } = clientAnswering(() => problemResponse(503,
      { type: "urn:loginexus:billing:error:stripe_unavailable", title: "Stripe is unavailable", status: 503, detail: "…", code: "stripe_unavailable", retry_after: 7 },
      { "Retry-After": "7" }));
    const result = await api.checkout("pro", "http://localhost:3000/en/billing/success/", "http://localhost:3000/en/billing/canceled/");
    if (result.ok) throw new Error("expected a problem");
    expect(result.problem).toMatchObject({ status: 503, code: "stripe_unavailable", retryAfterSeconds: 7 });
    const message = describeProblem(result.problem, en, "en");
    expect(message.title).toBe("Payment provider unavailable");
    expect(message.whatToDo).toBe("The service is busy. Try again in 7 seconds.");
    expect(message.action).toBe("retry");
  });

  it("503_falls_back_to_the_retry_after_header", async () => {
    const { api } = clientAnswering(() => problemResponse(503, { title: "Database unavailable", status: 503, code: "database_unavailable" }, { "Retry-After": "12" }));
    const result = await api.usage();
    if (result.ok) throw new Error("expected a problem");
    expect(result.problem.retryAfterSeconds).toBe(12);
  });

  it("402_names_the_limit", async () => {
    const { api } = clientAnswering(() => problemResponse(402,
      { title: "Plan limit exceeded", status: 402, code: "plan_limit_exceeded", resource: "escrows", limit: 5, used: 5, plan_tier: "free" }));
    const result = await api.usage();
    if (result.ok) throw new Error("expected a problem");
    const message = describeProblem(result.problem, en, "en");
    expect(message.whatToDo).toBe("You used 5 of 5 Escrows on the Free plan. Upgrade to continue this period.");
    expect(message.action).toBe("upgrade");
  });

  it("401_asks_to_sign_in_and_403_names_the_admin_role", async () => {
    const first = await clientAnswering(() => problemResponse(401, { title: "Unauthorized", status: 401, code: "unauthorized" })).api.subscription();
    const second = await clientAnswering(() => problemResponse(403, { title: "Forbidden", status: 403, code: "forbidden" })).api.subscription();
    if (first.ok || second.ok) throw new Error("expected problems");
    expect(describeProblem(first.problem, en, "en")).toMatchObject({ title: "Sign-in needed", action: "sign-in" });
    expect(describeProblem(second.problem, en, "en").whatToDo).toContain("admin role");
  });

  it("409_already_subscribed_leads_to_the_portal", async () => {
    const { api } = clientAnswering(() => problemResponse(409, { title: "Already subscribed", status: 409, code: "already_subscribed" }));
    const result = await api.checkout("enterprise", "http://x/s/", "http://x/c/");
    if (result.ok) throw new Error("expected a problem");
    expect(describeProblem(result.problem, en, "en").action).toBe("portal");
  });

  it("409_checkout_in_progress_says_try_again", async () => {
    const { api } = clientAnswering(() => problemResponse(409, { title: "Checkout in progress", status: 409, code: "checkout_in_progress" }));
    const result = await api.checkout("pro", "http://x/s/", "http://x/c/");
    if (result.ok) throw new Error("expected a problem");
    expect(describeProblem(result.problem, en, "en")).toMatchObject({ action: "retry", whatToDo: en.errors.checkoutInProgress });
  });

  it("a_body_that_is_not_a_problem_still_gives_the_status", async () => {
    const { api } = clientAnswering(() => new Response("<html>Bad gateway</html>", { status: 502, statusText: "Bad Gateway", headers: { "Content-Type": "text/html" } }));
    const result = await api.plans();
    if (result.ok) throw new Error("expected a problem");
    expect(result.problem).toMatchObject({ status: 502, code: "http_502", title: "Bad Gateway" });
    expect(describeProblem(result.problem, en, "en").action).toBe("retry");
  });

  it("members_of_the_wrong_type_are_ignored", async () => {
    const { api } = clientAnswering(() => problemResponse(503, { title: 42, code: ["x"], retry_after: "soon" }));
    const result = await api.plans();
    if (result.ok) throw new Error("expected a problem");
    expect(result.problem.code).toBe("http_503");
    expect(result.problem.retryAfterSeconds).toBeUndefined();
    expect(describeProblem(result.problem, en, "en").whatToDo).toBe("The service is busy. Try again in a moment.");
  });

  it("a_refused_connection_is_a_network_problem", async () => {
    const { api } = clientAnswering(() => { throw new TypeError("Failed to fetch"); });
    const result = await api.plans();
    if (result.ok) throw new Error("expected a problem");
    expect(result.problem.status).toBe(0);
    expect(describeProblem(result.problem, messagesFor("ko"), "ko").whatToDo).toBe("결제 서비스에 연결할 수 없습니다. 연결을 확인하고 다시 시도하세요.");
  });
});
