namespace Billing.Core.Subscriptions;

/// <summary>The one Checkout Session a tenant may have open (table <c>open_checkout_sessions</c>); a new one expires it first.</summary>
public sealed class OpenCheckoutSession
{
    public Guid TenantId { get; set; }
    public string SessionId { get; set; } = "";
    public DateTimeOffset CreatedAt { get; set; }
}
