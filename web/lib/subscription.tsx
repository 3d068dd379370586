"use client";

import { createContext, useCallback, useContext, useEffect, useState, type ReactNode } from "react";
import { billingApi, type Subscription } from "@/lib/api/client";
import type { ApiProblem } from "@/lib/api/problem";
import { accessToken } from "@/lib/auth/accessToken";

/** The statuses in which a paid subscription is live: it switches plans, and checkout is only the way in. */
const liveStatuses: readonly string[] = ["active", "trialing", "past_due", "unpaid"];

export function isLivePaid(subscription: Subscription): boolean {
  return subscription.plan_tier !== "free" && liveStatuses.includes(subscription.subscription_status);
}

/** What a signed-out visitor would get from the API (401), known without asking it. */
const signedOut: ApiProblem = { status: 401, code: "unauthorized", title: "" };

export interface SubscriptionState {
  /** The tenant's subscription; null while loading, when signed out or when it could not be read (see `problem`). */
  subscription: Subscription | null;
  /** Why there is no subscription: signed out (no request is made), or the API's problem. */
  problem: ApiProblem | null;
  /** Whether a token is stored (known from the first effect on; false before it). */
  signedIn: boolean;
  /** True once the newest load has answered. */
  loaded: boolean;
  /** Reads the subscription again; every part of the page sees the answer. */
  reload: () => Promise<void>;
  /** A newer subscription from elsewhere (an action's polling), shown everywhere at once. */
  update: (subscription: Subscription) => void;
}

const SubscriptionContext = createContext<SubscriptionState | null>(null);

/**
 * The one `GET /subscription` of a page view, for the shell (the plan badge) and the page alike: read when the
 * page (`page`, its path) changes, and again only when something asks (`reload`).
 */
export function SubscriptionProvider({ page, children }: { page: string; children: ReactNode }) {
  const [state, setState] = useState<Omit<SubscriptionState, "reload" | "update">>(
    { subscription: null, problem: null, signedIn: false, loaded: false });

  const load = useCallback(async (isLive: () => boolean = () => true) => {
    if (accessToken() === null) {
      setState({ subscription: null, problem: signedOut, signedIn: false, loaded: true });
      return;
    }
    setState((shown) => ({ ...shown, signedIn: true, loaded: false }));
    const result = await billingApi().subscription();
    if (!isLive()) return;
    setState(result.ok
      ? { subscription: result.data, problem: null, signedIn: true, loaded: true }
      : { subscription: null, problem: result.problem, signedIn: true, loaded: true });
  }, []);

  useEffect(() => {
    let live = true;
    void load(() => live);
    return () => { live = false; };
  }, [load, page]);

  const update = useCallback((subscription: Subscription) => setState({ subscription, problem: null, signedIn: true, loaded: true }), []);
  const reload = useCallback(() => load(), [load]);

  return (
    <SubscriptionContext.Provider value={{ ...state, reload, update }}>{children}</SubscriptionContext.Provider>
  );
}

export function useSubscription(): SubscriptionState {
  const value = useContext(SubscriptionContext);
  if (!value) throw new Error("useSubscription outside SubscriptionProvider");
  return value;
}
