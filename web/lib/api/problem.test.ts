import { describe, expect, it } from "vitest";
import { messagesFor } from "@/lib/i18n/messages";
import { describeProblem, type ApiProblem } from "./problem";

const en = messagesFor("en");
const ko = messagesFor("ko");
const problem = (over: Partial<ApiProblem>): ApiProblem => ({ status: 400, code: "validation_failed", title: "Validation failed", ...over });

describe("describeProblem titles", () => {
  it("titles_come_from_the_korean_messages_not_the_english_problem_title", () => {
    expect(describeProblem(problem({ status: 401, code: "unauthorized", title: "Unauthorized" }), ko, "ko").title).toBe("로그인이 필요합니다");
    expect(describeProblem(problem({ status: 409, code: "already_subscribed", title: "Conflict" }), ko, "ko").title).toBe("이미 유료 요금제를 사용 중입니다");
  });

  it("a_code_the_page_does_not_know_is_titled_by_its_status", () => {
    expect(describeProblem(problem({ status: 409, code: "something_new", title: "Conflict" }), ko, "ko").title).toBe("요청이 현재 상태와 맞지 않습니다");
    expect(describeProblem(problem({ status: 503, code: "http_503", title: "Service Unavailable" }), ko, "ko").title).toBe("서비스를 사용할 수 없습니다");
    expect(describeProblem(problem({ status: 502, code: "http_502", title: "Bad Gateway" }), en, "en").title).toBe("Internal error");
  });

  it("an_unknown_code_and_status_gets_the_generic_heading", () => {
    expect(describeProblem(problem({ status: 418, code: "teapot", title: "I'm a teapot" }), ko, "ko").title).toBe("문제가 발생했습니다");
  });

  it("names_the_plan_of_a_402_in_the_page_language", () => {
    const limit = problem({ status: 402, code: "plan_limit_exceeded", title: "Plan limit exceeded", resource: "escrows", limit: 5, used: 5, planTier: "free" });
    expect(describeProblem(limit, ko, "ko")).toMatchObject({ title: "요금제 한도에 도달했습니다", action: "upgrade" });
    expect(describeProblem(limit, ko, "ko").whatToDo).toContain("무료 요금제");
    expect(describeProblem(limit, en, "en").whatToDo).toContain("on the Free plan");
  });

  it("names_the_currency_a_tenant_pays_in_when_it_cannot_check_out_in_another", () => {
    const mismatch = problem({ status: 409, code: "currency_mismatch", title: "Conflict", currency: "krw" });
    expect(describeProblem(mismatch, ko, "ko")).toMatchObject({ title: "다른 통화", action: "none" });
    expect(describeProblem(mismatch, ko, "ko").whatToDo).toContain("KRW 통화로 결제");
    expect(describeProblem(mismatch, en, "en").whatToDo).toContain("pays in KRW");
  });
});
