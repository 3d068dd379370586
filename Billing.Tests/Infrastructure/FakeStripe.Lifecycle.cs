using System.Text.RegularExpressions;

namespace Billing.Tests.Infrastructure;

/// <summary>
/// The fake's endpoints for a subscription's life after checkout: subscription update (with pending updates),
/// invoice previews, subscription schedules, and the billing portal's <c>flow_data</c>. Each refuses, as Stripe
/// does, a parameter the API does not define for it (<c>Received unknown parameter</c>) and values outside its enums.
/// Amounts follow Stripe's rules for one licensed item: a proration is the price difference for the rest of the
/// period, by the second.
/// </summary>
public sealed partial class FakeStripe
{
    private readonly ConcurrentDictionary<string, JsonObject> _schedules = new();
    private readonly ConcurrentDictionary<string, byte> _declineNextPriceChange = new();

    /// <summary>Stripe's monthly amount of a test price: enterprise prices 49 900, every other 9 900 (minor units).</summary>
    public static long AmountOf(string? priceId) => priceId?.Contains("enterprise", StringComparison.Ordinal) == true ? 49_900 : 9_900;

    /// <summary>The next price change of <paramref name="subscriptionId"/> meets a card that needs 3-D Secure: the update stays pending.</summary>
    public void DeclineNextPriceChange(string subscriptionId) => _declineNextPriceChange[subscriptionId] = 0;

    public JsonObject? Subscription(string id) => _subscriptions.TryGetValue(id, out var s) ? (JsonObject)s.DeepClone() : null;

    public JsonObject? Schedule(string id) => _schedules.TryGetValue(id, out var s) ? (JsonObject)s.DeepClone() : null;

    private static readonly string[] ProrationBehaviors = ["always_invoice", "create_prorations", "none"];
    private static readonly string[] PaymentBehaviors = ["allow_incomplete", "default_incomplete", "error_if_incomplete", "pending_if_incomplete"];
    private static readonly string[] PortalFlows = ["customer_update", "payment_method_update", "subscription_cancel", "subscription_update", "subscription_update_confirm", "subscription_pause"];
    private static readonly string[] TrialEndBehaviors = ["cancel", "create_invoice", "pause"];

    // What each endpoint takes (Stripe's API reference for these endpoints, the parameters our calls could send).
    private static readonly Regex SubscriptionUpdateParameters = new(
        @"^(items\[\d+\]\[(id|price|quantity|deleted)\]|proration_behavior|proration_date|payment_behavior|expand\[\d+\]|cancel_at_period_end|cancel_at|metadata\[[^\]]+\]|trial_end|default_payment_method|description)$");
    private static readonly Regex PendingIfIncompleteParameters = new(
        @"^(items\[\d+\]\[(id|price|quantity|deleted)\]|proration_behavior|proration_date|payment_behavior|expand\[\d+\]|trial_end|billing_cycle_anchor)$");
    private static readonly Regex PreviewParameters = new(
        @"^(customer|subscription|preview_mode|subscription_details\[items\]\[\d+\]\[(id|price|quantity|deleted)\]|subscription_details\[(proration_behavior|proration_date|cancel_at_period_end|trial_end)\]|expand\[\d+\])$");
    private static readonly Regex ScheduleCreateParameters = new(@"^(from_subscription|customer|start_date|end_behavior|metadata\[[^\]]+\]|phases\[.*)$");
    private static readonly Regex ScheduleUpdateParameters = new(
        @"^(end_behavior|proration_behavior|metadata\[[^\]]+\]|phases\[\d+\]\[(start_date|end_date|proration_behavior|trial_end)\]|phases\[\d+\]\[items\]\[\d+\]\[(price|quantity)\]|phases\[\d+\]\[duration\]\[(interval|interval_count)\]|expand\[\d+\])$");
    private static readonly Regex ScheduleReleaseParameters = new(@"^(preserve_cancel_date|expand\[\d+\])$");
    private static readonly Regex PortalParameters = new(
        @"^(customer|return_url|configuration|locale|on_behalf_of|flow_data\[(type|after_completion|subscription_cancel|subscription_update|subscription_update_confirm)\](\[[a-z_0-9]+\])*|expand\[\d+\])$");

    /// <summary>The lifecycle endpoints; null for anything else (the fixed routes answer it).</summary>
    private (int, string)? RouteLifecycle(StripeRequest r) => (r.Method, r.Path.Split('/')) switch
    {
        ("POST", ["", "v1", "subscriptions", var id]) => Refuse(r, SubscriptionUpdateParameters) ?? UpdateSubscription(id, r.Form),
        ("POST", ["", "v1", "invoices", "create_preview"]) => Refuse(r, PreviewParameters) ?? Preview(r.Form),
        ("POST", ["", "v1", "subscription_schedules"]) => Refuse(r, ScheduleCreateParameters) ?? CreateSchedule(r.Form),
        ("GET", ["", "v1", "subscription_schedules", var id]) => _schedules.TryGetValue(id, out var schedule)
            ? (200, schedule.ToJsonString())
            : (404, Error("invalid_request_error", $"No such subscription_schedule: '{id}'")),
        ("POST", ["", "v1", "subscription_schedules", var id]) => Refuse(r, ScheduleUpdateParameters) ?? UpdateSchedule(id, r.Form),
        ("POST", ["", "v1", "subscription_schedules", var id, "release"]) => Refuse(r, ScheduleReleaseParameters) ?? ReleaseSchedule(id),
        ("POST", ["", "v1", "billing_portal", "sessions"]) => Refuse(r, PortalParameters)
            ?? (r.Form.TryGetValue("flow_data[type]", out var flow) && !PortalFlows.Contains(flow) ? InvalidValue("flow_data[type]", flow) : null),
        ("POST", ["", "v1", "checkout", "sessions"]) => CheckTrial(r.Form),
        _ => null,
    };

    private static (int, string)? Refuse(StripeRequest r, Regex allowed) =>
        r.Form.Keys.FirstOrDefault(k => !allowed.IsMatch(k)) is { } unknown
            ? (400, Error("invalid_request_error", $"Received unknown parameter: {unknown}"))
            : null;

    private static (int, string) InvalidValue(string name, string value) =>
        (400, Error("invalid_request_error", $"Invalid {name}: must be one of the values Stripe defines (got '{value}')"));

    private static (int, string)? CheckTrial(IReadOnlyDictionary<string, string> form)
    {
        if (form.TryGetValue("subscription_data[trial_period_days]", out var days) && (!int.TryParse(days, out var d) || d is < 1 or > 730))
            return InvalidValue("subscription_data[trial_period_days]", days);
        const string endBehavior = "subscription_data[trial_settings][end_behavior][missing_payment_method]";
        return form.TryGetValue(endBehavior, out var behavior) && !TrialEndBehaviors.Contains(behavior) ? InvalidValue(endBehavior, behavior) : null;
    }

    private (int, string) UpdateSubscription(string id, IReadOnlyDictionary<string, string> form)
    {
        if (!_subscriptions.TryGetValue(id, out var subscription))
            return (404, Error("invalid_request_error", $"No such subscription: '{id}'"));
        if (form.TryGetValue("proration_behavior", out var proration) && !ProrationBehaviors.Contains(proration)) return InvalidValue("proration_behavior", proration);
        if (form.TryGetValue("payment_behavior", out var payment) && !PaymentBehaviors.Contains(payment)) return InvalidValue("payment_behavior", payment);
        if (payment == "pending_if_incomplete" && form.Keys.FirstOrDefault(k => !PendingIfIncompleteParameters.IsMatch(k)) is { } notAllowed)
            return (400, Error("invalid_request_error", $"The parameter {notAllowed} cannot be used with payment_behavior=pending_if_incomplete."));
        if ((string?)subscription["schedule"] is { } scheduleId && (form.ContainsKey("cancel_at_period_end") || form.Keys.Any(k => k.StartsWith("items[", StringComparison.Ordinal))))
            return (400, Error("invalid_request_error",
                $"The subscription is managed by the subscription schedule `{scheduleId}`, and updating any cancelation behavior directly is not allowed. Please update the schedule instead."));

        var item = subscription["items"]!["data"]![0]!.AsObject();
        if (form.TryGetValue("items[0][price]", out var price))
        {
            if (form.GetValueOrDefault("items[0][id]") != (string?)item["id"])
                return (400, Error("invalid_request_error", "items[0][id] must be an item of this subscription."));
            if (form.TryGetValue("proration_date", out var date) && long.TryParse(date, out var at) &&
                (at < (long)item["current_period_start"]! || at > (long)item["current_period_end"]!))
                return (400, Error("invalid_request_error", "proration_date must be within the current period."));
            if (_declineNextPriceChange.TryRemove(id, out _) && payment == "pending_if_incomplete")
            {
                subscription["pending_update"] = new JsonObject
                {
                    ["expires_at"] = DateTimeOffset.UtcNow.AddHours(23).ToUnixTimeSeconds(),
                    ["subscription_items"] = new JsonArray(new JsonObject { ["id"] = (string?)item["id"], ["price"] = new JsonObject { ["id"] = price } }),
                };
                subscription["latest_invoice"] = Invoice(subscription, "open");
            }
            else
            {
                item["price"] = Price(price);
                subscription["pending_update"] = null;
                subscription["latest_invoice"] = Invoice(subscription, "paid");
            }
        }
        if (form.TryGetValue("cancel_at_period_end", out var cancel))
        {
            subscription["cancel_at_period_end"] = cancel == "true";
            subscription["cancel_at"] = cancel == "true" ? (long)item["current_period_end"]! : null;
        }
        var answer = (JsonObject)subscription.DeepClone();
        if (!form.Values.Contains("latest_invoice") && answer["latest_invoice"] is JsonObject invoice) answer["latest_invoice"] = (string?)invoice["id"];
        return (200, answer.ToJsonString());
    }

    private JsonObject Invoice(JsonObject subscription, string status)
    {
        var id = $"in_fake{_instance}{Interlocked.Increment(ref _sequence)}";
        return new JsonObject
        {
            ["id"] = id, ["object"] = "invoice", ["status"] = status, ["customer"] = (string?)subscription["customer"],
            ["currency"] = "usd", ["hosted_invoice_url"] = $"https://invoice.stripe.com/i/{id}", ["livemode"] = false,
        };
    }

    private static JsonObject Price(string id) => new()
    {
        ["id"] = id, ["object"] = "price", ["currency"] = "usd", ["unit_amount"] = AmountOf(id),
        ["recurring"] = new JsonObject { ["interval"] = "month", ["interval_count"] = 1 },
    };

    /// <summary>
    /// The invoice a change would make: with <c>always_invoice</c> the prorations alone (invoiced now), with
    /// <c>none</c> the next renewal at the new price, otherwise the renewal plus the prorations.
    /// </summary>
    private (int, string) Preview(IReadOnlyDictionary<string, string> form)
    {
        if (!form.TryGetValue("subscription", out var id) || !_subscriptions.TryGetValue(id, out var subscription))
            return (400, Error("invalid_request_error", "A preview of a subscription change needs subscription, a subscription of this account."));
        var behavior = form.GetValueOrDefault("subscription_details[proration_behavior]") ?? "create_prorations";
        if (!ProrationBehaviors.Contains(behavior)) return InvalidValue("subscription_details[proration_behavior]", behavior);
        var hasDate = form.TryGetValue("subscription_details[proration_date]", out var dateText);
        if (hasDate && behavior == "none")
            return (400, Error("invalid_request_error", "subscription_details[proration_behavior] cannot be none when subscription_details[proration_date] is set."));
        var item = subscription["items"]!["data"]![0]!.AsObject();
        if (form.TryGetValue("subscription_details[items][0][id]", out var itemId) && itemId != (string?)item["id"])
            return (400, Error("invalid_request_error", "subscription_details[items][0][id] must be an item of this subscription."));

        var (start, end) = ((long)item["current_period_start"]!, (long)item["current_period_end"]!);
        var at = hasDate ? long.Parse(dateText!) : DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        if (at < start || at > end) return (400, Error("invalid_request_error", "subscription_details[proration_date] must be within the current period."));
        var oldAmount = AmountOf((string?)item["price"]!["id"]);
        var newAmount = AmountOf(form.GetValueOrDefault("subscription_details[items][0][price]") ?? (string?)item["price"]!["id"]);
        var proration = (long)Math.Round((newAmount - oldAmount) * (double)(end - at) / (end - start));
        var amount = behavior switch { "always_invoice" => proration, "none" => newAmount, _ => newAmount + proration };
        return (200, new JsonObject
        {
            ["id"] = $"upcoming_in_fake{Interlocked.Increment(ref _sequence)}", ["object"] = "invoice", ["customer"] = (string?)subscription["customer"],
            ["subscription"] = id, ["currency"] = "usd", ["amount_due"] = Math.Max(0, amount), ["total"] = amount, ["livemode"] = false,
            ["lines"] = new JsonObject { ["object"] = "list", ["data"] = new JsonArray(), ["has_more"] = false },
        }.ToJsonString());
    }

    private (int, string) CreateSchedule(IReadOnlyDictionary<string, string> form)
    {
        if (!form.TryGetValue("from_subscription", out var id))
            return (400, Error("invalid_request_error", "The fake makes schedules only from_subscription."));
        if (form.Keys.Any(k => k != "from_subscription"))
            return (400, Error("invalid_request_error", "You cannot set other parameters if `from_subscription` is set."));
        if (!_subscriptions.TryGetValue(id, out var subscription))
            return (404, Error("invalid_request_error", $"No such subscription: '{id}'"));
        if ((string?)subscription["schedule"] is not null)
            return (400, Error("invalid_request_error", "You cannot migrate a subscription that is already attached to a schedule."));
        var item = subscription["items"]!["data"]![0]!.AsObject();
        var scheduleId = $"sub_sched_fake{_instance}{Interlocked.Increment(ref _sequence)}";
        var schedule = new JsonObject
        {
            ["id"] = scheduleId, ["object"] = "subscription_schedule", ["status"] = "active", ["end_behavior"] = "release",
            ["created"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(), ["customer"] = (string?)subscription["customer"], ["subscription"] = id,
            ["metadata"] = new JsonObject(), ["livemode"] = false,
            ["current_phase"] = new JsonObject { ["start_date"] = (long)item["current_period_start"]!, ["end_date"] = (long)item["current_period_end"]! },
            ["phases"] = new JsonArray(new JsonObject
            {
                ["start_date"] = (long)item["current_period_start"]!, ["end_date"] = (long)item["current_period_end"]!,
                ["items"] = new JsonArray(new JsonObject { ["price"] = (string?)item["price"]!["id"], ["quantity"] = 1 }),
            }),
        };
        _schedules[scheduleId] = schedule;
        subscription["schedule"] = scheduleId;
        return (200, schedule.ToJsonString());
    }

    private (int, string) UpdateSchedule(string id, IReadOnlyDictionary<string, string> form)
    {
        if (!_schedules.TryGetValue(id, out var schedule))
            return (404, Error("invalid_request_error", $"No such subscription_schedule: '{id}'"));
        if ((string?)schedule["status"] is not ("active" or "not_started"))
            return (400, Error("invalid_request_error", $"You cannot update a subscription schedule that is {(string?)schedule["status"]}."));
        if (form.TryGetValue("end_behavior", out var end) && end is not ("release" or "cancel" or "none" or "renew")) return InvalidValue("end_behavior", end);
        var phases = new JsonArray();
        for (var i = 0; form.Keys.Any(k => k.StartsWith($"phases[{i}]", StringComparison.Ordinal)); i++)
        {
            string? Get(string name) => form.GetValueOrDefault($"phases[{i}]{name}");
            if (Get("[end_date]") is not null && Get("[duration][interval]") is not null)
                return (400, Error("invalid_request_error", $"phases[{i}]: set end_date or duration, not both."));
            if (Get("[items][0][price]") is not { } price)
                return (400, Error("invalid_request_error", $"Missing required param: phases[{i}][items][0][price]."));
            if (i == 0 && Get("[start_date]") is { } start && long.Parse(start) != (long)schedule["current_phase"]!["start_date"]!)
                return (400, Error("invalid_request_error", "You can not modify the start date of the current phase."));
            if (Get("[duration][interval]") is { } interval && interval is not ("day" or "week" or "month" or "year")) return InvalidValue($"phases[{i}][duration][interval]", interval);
            var startDate = Get("[start_date]") is { } s ? long.Parse(s) : (long?)phases[i - 1]?["end_date"];
            var endDate = Get("[end_date]") is { } e ? long.Parse(e)
                : startDate is { } from && Get("[duration][interval]") is not null
                    ? DateTimeOffset.FromUnixTimeSeconds(from).AddMonths(int.Parse(Get("[duration][interval_count]") ?? "1")).ToUnixTimeSeconds() : (long?)null;
            phases.Add(new JsonObject
            {
                ["start_date"] = startDate, ["end_date"] = endDate,
                ["items"] = new JsonArray(new JsonObject { ["price"] = price, ["quantity"] = int.Parse(Get("[items][0][quantity]") ?? "1") }),
            });
        }
        if (phases.Count > 0) schedule["phases"] = phases;
        if (end is not null) schedule["end_behavior"] = end;
        foreach (var (key, value) in form.Where(kv => kv.Key.StartsWith("metadata[", StringComparison.Ordinal)))
            schedule["metadata"]![key["metadata[".Length..^1]] = value;
        return (200, schedule.ToJsonString());
    }

    private (int, string) ReleaseSchedule(string id)
    {
        if (!_schedules.TryGetValue(id, out var schedule))
            return (404, Error("invalid_request_error", $"No such subscription_schedule: '{id}'"));
        if ((string?)schedule["status"] is not ("active" or "not_started"))
            return (400, Error("invalid_request_error", $"You cannot release a subscription schedule that is currently in the `{(string?)schedule["status"]}` status."));
        var subscriptionId = (string?)schedule["subscription"];
        schedule["status"] = "released";
        schedule["released_subscription"] = subscriptionId;
        schedule["subscription"] = null;
        schedule["current_phase"] = null;
        if (subscriptionId is not null && _subscriptions.TryGetValue(subscriptionId, out var subscription)) subscription["schedule"] = null;
        return (200, schedule.ToJsonString());
    }
}
