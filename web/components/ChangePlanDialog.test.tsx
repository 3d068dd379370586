import { fireEvent, screen } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import type { ChangePreview } from "@/lib/api/client";
import { I18nProvider } from "@/lib/i18n/I18nProvider";
import { renderIn } from "@/test/render";
import { ChangePlanDialog } from "./ChangePlanDialog";

const upgrade: ChangePreview = {
  plan_tier: "enterprise", effective: "now", effective_at: "2026-11-20T10:04:31Z",
  amount_due_now: 26_667, next_amount: 49_900, currency: "usd", proration_date: "2026-11-20T10:04:31Z",
};
const downgrade: ChangePreview = {
  plan_tier: "pro", effective: "period_end", effective_at: "2026-12-03T09:12:44Z",
  amount_due_now: 0, next_amount: 9_900, currency: "usd", proration_date: null,
};

describe("ChangePlanDialog", () => {
  it("shows_what_an_upgrade_charges_now_and_then_each_month", () => {
    renderIn("en", <ChangePlanDialog interval="month" current="pro" target="enterprise" preview={upgrade} onConfirm={() => {}} onClose={() => {}} />);
    const dialog = screen.getByRole("dialog", { name: "Switch to Enterprise" });
    expect(dialog.textContent).toContain("$266.67");
    expect(dialog.textContent).toContain("$499.00");
    expect(screen.getByText("Now")).toBeTruthy();
    expect(screen.getByText("Then, every month")).toBeTruthy();
  });

  it("names_the_yearly_price_a_yearly_subscriber_pays_from_then_on", () => {
    renderIn("en", <ChangePlanDialog interval="year" current="pro" target="enterprise" preview={{ ...upgrade, next_amount: 499_000 }} onConfirm={() => {}} onClose={() => {}} />);
    expect(screen.getByText("Then, every year")).toBeTruthy();
    expect(screen.queryByText(/every month/)).toBeNull();
    expect(screen.getByRole("dialog").textContent).toContain("$4,990.00");
  });

  it("shows_when_a_downgrade_takes_effect_and_that_nothing_is_charged_now", () => {
    renderIn("en", <ChangePlanDialog interval="month" current="enterprise" target="pro" preview={downgrade} onConfirm={() => {}} onClose={() => {}} />);
    expect(screen.getByText("Dec 3, 2026")).toBeTruthy();
    expect(screen.getByText("$0.00")).toBeTruthy();
    expect(screen.getByText(/You keep Enterprise until the end of the period/)).toBeTruthy();
  });

  it("speaks_korean_on_korean_pages", () => {
    renderIn("ko", <ChangePlanDialog interval="month" current="enterprise" target="pro" preview={downgrade} onConfirm={() => {}} onClose={() => {}} />);
    expect(screen.getByRole("dialog", { name: "프로로 변경" })).toBeTruthy();
    expect(screen.getByText(/엔터프라이즈 요금제를 그대로 사용합니다/)).toBeTruthy();
    expect(screen.getByText("지금 결제되는 금액")).toBeTruthy();
    expect(screen.getByRole("button", { name: "현재 요금제 유지" })).toBeTruthy();
  });

  it("confirms_only_once_the_preview_is_there_and_closes_on_escape", () => {
    const onConfirm = vi.fn();
    const onClose = vi.fn();
    const { rerender } = renderIn("en", <ChangePlanDialog interval="month" current="pro" target="enterprise" preview={null} onConfirm={onConfirm} onClose={onClose} />);
    const confirm = screen.getByRole("button", { name: "Confirm switch to Enterprise" }) as HTMLButtonElement;
    expect(confirm.disabled).toBe(true);
    expect(screen.getByRole("status").textContent).toContain("Asking the payment provider");

    rerender(<I18nProvider locale="en"><ChangePlanDialog interval="month" current="pro" target="enterprise" preview={upgrade} onConfirm={onConfirm} onClose={onClose} /></I18nProvider>);
    fireEvent.click(screen.getByRole("button", { name: "Confirm switch to Enterprise" }));
    expect(onConfirm).toHaveBeenCalledOnce();
    fireEvent.keyDown(window, { key: "Escape" });
    expect(onClose).toHaveBeenCalledOnce();
  });
});
