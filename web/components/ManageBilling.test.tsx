import { fireEvent, screen } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import { renderIn } from "@/test/render";
import { ManageBilling } from "./ManageBilling";

describe("ManageBilling", () => {
  it("opens_the_portal_outside_demo_mode", () => {
    const onOpen = vi.fn();
    renderIn("en", <ManageBilling demoMode={false} onOpen={onOpen} />);
    fireEvent.click(screen.getByRole("button", { name: "Manage billing" }));
    expect(onOpen).toHaveBeenCalledOnce();
    expect(screen.getByRole("status").textContent).toBe("");
  });

  it("says_what_it_would_open_in_demo_mode_instead_of_reloading", () => {
    const onOpen = vi.fn();
    renderIn("en", <ManageBilling demoMode onOpen={onOpen} />);
    fireEvent.click(screen.getByRole("button", { name: "Manage billing" }));
    expect(onOpen).not.toHaveBeenCalled();
    expect(screen.getByRole("status").textContent).toContain("this opens Stripe's billing portal");
  });
});
