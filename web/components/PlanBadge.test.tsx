import { screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { renderIn } from "@/test/render";
import { PlanBadge } from "./PlanBadge";

describe("PlanBadge", () => {
  it("shows_the_tier", () => {
    const { container } = renderIn("en", <PlanBadge tier="pro" status="active" cancelAtPeriodEnd={false} periodEnd="2026-12-01T00:00:00Z" />);
    expect(screen.getByText("Pro")).toBeTruthy();
    expect(container.querySelector("[data-state]")?.getAttribute("data-state")).toBe("pro");
  });

  it("shows_past_due", () => {
    renderIn("en", <PlanBadge tier="pro" status="past_due" cancelAtPeriodEnd={false} periodEnd="2026-12-01T00:00:00Z" />);
    expect(screen.getByText("Payment past due")).toBeTruthy();
  });

  it("shows_the_end_date_when_canceling_at_period_end", () => {
    renderIn("en", <PlanBadge tier="enterprise" status="active" cancelAtPeriodEnd periodEnd="2026-12-01T00:00:00Z" />);
    expect(screen.getByText("Ends Dec 1, 2026")).toBeTruthy();
  });

  it("names_the_free_plan_in_korean", () => {
    renderIn("ko", <PlanBadge tier="free" status="active" cancelAtPeriodEnd={false} periodEnd={null} />);
    expect(screen.getByText("무료")).toBeTruthy();
  });
});

describe("PlanBadge in Korean", () => {
  it("names_paid_plans_in_korean", () => {
    renderIn("ko", <PlanBadge tier="enterprise" status="active" cancelAtPeriodEnd={false} periodEnd={null} />);
    expect(screen.getByText("엔터프라이즈")).toBeTruthy();
  });
});
