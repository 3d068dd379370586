using Billing.Core.Identity;
using Billing.Core.Subscriptions;
using Billing.Functions.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using System.Text.Json.Serialization;

namespace Billing.Functions.Subscriptions;

public sealed class ChangeSubscription(HttpEndpoint http, SubscriptionLifecycle lifecycle)
{
    [Function(nameof(ChangeSubscription))]
    public Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "subscription/change")] HttpRequest request, CancellationToken ct)
        => http.HandleAsync<ChangeRequest, LifecycleResult>(request, Access.AdminOnly,
            (caller, body, ct) => lifecycle.ChangeAsync(caller.TenantId, body.PlanTier, body.ProrationDate,
                HttpEndpoint.SingleHeader(request, "Idempotency-Key"), ct),
            LifecycleResponse.From, ct);
}

public sealed class ChangeRequest : IRequestBody
{
    public static IReadOnlyDictionary<string, string> Rules { get; } = new Dictionary<string, string>
    {
        ["plan_tier"] = "must be a string: " + SubscriptionLifecycle.PlanTierRule,
        ["proration_date"] = "must be a timestamp: " + SubscriptionLifecycle.ProrationDateRule,
    };

    public string? PlanTier { get; init; }
    public DateTimeOffset? ProrationDate { get; init; }
}

/// <summary>The answer of change, cancel and resume; members that do not apply are left out.</summary>
public sealed record LifecycleResponse(
    string Status,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] DateTimeOffset? EffectiveAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? HostedInvoiceUrl)
{
    public static LifecycleResponse From(LifecycleResult r) => new(r.Status, r.EffectiveAt, r.HostedInvoiceUrl);
}
