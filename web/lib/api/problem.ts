import type { components } from "./schema.gen";
import { format, type Locale, type Messages } from "@/lib/i18n/messages";
import { formatNumber } from "@/lib/i18n/formatting";
import { tierName } from "@/lib/i18n/tiers";
import { isResource } from "@/lib/resources";

type Schemas = components["schemas"];
type ProblemDetails = Schemas["ProblemDetails"];
/** Every member a problem+json body may carry, per the contract (a member it drops fails `tsc` here). */
type ProblemBody = Partial<ProblemDetails>
  & Partial<Omit<Schemas["PlanLimitProblem"], keyof ProblemDetails>>
  & Partial<Omit<Schemas["UnavailableProblem"], keyof ProblemDetails>>
  & Partial<Omit<Schemas["CurrencyMismatchProblem"], keyof ProblemDetails>>;

/** An API error as the pages see it: the problem+json members we act on, plus network failures. */
export interface ApiProblem {
  status: number;
  code: string;
  title: string;
  detail?: string;
  retryAfterSeconds?: number;
  resource?: string;
  limit?: number;
  used?: number;
  planTier?: string;
  /** `409 currency_mismatch`: the currency the tenant pays in. */
  currency?: string;
}

export type ProblemAction = "sign-in" | "retry" | "upgrade" | "portal" | "none";

export interface ProblemMessage {
  title: string;
  whatToDo: string;
  action: ProblemAction;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

const str = (v: unknown) => (typeof v === "string" && v.length > 0 ? v : undefined);
const int = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : undefined);

function retryAfterHeader(response: Response): number | undefined {
  const raw = response.headers.get("Retry-After");
  if (!raw) return undefined;
  const seconds = Number(raw);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.ceil(seconds);
  const date = Date.parse(raw);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - Date.now()) / 1000));
}

/**
 * Turns whatever came back with an error status into an ApiProblem. The body is untrusted: a member of
 * the wrong type is ignored, and a body that is not problem+json still gives status and a generic code.
 */
export function toProblem(response: Response, body: unknown): ApiProblem {
  const problem: { [K in keyof ProblemBody]?: unknown } = isRecord(body) ? body : {};
  return {
    status: response.status,
    code: str(problem.code) ?? `http_${response.status}`,
    title: str(problem.title) ?? response.statusText ?? `HTTP ${response.status}`,
    detail: str(problem.detail),
    retryAfterSeconds: int(problem.retry_after) ?? retryAfterHeader(response),
    resource: str(problem.resource),
    limit: int(problem.limit),
    used: int(problem.used),
    planTier: str(problem.plan_tier),
    currency: str(problem.currency),
  };
}

export function networkProblem(): ApiProblem {
  return { status: 0, code: "network_error", title: "" };
}

type TitleKey = keyof Messages["errors"]["titles"];

/** Titles for a status whose code the page does not know (the API's own `title` is English). */
const titleByStatus: Partial<Record<number, TitleKey>> = {
  401: "unauthorized", 402: "plan_limit_exceeded", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
  409: "conflict", 413: "payload_too_large", 422: "validation_failed", 400: "validation_failed", 503: "unavailable",
};

/** The problem's title in the page's language: by its code, else by its status, else the generic heading. */
function titleOf(problem: ApiProblem, messages: Messages): string {
  const titles = messages.errors.titles;
  if (Object.hasOwn(titles, problem.code)) return titles[problem.code as TitleKey];
  const byStatus = titleByStatus[problem.status] ?? (problem.status >= 500 ? "internal_error" : undefined);
  return byStatus ? titles[byStatus] : messages.errors.heading;
}

/** The one place a problem becomes something a person can act on, in the page's language. */
export function describeProblem(problem: ApiProblem, messages: Messages, locale: Locale): ProblemMessage {
  const e = messages.errors;
  const title = titleOf(problem, messages);
  if (problem.status === 0) return { title: e.heading, whatToDo: e.network, action: "retry" };
  switch (problem.status) {
    case 401:
      return { title, whatToDo: e.unauthorized, action: "sign-in" };
    case 403:
      return { title, whatToDo: e.forbidden, action: "none" };
    case 402: {
      const resourceName = problem.resource && isResource(problem.resource) ? messages.plan[problem.resource] : problem.resource;
      const whatToDo = problem.limit !== undefined && problem.used !== undefined && resourceName
        ? format(e.limit, {
            used: formatNumber(problem.used, locale),
            limit: formatNumber(problem.limit, locale),
            resource: resourceName,
            plan: problem.planTier ? tierName(problem.planTier, messages) : "",
          })
        : e.limitUnknown;
      return { title, whatToDo, action: "upgrade" };
    }
    case 409:
      if (problem.code === "already_subscribed") return { title, whatToDo: e.alreadySubscribed, action: "portal" };
      if (problem.code === "no_subscription") return { title, whatToDo: e.noSubscription, action: "upgrade" };
      if (problem.code === "checkout_in_progress") return { title, whatToDo: e.checkoutInProgress, action: "retry" };
      if (problem.code === "no_billing_account") return { title, whatToDo: e.noBillingAccount, action: "upgrade" };
      if (problem.code === "currency_mismatch" && problem.currency)
        return { title, whatToDo: format(e.currencyMismatch, { currency: problem.currency.toUpperCase() }), action: "none" };
      break;
    case 503:
      return {
        title,
        whatToDo: problem.retryAfterSeconds !== undefined
          ? format(e.retryAfter, { seconds: formatNumber(problem.retryAfterSeconds, locale) })
          : e.retryLater,
        action: "retry",
      };
  }
  return { title, whatToDo: problem.detail ?? e.generic, action: problem.status >= 500 ? "retry" : "none" };
}
