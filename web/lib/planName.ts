import type { PlanTier } from "@/lib/api/client";
import type { Messages } from "@/lib/i18n/messages";

const paidNames: Record<Exclude<PlanTier, "free">, string> = { pro: "Pro", enterprise: "Enterprise" };

/** A plan's name as the pages show it: Free in the page's language, the paid plans by their brand names. */
export function planName(tier: PlanTier, messages: Messages): string {
  return tier === "free" ? messages.plan.free : paidNames[tier];
}
