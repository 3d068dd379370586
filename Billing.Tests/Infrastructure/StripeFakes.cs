namespace Billing.Tests.Infrastructure;

/// <summary>
/// Stripe events shaped as Stripe sends them for API 2026-10-28.endive (periods on subscription items,
/// an invoice's subscription under <c>parent.subscription_details</c>), and in an older version's shape.
/// </summary>
public static class StripeEvents
{
    public const string CurrentApiVersion = "2026-10-28.endive";
    public const string OldApiVersion = "2024-06-20";

    public static string NewId(string prefix) => $"{prefix}_{Guid.NewGuid():N}";

    public static string Event(string type, JsonObject obj, DateTimeOffset created, string? id = null, string apiVersion = CurrentApiVersion, bool liveMode = false) =>
        new JsonObject
        {
            ["id"] = id ?? NewId("evt"),
            ["object"] = "event",
            ["api_version"] = apiVersion,
            ["created"] = created.ToUnixTimeSeconds(),
            ["data"] = new JsonObject { ["object"] = obj },
            ["livemode"] = liveMode,
            ["pending_webhooks"] = 1,
            ["request"] = new JsonObject { ["id"] = null, ["idempotency_key"] = null },
            ["type"] = type,
        }.ToJsonString();

    public static JsonObject CheckoutSession(Guid tenantId, string customerId, string subscriptionId, string mode = "subscription") => new()
    {
        ["id"] = NewId("cs_test"),
        ["object"] = "checkout.session",
        ["mode"] = mode,
        ["status"] = "complete",
        ["payment_status"] = "paid",
        ["client_reference_id"] = tenantId.ToString(),
        ["customer"] = customerId,
        ["subscription"] = subscriptionId,
        ["metadata"] = new JsonObject { ["tenant_id"] = tenantId.ToString() },
        ["success_url"] = "http://localhost:3000/billing/success?session_id={CHECKOUT_SESSION_ID}",
    };

    /// <summary>A subscription as API 2025+ shapes it: the period lives on the item.</summary>
    public static JsonObject Subscription(Guid? tenantId, string customerId, string subscriptionId, string priceId,
        DateTimeOffset periodStart, DateTimeOffset periodEnd, string status = "active", bool cancelAtPeriodEnd = false, DateTimeOffset? created = null,
        string currency = "usd") => new()
    {
        ["id"] = subscriptionId,
        ["object"] = "subscription",
        ["currency"] = currency,
        ["created"] = (created ?? periodStart).ToUnixTimeSeconds(),
        ["customer"] = customerId,
        ["status"] = status,
        ["cancel_at_period_end"] = cancelAtPeriodEnd,
        ["metadata"] = tenantId is null ? new JsonObject() : new JsonObject { ["tenant_id"] = tenantId.ToString() },
        ["items"] = new JsonObject
        {
            ["object"] = "list",
            ["data"] = new JsonArray(new JsonObject
            {
                ["id"] = NewId("si"),
                ["object"] = "subscription_item",
                ["current_period_start"] = periodStart.ToUnixTimeSeconds(),
                ["current_period_end"] = periodEnd.ToUnixTimeSeconds(),
                ["price"] = new JsonObject { ["id"] = priceId, ["object"] = "price", ["unit_amount"] = 9900, ["currency"] = "usd" },
                ["quantity"] = 1,
            }),
        },
    };

    /// <summary>A subscription as API versions before 2025 shape it: the period on the subscription itself.</summary>
    public static JsonObject OldSubscription(Guid tenantId, string customerId, string subscriptionId, string priceId,
        DateTimeOffset periodStart, DateTimeOffset periodEnd, string status = "active")
    {
        var subscription = Subscription(tenantId, customerId, subscriptionId, priceId, periodStart, periodEnd, status);
        var item = subscription["items"]!["data"]![0]!.AsObject();
        item.Remove("current_period_start");
        item.Remove("current_period_end");
        subscription["current_period_start"] = periodStart.ToUnixTimeSeconds();
        subscription["current_period_end"] = periodEnd.ToUnixTimeSeconds();
        subscription["plan"] = new JsonObject { ["id"] = priceId };
        return subscription;
    }

    public static JsonObject Invoice(Guid? tenantId, string customerId, string subscriptionId, string status = "paid") => new()
    {
        ["id"] = NewId("in"),
        ["object"] = "invoice",
        ["customer"] = customerId,
        ["status"] = status,
        ["amount_due"] = 9900,
        ["amount_paid"] = status == "paid" ? 9900 : 0,
        ["currency"] = "usd",
        ["parent"] = new JsonObject
        {
            ["type"] = "subscription_details",
            ["subscription_details"] = new JsonObject
            {
                ["subscription"] = subscriptionId,
                ["metadata"] = tenantId is null ? new JsonObject() : new JsonObject { ["tenant_id"] = tenantId.ToString() },
            },
        },
    };
}

/// <summary>Signs a body the way Stripe does: <c>t=…,v1=HMAC-SHA256(secret, "t.body")</c>. Independent of the code under test.</summary>
public static class StripeSigner
{
    public static string Signature(string body, string secret, DateTimeOffset at)
    {
        var payload = $"{at.ToUnixTimeSeconds()}.{body}";
        return Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(payload)));
    }

    public static string Header(string body, string secret, DateTimeOffset at) =>
        $"t={at.ToUnixTimeSeconds()},v1={Signature(body, secret, at)}";

    public static string Header(string body, DateTimeOffset at, params string[] v1Secrets) =>
        $"t={at.ToUnixTimeSeconds()}," + string.Join(",", v1Secrets.Select(s => $"v1={Signature(body, s, at)}"));
}
