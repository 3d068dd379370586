import { screen, within } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import type { Subscription } from "@/lib/api/client";
import { storeAccessToken } from "@/lib/auth/accessToken";
import { useSubscription } from "@/lib/subscription";
import { renderIn } from "@/test/render";
import { AppShell } from "./AppShell";

const subscription: Subscription = {
  tenant_id: "11111111-1111-4111-8111-111111111111", plan_tier: "pro", subscription_status: "active",
  cancel_at_period_end: false, billing_period_start: "2026-11-01T00:00:00Z", billing_period_end: "2026-12-01T00:00:00Z",
  stripe_customer_id: "cus_1", demo_mode: true, billing_interval: "month", currency: "usd", limits_tier: "pro", trial_end: null, cancel_at: null,
  pending_plan_tier: null, pending_change_at: null, payment_failed_at: null, grace_until: null,
};

// openapi-fetch takes `fetch` when the pages' client is first created: stubbed before any import uses it.
const fetchMock = vi.hoisted(() => {
  const mock = vi.fn(async (_request: Request) => Response.json(subscription));
  vi.stubGlobal("fetch", mock);
  return mock;
});
vi.mock("next/navigation", () => ({ usePathname: () => "/en/billing/" }));

function PagePart() {
  const { subscription: shared } = useSubscription();
  return <p>The page sees {shared?.plan_tier ?? "nothing yet"}</p>;
}

describe("AppShell", () => {
  it("reads_the_subscription_once_for_the_sidebar_and_the_page", async () => {
    storeAccessToken("a.b.c");
    renderIn("en", <AppShell><PagePart /></AppShell>);

    expect(await screen.findByText("The page sees pro")).toBeTruthy();
    expect(within(screen.getByRole("complementary")).getByText("Pro")).toBeTruthy();
    const reads = fetchMock.mock.calls.filter(([request]) => new URL(request.url).pathname.endsWith("/subscription"));
    expect(reads).toHaveLength(1);
  });

  it("asks_nothing_when_signed_out_and_tells_the_page_why", async () => {
    fetchMock.mockClear();
    function Why() {
      const { problem } = useSubscription();
      return <p>{problem ? `problem ${problem.status}` : "loading"}</p>;
    }
    renderIn("en", <AppShell><Why /></AppShell>);

    expect(await screen.findByText("problem 401")).toBeTruthy();
    expect(fetchMock).not.toHaveBeenCalled();
  });
});
