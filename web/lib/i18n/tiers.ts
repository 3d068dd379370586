import type { Messages } from "./messages";

type Tier = keyof Messages["tiers"];

const isTier = (value: string, messages: Messages): value is Tier => Object.hasOwn(messages.tiers, value);

/** A plan's name in the page's language, from its tier id (the API's `name` is English). */
export function tierName(tier: string, messages: Messages): string {
  return isTier(tier, messages) ? messages.tiers[tier].name : tier;
}

/** What a plan includes beyond its limits, in the page's language, from its tier id. */
export function tierFeatures(tier: string, messages: Messages): readonly string[] {
  return isTier(tier, messages) ? messages.tiers[tier].features : [];
}
