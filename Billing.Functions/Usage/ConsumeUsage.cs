using Billing.Core.Identity;
using Billing.Core.Usage;
using Billing.Functions.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Billing.Functions.Usage;

public sealed class ConsumeUsage(HttpEndpoint http, UsageService usage)
{
    [Function(nameof(ConsumeUsage))]
    public Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "usage/{resource}/consume")] HttpRequest request,
        string resource, CancellationToken ct)
        => http.HandleAsync<ConsumeRequest, ConsumeResult>(request, Access.AnyRole,
            (caller, body, ct) => usage.ConsumeAsync(caller.TenantId, resource, body.Quantity,
                HttpEndpoint.SingleHeader(request, "Idempotency-Key"), ct),
            result => result, ct);
}

public sealed class ConsumeRequest : IRequestBody
{
    public static IReadOnlyDictionary<string, string> Rules { get; } = new Dictionary<string, string>
    {
        ["quantity"] = UsageService.QuantityRule,
    };

    public int Quantity { get; init; } = 1;
}
