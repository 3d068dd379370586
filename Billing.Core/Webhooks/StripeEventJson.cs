using Billing.Core.Usage;
using System.Text.Json;

namespace Billing.Core.Webhooks;

/// <summary>
/// A Stripe event's envelope, read from the raw JSON so that events of any API version parse without throwing;
/// what it is about is <see cref="Object"/>.
/// </summary>
/// <param name="LiveMode">The event's <c>livemode</c>; null when it has none (Stripe always sends it).</param>
/// <param name="Object"><c>data.object</c>: the checkout session, subscription, invoice or schedule the event is about.</param>
public sealed record StripeEventJson(string Id, string Type, DateTimeOffset Created, string? ApiVersion, bool? LiveMode, StripeObjectJson Object)
{

    public static StripeEventJson Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement.Clone();
        var id = StripeObjectJson.String(root, "id");
        var type = StripeObjectJson.String(root, "type");
        if (id is null || type is null || !root.TryGetProperty("created", out var created) || !created.TryGetInt64(out var createdSeconds) ||
            !root.TryGetProperty("data", out var data) || !data.TryGetProperty("object", out var obj) || obj.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidDataException("The message is not a Stripe event: it lacks id, type, created or data.object.");
        }
        bool? liveMode = root.TryGetProperty("livemode", out var live) && live.ValueKind is JsonValueKind.True or JsonValueKind.False ? live.GetBoolean() : null;
        return new StripeEventJson(id, type, DateTimeOffset.FromUnixTimeSeconds(createdSeconds), StripeObjectJson.String(root, "api_version"), liveMode,
            new StripeObjectJson(obj));
    }
}

/// <summary>
/// The fields we read from a Stripe object (an event's <c>data.object</c>, or a subscription as Stripe shows it now).
/// Where a field moved between API versions (a subscription's period moved onto its items in 2025; an invoice's
/// subscription moved under <c>parent.subscription_details</c>) both places are read.
/// </summary>
public sealed class StripeObjectJson
{
    internal StripeObjectJson(JsonElement element) => Element = element;

    public JsonElement Element { get; }

    public static StripeObjectJson Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        if (document.RootElement.ValueKind != JsonValueKind.Object)
            throw new InvalidDataException("A Stripe object must be a JSON object.");
        return new StripeObjectJson(document.RootElement.Clone());
    }

    public string? String(string name) => String(Element, name);

    /// <summary>An id that Stripe sends either as a string or, when expanded, as an object with an <c>id</c>.</summary>
    public string? Reference(string name) => Reference(Element, name);

    /// <summary>A Unix-seconds field, such as a subscription's own <c>created</c>; null when absent or null (<c>trial_end</c> of a subscription without a trial).</summary>
    public DateTimeOffset? Time(string name) =>
        Element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var seconds)
            ? DateTimeOffset.FromUnixTimeSeconds(seconds) : null;

    public bool Bool(string name) => Element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.True;

    public string? Metadata(string key) => Metadata(Element, key);

    /// <summary>The first subscription item's price id.</summary>
    public string? FirstItemPriceId() =>
        FirstItem() is { } item && item.TryGetProperty("price", out var price) ? (price.ValueKind == JsonValueKind.String ? price.GetString() : String(price, "id")) : null;

    /// <summary>The period from the first item (API 2025+), else from the subscription itself (older versions).</summary>
    public BillingPeriod? SubscriptionPeriod()
    {
        var fromItem = FirstItem() is { } item ? Period(item) : null;
        return fromItem ?? Period(Element);
    }

    /// <summary>The subscription an invoice belongs to, under <c>parent.subscription_details</c> (2025+) or at the top (older).</summary>
    public string? InvoiceSubscriptionId() =>
        (InvoiceSubscriptionDetails() is { } details ? Reference(details, "subscription") : null)
        ?? Reference(Element, "subscription");

    public string? InvoiceMetadata(string key) =>
        InvoiceSubscriptionDetails() is { } details ? Metadata(details, key) : null;

    private JsonElement? InvoiceSubscriptionDetails()
    {
        if (Element.TryGetProperty("parent", out var parent) && parent.ValueKind == JsonValueKind.Object &&
            parent.TryGetProperty("subscription_details", out var details) && details.ValueKind == JsonValueKind.Object)
            return details;
        if (Element.TryGetProperty("subscription_details", out var legacy) && legacy.ValueKind == JsonValueKind.Object)
            return legacy;
        return null;
    }

    private JsonElement? FirstItem()
    {
        if (Element.TryGetProperty("items", out var items) && items.ValueKind == JsonValueKind.Object &&
            items.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.Array && data.GetArrayLength() > 0)
            return data[0];
        return null;
    }

    private static BillingPeriod? Period(JsonElement element) =>
        element.TryGetProperty("current_period_start", out var start) && start.TryGetInt64(out var s) &&
        element.TryGetProperty("current_period_end", out var end) && end.TryGetInt64(out var e) && e > s
            ? new BillingPeriod(DateTimeOffset.FromUnixTimeSeconds(s), DateTimeOffset.FromUnixTimeSeconds(e))
            : null;

    private static string? Metadata(JsonElement element, string key) =>
        element.TryGetProperty("metadata", out var metadata) && metadata.ValueKind == JsonValueKind.Object ? String(metadata, key) : null;

    private static string? Reference(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value)
            ? value.ValueKind switch
            {
                JsonValueKind.String => value.GetString(),
                JsonValueKind.Object => String(value, "id"),
                _ => null,
            }
            : null;

    internal static string? String(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
