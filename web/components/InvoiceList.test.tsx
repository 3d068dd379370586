import { fireEvent, screen, within } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import type { Invoice } from "@/lib/api/client";
import { renderIn } from "@/test/render";
import { InvoiceList } from "./InvoiceList";

const invoice = (over: Partial<Invoice> = {}): Invoice => ({
  id: "in_1", number: "LNX-0001", status: "paid", amount_due: 4900, amount_paid: 4900, currency: "usd",
  created: "2026-11-01T00:00:00Z", period_start: "2026-11-01T00:00:00Z", period_end: "2026-12-01T00:00:00Z",
  hosted_invoice_url: "https://invoice.stripe.com/i/1", invoice_pdf: "https://pay.stripe.com/invoice/1/pdf", ...over,
});

describe("InvoiceList", () => {
  it("shows_number_date_amount_status_and_links", () => {
    renderIn("en", <InvoiceList invoices={[invoice()]} hasMore={false} onLoadMore={() => {}} />);
    const row = screen.getByRole("row", { name: /LNX-0001/ });
    expect(within(row).getByText("Nov 1, 2026")).toBeTruthy();
    expect(within(row).getByText("$49.00")).toBeTruthy();
    expect(within(row).getByText("Paid")).toBeTruthy();
    expect(within(row).getByRole("link", { name: "View invoice LNX-0001" }).getAttribute("href")).toBe("https://invoice.stripe.com/i/1");
    expect(within(row).getByRole("link", { name: "PDF of invoice LNX-0001" }).getAttribute("href")).toBe("https://pay.stripe.com/invoice/1/pdf");
  });

  it("has_no_links_when_the_invoice_has_none", () => {
    renderIn("en", <InvoiceList invoices={[invoice({ hosted_invoice_url: null, invoice_pdf: null })]} hasMore={false} onLoadMore={() => {}} />);
    expect(screen.queryByRole("link")).toBeNull();
  });

  it("shows_an_empty_state", () => {
    renderIn("en", <InvoiceList invoices={[]} hasMore={false} onLoadMore={() => {}} />);
    expect(screen.getByText(/No invoices yet/)).toBeTruthy();
    expect(screen.queryByRole("table")).toBeNull();
  });

  it("load_more_asks_for_the_next_page", () => {
    const onLoadMore = vi.fn();
    renderIn("en", <InvoiceList invoices={[invoice()]} hasMore onLoadMore={onLoadMore} />);
    fireEvent.click(screen.getByRole("button", { name: "Load more invoices" }));
    expect(onLoadMore).toHaveBeenCalledOnce();
  });

  it("offers_no_load_more_on_the_last_page", () => {
    renderIn("en", <InvoiceList invoices={[invoice()]} hasMore={false} onLoadMore={() => {}} />);
    expect(screen.queryByRole("button")).toBeNull();
  });

  it("translates_status_and_headers_in_korean", () => {
    renderIn("ko", <InvoiceList invoices={[invoice()]} hasMore={false} onLoadMore={() => {}} />);
    expect(screen.getByRole("columnheader", { name: "금액" })).toBeTruthy();
    expect(screen.getByText("결제 완료")).toBeTruthy();
  });

  it("labels_the_pdf_link_in_korean", () => {
    renderIn("ko", <InvoiceList invoices={[invoice()]} hasMore={false} onLoadMore={() => {}} />);
    const pdf = screen.getByRole("link", { name: "청구서 LNX-0001 PDF" });
    expect(pdf.textContent).toBe("PDF 파일");
  });
});
