"use client";

import type { Invoice } from "@/lib/api/client";
import { format } from "@/lib/i18n/messages";
import { labelOf } from "@/lib/i18n/labels";
import { formatDate, formatMoney } from "@/lib/i18n/formatting";
import { useI18n } from "@/lib/i18n/I18nProvider";

export interface InvoiceListProps {
  invoices: Invoice[];
  hasMore: boolean;
  /** Loads the page after the last invoice shown (`starting_after`). */
  onLoadMore: () => void;
  loading?: boolean;
}

export function InvoiceList({ invoices, hasMore, onLoadMore, loading = false }: InvoiceListProps) {
  const { locale, messages } = useI18n();
  const m = messages.invoices;
  if (invoices.length === 0) return <p className="empty">{m.none}</p>;
  return (
    <div className="invoice-list">
      <div className="table-scroll" tabIndex={0} role="region" aria-label={m.heading}>
        <table>
          <thead>
            <tr>
              <th scope="col">{m.number}</th>
              <th scope="col">{m.date}</th>
              <th scope="col" className="numeric">{m.amount}</th>
              <th scope="col">{m.status}</th>
              <th scope="col">{m.links}</th>
            </tr>
          </thead>
          <tbody>
            {invoices.map((invoice) => {
              const number = invoice.number ?? invoice.id;
              return (
                <tr key={invoice.id}>
                  <th scope="row">{number}</th>
                  <td data-label={m.date}>{formatDate(invoice.created, locale)}</td>
                  <td data-label={m.amount} className="numeric">{formatMoney(invoice.amount_due, invoice.currency, locale)}</td>
                  <td data-label={m.status}>{invoice.status ? labelOf(m, "status_", invoice.status) : "—"}</td>
                  <td data-label={m.links} className="invoice-list__links">
                    {invoice.hosted_invoice_url && (
                      <a href={invoice.hosted_invoice_url} target="_blank" rel="noopener noreferrer" aria-label={format(m.view, { number })}>
                        {m.viewShort}
                      </a>
                    )}
                    {invoice.invoice_pdf && (
                      <a href={invoice.invoice_pdf} target="_blank" rel="noopener noreferrer" aria-label={format(m.pdf, { number })}>
                        {m.pdfShort}
                      </a>
                    )}
                    {!invoice.hosted_invoice_url && !invoice.invoice_pdf && <span aria-hidden="true">—</span>}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      {hasMore && (
        <button type="button" className="button" onClick={onLoadMore} disabled={loading} aria-busy={loading}>
          {m.loadMore}
        </button>
      )}
    </div>
  );
}
