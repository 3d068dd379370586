import { screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { renderIn } from "@/test/render";
import { UsageBar } from "./UsageBar";

describe("UsageBar", () => {
  it("is_a_progressbar_with_used_of_limit", () => {
    renderIn("en", <UsageBar resource="shipments" used={12} limit={50} />);
    const bar = screen.getByRole("progressbar", { name: "Shipments" });
    expect(bar.getAttribute("aria-valuenow")).toBe("12");
    expect(bar.getAttribute("aria-valuemax")).toBe("50");
    expect(bar.getAttribute("aria-valuetext")).toBe("12 of 50");
    expect(screen.queryByText("Nearly at the limit")).toBeNull();
  });

  it("warns_from_80_percent", () => {
    renderIn("en", <UsageBar resource="escrows" used={4} limit={5} />);
    expect(screen.getByText("Nearly at the limit")).toBeTruthy();
  });

  it("does_not_warn_just_below_80_percent", () => {
    renderIn("en", <UsageBar resource="shipments" used={39} limit={50} />);
    expect(screen.queryByText("Nearly at the limit")).toBeNull();
  });

  it("is_full_at_the_limit", () => {
    renderIn("en", <UsageBar resource="escrows" used={5} limit={5} />);
    expect(screen.getByText("Limit reached")).toBeTruthy();
    expect(screen.queryByText("Nearly at the limit")).toBeNull();
  });

  it("shows_unlimited_as_such", () => {
    renderIn("en", <UsageBar resource="api_calls" used={1234} limit={-1} />);
    const bar = screen.getByRole("progressbar", { name: "API calls" });
    expect(bar.getAttribute("aria-valuemax")).toBeNull();
    expect(bar.getAttribute("aria-valuetext")).toBe("1,234 used, unlimited");
    expect(screen.queryByText("Limit reached")).toBeNull();
  });

  it("speaks_korean_on_korean_pages", () => {
    renderIn("ko", <UsageBar resource="shipments" used={3} limit={50} />);
    expect(screen.getByRole("progressbar", { name: "배송" }).getAttribute("aria-valuetext")).toBe("50 중 3");
  });
});
