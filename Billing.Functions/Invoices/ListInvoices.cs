using Billing.Core.Identity;
using Billing.Core.Invoices;
using Billing.Core.Subscriptions;
using Billing.Functions.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Billing.Functions.Invoices;

public sealed class ListInvoices(HttpEndpoint http, InvoiceHistory invoices)
{
    [Function(nameof(ListInvoices))]
    public Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "invoices")] HttpRequest request, CancellationToken ct)
        => http.HandleAsync(request, Access.AdminOnly,
            (caller, ct) => invoices.ListAsync(caller.TenantId,
                HttpEndpoint.SingleQuery(request, "limit"), HttpEndpoint.SingleQuery(request, "starting_after"), ct),
            InvoicesResponse.From, ct);
}

public sealed record InvoicesResponse(IReadOnlyList<InvoiceSummary> Invoices, bool HasMore)
{
    public static InvoicesResponse From(InvoicePage page) => new(page.Invoices, page.HasMore);
}
