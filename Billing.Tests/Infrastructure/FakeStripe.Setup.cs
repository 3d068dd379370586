using Billing.Core.Plans;
using System.Reflection;
using System.Text.RegularExpressions;

namespace Billing.Tests.Infrastructure;

/// <summary>
/// What <c>stripe-setup</c> and the checkout options talk to: products, prices (lookup keys, transfer, archive),
/// billing portal configurations and webhook endpoints, each with the parameters Stripe defines for it and no
/// others (an unknown one is refused as Stripe refuses it), and Stripe's own rules where setup could break them:
/// a lookup key belongs to one price unless it is transferred, a portal lists prices of its own product only,
/// an endpoint subscribes to event types that exist. A price keeps its <c>currency_options</c> (shown, like Stripe, only
/// when a request expands them, the default currency among them), and Checkout refuses a <c>currency</c> its price lacks.
/// </summary>
public sealed partial class FakeStripe
{
    private readonly ConcurrentDictionary<string, JsonObject> _products = new();
    private readonly ConcurrentDictionary<string, JsonObject> _prices = new();
    private readonly ConcurrentDictionary<string, JsonObject> _portalConfigurations = new();
    private readonly ConcurrentDictionary<string, JsonObject> _webhookEndpoints = new();
    private readonly Lock _setupLock = new();

    public IReadOnlyList<JsonObject> Products => _products.Values.Select(p => (JsonObject)p.DeepClone()).ToList();
    public IReadOnlyList<JsonObject> Prices => _prices.Values.Select(p => (JsonObject)p.DeepClone()).ToList();
    public IReadOnlyList<JsonObject> PortalConfigurations => _portalConfigurations.Values.Select(p => (JsonObject)p.DeepClone()).ToList();
    public IReadOnlyList<JsonObject> WebhookEndpoints => _webhookEndpoints.Values.Select(p => (JsonObject)p.DeepClone()).ToList();

    /// <summary>Sets a webhook endpoint's event types as someone clicking in the dashboard would.</summary>
    public void SetWebhookEvents(string endpointId, params string[] events) =>
        _webhookEndpoints[endpointId]["enabled_events"] = JsonList(events);

    /// <summary>
    /// The price holding <paramref name="lookupKey"/> now charges <paramref name="amount"/> (in its default currency, or
    /// in <paramref name="currency"/>'s <c>currency_options</c> entry): the catalogue and Stripe disagree.
    /// </summary>
    public void SetPriceAmount(string lookupKey, long amount, string? currency = null)
    {
        var price = _prices.Values.Single(p => (string?)p["lookup_key"] == lookupKey);
        if (currency is null || currency == (string?)price["currency"]) price["unit_amount"] = amount;
        price["currency_options"]![currency ?? (string)price["currency"]!]!["unit_amount"] = amount;
    }

    /// <summary>
    /// The prices the test settings name (<c>STRIPE_PRICE_PRO</c> = <c>price_test_pro</c>, …), with the catalogue's amounts
    /// in every currency: what a checkout in the tests buys.
    /// </summary>
    private void AddSettingsPrices()
    {
        foreach (var plan in PlanCatalog.Paid)
        foreach (var interval in plan.Intervals)
        {
            var prices = plan.PricesFor(interval);
            AddPrice($"price_test_{WireNames.Of(plan.Tier)}{(interval == BillingInterval.Year ? "_yearly" : "")}", plan.ProductId, WireNames.Of(interval),
                prices[0].Currency, prices[0].Amount, prices.Skip(1).ToDictionary(p => p.Currency, p => p.Amount));
        }
    }

    /// <summary>A price in the account, as if created earlier: <paramref name="options"/> are its other currencies' amounts.</summary>
    public void AddPrice(string id, string product, string interval, string currency, long amount, IReadOnlyDictionary<string, long> options) =>
        _prices[id] = PriceJson(id, product, interval, 1, currency, amount, options, lookupKey: null, new JsonObject(), active: true);

    private static JsonObject PriceJson(string id, string product, string? interval, int intervalCount, string currency, long amount,
        IReadOnlyDictionary<string, long> options, string? lookupKey, JsonObject metadata, bool active) => new()
    {
        ["id"] = id, ["object"] = "price", ["active"] = active, ["billing_scheme"] = "per_unit",
        ["currency"] = currency, ["lookup_key"] = lookupKey, ["product"] = product, ["unit_amount"] = amount, ["metadata"] = metadata,
        // Like Stripe, the expanded currency_options name the default currency too.
        ["currency_options"] = new JsonObject(options.Where(o => o.Key != currency).Prepend(new(currency, amount))
            .Select(o => new KeyValuePair<string, JsonNode?>(o.Key, new JsonObject { ["unit_amount"] = o.Value, ["tax_behavior"] = "unspecified" }))),
        ["type"] = interval is null ? "one_time" : "recurring",
        ["recurring"] = interval is null ? null : new JsonObject { ["interval"] = interval, ["interval_count"] = intervalCount, ["usage_type"] = "licensed" },
        ["created"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(), ["livemode"] = false,
    };

    /// <summary>A price as Stripe answers with it: <c>currency_options</c> only when the request expands it (<c>currency_options</c>, or <c>data.currency_options</c> on a list).</summary>
    private static Func<JsonObject, JsonObject> Shown(IReadOnlyDictionary<string, string> request, string expandPath) =>
        request.Any(kv => kv.Key.StartsWith("expand", StringComparison.Ordinal) && kv.Value == expandPath) ? o => o : Without("currency_options");

    /// <summary>The currencies a price can be paid in: its own and its <c>currency_options</c>.</summary>
    private static IEnumerable<string> CurrenciesOf(JsonObject price) =>
        price["currency_options"]!.AsObject().Select(o => o.Key).Prepend((string)price["currency"]!).Distinct();

    /// <summary>Stripe's answer to a Checkout line item's price it would refuse: unknown, archived, or without the <c>currency</c> asked for.</summary>
    private string? CheckoutPriceError(IReadOnlyDictionary<string, string> form)
    {
        if (!form.TryGetValue("line_items[0][price]", out var priceId)) return null;
        if (!_prices.TryGetValue(priceId, out var price)) return Error("invalid_request_error", $"No such price: '{priceId}'");
        if (price["active"]?.GetValue<bool>() != true)
            return Error("invalid_request_error", $"The price specified ({priceId}) is inactive. This field only accepts active prices.");
        if (form.TryGetValue("currency", out var currency) && !CurrenciesOf(price).Contains(currency))
            return Error("invalid_request_error",
                $"The price `{priceId}` does not have a `currency_options` entry for `{currency}`: it can be paid in {string.Join(", ", CurrenciesOf(price))}.");
        return null;
    }

    /// <summary>Every event type Stripe.net knows (its <c>EventTypes</c> constants): what an endpoint may subscribe to.</summary>
    private static readonly HashSet<string> KnownEventTypes = typeof(global::Stripe.EventTypes)
        .GetFields(BindingFlags.Public | BindingFlags.Static).Where(f => f.IsLiteral).Select(f => (string)f.GetRawConstantValue()!).ToHashSet();

    private static readonly Regex Metadata_ = new(@"^metadata\[[^\[\]]+\]$");

    private static readonly Regex[] ProductParameters = [new("^(id|name|active|description)$"), Metadata_];

    private static readonly Regex[] PriceCreateParameters =
    [
        new("^(product|unit_amount|currency|lookup_key|transfer_lookup_key|nickname|tax_behavior|active)$"),
        new(@"^recurring\[(interval|interval_count|usage_type)\]$"), new(@"^currency_options\[[a-z]{3}\]\[(unit_amount|tax_behavior)\]$"), Metadata_,
    ];

    private static readonly Regex[] PriceUpdateParameters =
        [new("^(active|lookup_key|transfer_lookup_key|nickname|tax_behavior)$"), new(@"^currency_options\[[a-z]{3}\]\[(unit_amount|tax_behavior)\]$"), Metadata_];

    private static readonly Regex[] PortalConfigurationParameters =
    [
        new("^(name|default_return_url|active)$"), Metadata_,
        new(@"^business_profile\[(headline|privacy_policy_url|terms_of_service_url)\]$"), new(@"^login_page\[enabled\]$"),
        new(@"^features\[(invoice_history|payment_method_update|customer_update|subscription_cancel|subscription_update|subscription_pause)\]\[enabled\]$"),
        new(@"^features\[customer_update\]\[allowed_updates\]\[\d+\]$"),
        new(@"^features\[subscription_cancel\]\[(mode|proration_behavior)\]$"),
        new(@"^features\[subscription_cancel\]\[cancellation_reason\]\[(enabled|options\]\[\d+)\]$"),
        new(@"^features\[subscription_update\]\[(proration_behavior|billing_cycle_anchor|default_allowed_updates\]\[\d+)\]$"),
        new(@"^features\[subscription_update\]\[products\]\[\d+\]\[(product|prices\]\[\d+)\]$"),
        new(@"^features\[subscription_update\]\[schedule_at_period_end\]\[conditions\]\[\d+\]\[type\]$"),
    ];

    private static readonly Regex[] WebhookCreateParameters = [new("^(url|api_version|description|connect)$"), new(@"^enabled_events\[\d+\]$"), Metadata_];
    private static readonly Regex[] WebhookUpdateParameters = [new("^(url|description|disabled)$"), new(@"^enabled_events\[\d+\]$"), Metadata_];

    /// <summary>Checkout Session parameters Stripe defines (top level); anything else is refused.</summary>
    private static readonly HashSet<string> CheckoutSessionParameters =
    [
        "adaptive_pricing", "after_expiration", "allow_promotion_codes", "automatic_tax", "billing_address_collection", "branding_settings",
        "cancel_url", "client_reference_id", "consent_collection", "currency", "custom_fields", "custom_text", "customer", "customer_creation",
        "customer_email", "customer_update", "discounts", "excluded_payment_method_types", "expand", "expires_at", "invoice_creation",
        "line_items", "locale", "metadata", "mode", "name_collection", "optional_items", "origin_context", "payment_intent_data",
        "payment_method_collection", "payment_method_configuration", "payment_method_data", "payment_method_options", "payment_method_types",
        "permissions", "phone_number_collection", "redirect_on_completion", "return_url", "saved_payment_method_options", "setup_intent_data",
        "shipping_address_collection", "shipping_options", "submit_type", "subscription_data", "success_url", "tax_id_collection", "ui_mode",
        "wallet_options",
    ];

    private static readonly HashSet<string> CheckoutLocales =
    [
        "auto", "bg", "cs", "da", "de", "el", "en", "en-GB", "es", "es-419", "et", "fi", "fil", "fr", "fr-CA", "hr", "hu", "id", "it", "ja", "ko",
        "lt", "lv", "ms", "mt", "nb", "nl", "pl", "pt", "pt-BR", "ro", "ru", "sk", "sl", "sv", "th", "tr", "vi", "zh", "zh-HK", "zh-TW",
    ];

    /// <summary>Stripe's answer to a checkout session's parameters that it would refuse; null when it would take them.</summary>
    private static string? CheckoutSessionError(IReadOnlyDictionary<string, string> form)
    {
        if (form.Keys.Select(k => k.Split('[')[0]).FirstOrDefault(k => !CheckoutSessionParameters.Contains(k)) is { } unknown)
            return Error("invalid_request_error", $"Received unknown parameter: {unknown}");
        if (form.TryGetValue("locale", out var locale) && !CheckoutLocales.Contains(locale))
            return Error("invalid_request_error", $"Invalid locale: {locale}");
        if (form.TryGetValue("allow_promotion_codes", out var promo) && promo is not ("true" or "false"))
            return Error("invalid_request_error", "Invalid boolean: allow_promotion_codes");
        if (form.Keys.FirstOrDefault(k => k.StartsWith("automatic_tax[", StringComparison.Ordinal) && k != "automatic_tax[enabled]") is { } taxKey)
            return Error("invalid_request_error", $"Received unknown parameter: {taxKey}");
        if (form.Keys.FirstOrDefault(k => k.StartsWith("tax_id_collection[", StringComparison.Ordinal) && k is not ("tax_id_collection[enabled]" or "tax_id_collection[required]")) is { } idKey)
            return Error("invalid_request_error", $"Received unknown parameter: {idKey}");
        if (form.Keys.FirstOrDefault(k => k.StartsWith("customer_update[", StringComparison.Ordinal) && k is not ("customer_update[address]" or "customer_update[name]" or "customer_update[shipping]")) is { } updateKey)
            return Error("invalid_request_error", $"Received unknown parameter: {updateKey}");
        if (form.TryGetValue("billing_address_collection", out var address) && address is not ("auto" or "required"))
            return Error("invalid_request_error", $"Invalid billing_address_collection: {address}");
        // With an existing customer, Stripe Tax needs the address Checkout collects saved on that customer, and a tax id needs its name.
        if (form.GetValueOrDefault("automatic_tax[enabled]") == "true" && form.ContainsKey("customer") && form.GetValueOrDefault("customer_update[address]") != "auto")
            return Error("invalid_request_error", "Automatic tax calculation in Checkout requires a valid address on the Customer. Add a valid address to the Customer or set either `customer_update[address]` to 'auto' or `customer_update[shipping]` to 'auto' to save the address entered in Checkout to the Customer.");
        if (form.GetValueOrDefault("tax_id_collection[enabled]") == "true" && form.ContainsKey("customer") && form.GetValueOrDefault("customer_update[name]") != "auto")
            return Error("invalid_request_error", "`customer_update[name]` must be set to `auto` when `tax_id_collection[enabled]` is true and `customer` is set.");
        return null;
    }

    private (int, string) RouteSetup(StripeRequest r)
    {
        lock (_setupLock)
        {
            return (r.Method, r.Path.Split('/')) switch
            {
                ("GET", ["", "v1", "products"]) => ListOf("/v1/products", _products.Values.Where(p => Listed(r.Query, "ids").Contains((string)p["id"]!))),
                ("POST", ["", "v1", "products"]) => CreateProduct(r.Form),
                ("POST", ["", "v1", "products", var id]) => UpdateProduct(id, r.Form),

                ("GET", ["", "v1", "prices"]) => ListOf("/v1/prices", _prices.Values
                    .Where(p => Listed(r.Query, "lookup_keys").Contains((string?)p["lookup_key"] ?? "")).Select(Shown(r.Query, "data.currency_options"))),
                ("POST", ["", "v1", "prices"]) => CreatePrice(r.Form),
                ("POST", ["", "v1", "prices", var id]) => UpdatePrice(id, r.Form),

                ("GET", ["", "v1", "billing_portal", "configurations"]) => ListOf("/v1/billing_portal/configurations", _portalConfigurations.Values),
                ("POST", ["", "v1", "billing_portal", "configurations"]) => SavePortalConfiguration(null, r.Form),
                ("POST", ["", "v1", "billing_portal", "configurations", var id]) => SavePortalConfiguration(id, r.Form),

                ("GET", ["", "v1", "webhook_endpoints"]) => ListOf("/v1/webhook_endpoints", _webhookEndpoints.Values.Select(Without("secret"))),
                ("POST", ["", "v1", "webhook_endpoints"]) => CreateWebhookEndpoint(r.Form),
                ("POST", ["", "v1", "webhook_endpoints", var id]) => UpdateWebhookEndpoint(id, r.Form),

                _ => (404, Error("invalid_request_error", $"Unrecognized request URL ({r.Method}: {r.Path}).")),
            };
        }
    }

    private (int, string) CreateProduct(IReadOnlyDictionary<string, string> form)
    {
        if (Refused(form, ProductParameters) is { } refused) return refused;
        if (Missing(form, "name") is { } missing) return (400, Error("invalid_request_error", $"Missing required param: {missing}."));
        var id = form.GetValueOrDefault("id") ?? $"prod_fake{_instance}{Interlocked.Increment(ref _sequence)}";
        if (_products.ContainsKey(id)) return (400, Error("invalid_request_error", $"Product already exists: {id}"));
        var product = new JsonObject
        {
            ["id"] = id, ["object"] = "product", ["active"] = form.GetValueOrDefault("active") != "false", ["name"] = form["name"],
            ["metadata"] = Metadata(form, "metadata"), ["created"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(), ["livemode"] = false,
        };
        _products[id] = product;
        return (200, product.ToJsonString());
    }

    private (int, string) UpdateProduct(string id, IReadOnlyDictionary<string, string> form)
    {
        if (Refused(form, ProductParameters) is { } refused) return refused;
        if (form.ContainsKey("id")) return (400, Error("invalid_request_error", "Received unknown parameter: id"));
        if (!_products.TryGetValue(id, out var product)) return (404, Error("invalid_request_error", $"No such product: '{id}'"));
        if (form.TryGetValue("name", out var name)) product["name"] = name;
        if (form.TryGetValue("active", out var active)) product["active"] = active == "true";
        foreach (var (k, v) in Metadata(form, "metadata")) product["metadata"]![k] = v!.DeepClone();
        return (200, product.ToJsonString());
    }

    private (int, string) CreatePrice(IReadOnlyDictionary<string, string> form)
    {
        if (Refused(form, PriceCreateParameters) is { } refused) return refused;
        if (Missing(form, "product", "currency", "unit_amount") is { } missing) return (400, Error("invalid_request_error", $"Missing required param: {missing}."));
        if (!_products.ContainsKey(form["product"])) return (400, Error("invalid_request_error", $"No such product: '{form["product"]}'"));
        if (form.TryGetValue("recurring[interval]", out var interval) && interval is not ("day" or "week" or "month" or "year"))
            return (400, Error("invalid_request_error", $"Invalid recurring[interval]: {interval}"));
        if (LookupKeyTaken(form, null) is { } taken) return taken;
        var id = $"price_fake{_instance}{Interlocked.Increment(ref _sequence)}";
        var price = PriceJson(id, form["product"], interval, int.Parse(form.GetValueOrDefault("recurring[interval_count]") ?? "1"),
            form["currency"], long.Parse(form["unit_amount"]), CurrencyOptions(form), form.GetValueOrDefault("lookup_key"),
            Metadata(form, "metadata"), active: form.GetValueOrDefault("active") != "false");
        TransferLookupKey(form);
        _prices[id] = price;
        return (200, Shown(form, "currency_options")(price).ToJsonString());
    }

    private (int, string) UpdatePrice(string id, IReadOnlyDictionary<string, string> form)
    {
        if (Refused(form, PriceUpdateParameters) is { } refused) return refused;
        if (!_prices.TryGetValue(id, out var price)) return (404, Error("invalid_request_error", $"No such price: '{id}'"));
        if (LookupKeyTaken(form, id) is { } taken) return taken;
        TransferLookupKey(form);
        if (form.TryGetValue("active", out var active)) price["active"] = active == "true";
        if (form.TryGetValue("lookup_key", out var key)) price["lookup_key"] = key;
        foreach (var (k, v) in Metadata(form, "metadata")) price["metadata"]![k] = v!.DeepClone();
        foreach (var (currency, amount) in CurrencyOptions(form))
            price["currency_options"]![currency] = new JsonObject { ["unit_amount"] = amount, ["tax_behavior"] = "unspecified" };
        return (200, Shown(form, "currency_options")(price).ToJsonString());
    }

    /// <summary>The <c>currency_options[xxx][unit_amount]</c> of a request: each currency's amount.</summary>
    private static Dictionary<string, long> CurrencyOptions(IReadOnlyDictionary<string, string> form) => form
        .Select(kv => (Match: Regex.Match(kv.Key, @"^currency_options\[([a-z]{3})\]\[unit_amount\]$"), kv.Value))
        .Where(x => x.Match.Success)
        .ToDictionary(x => x.Match.Groups[1].Value, x => long.Parse(x.Value));

    /// <summary>Like Stripe: a lookup key another price holds is refused unless the request transfers it.</summary>
    private (int, string)? LookupKeyTaken(IReadOnlyDictionary<string, string> form, string? self)
    {
        if (!form.TryGetValue("lookup_key", out var key) || form.GetValueOrDefault("transfer_lookup_key") == "true") return null;
        return _prices.Values.FirstOrDefault(p => (string?)p["lookup_key"] == key && (string)p["id"]! != self) is { } holder
            ? (400, Error("invalid_request_error", $"A price (`{holder["id"]}`) already uses that lookup key."))
            : null;
    }

    private void TransferLookupKey(IReadOnlyDictionary<string, string> form)
    {
        if (form.GetValueOrDefault("transfer_lookup_key") != "true" || !form.TryGetValue("lookup_key", out var key)) return;
        foreach (var holder in _prices.Values.Where(p => (string?)p["lookup_key"] == key)) holder["lookup_key"] = null;
    }

    private (int, string) SavePortalConfiguration(string? id, IReadOnlyDictionary<string, string> form)
    {
        if (Refused(form, PortalConfigurationParameters) is { } refused) return refused;
        if (id is null && form.ContainsKey("active")) return (400, Error("invalid_request_error", "Received unknown parameter: active"));
        JsonObject? existing = null;
        if (id is not null && !_portalConfigurations.TryGetValue(id, out existing))
            return (404, Error("invalid_request_error", $"No such configuration: '{id}'"));
        var features = Nest(form, "features");
        if (id is null && features.Count == 0) return (400, Error("invalid_request_error", "Missing required param: features."));
        // Stripe checks the products and prices the portal may switch between.
        foreach (var product in features["subscription_update"]?["products"]?.AsArray() ?? [])
        {
            var productId = (string?)product!["product"];
            if (productId is null || !_products.ContainsKey(productId)) return (400, Error("invalid_request_error", $"No such product: '{productId}'"));
            foreach (var priceId in product["prices"]?.AsArray().Select(p => (string)p!) ?? [])
                if (!_prices.TryGetValue(priceId, out var price) || (string?)price["product"] != productId || price["active"]?.GetValue<bool>() != true)
                    return (400, Error("invalid_request_error", $"The price {priceId} is not an active price of product {productId}."));
        }
        foreach (var condition in features["subscription_update"]?["schedule_at_period_end"]?["conditions"]?.AsArray() ?? [])
            if ((string?)condition!["type"] is not ("decreasing_item_amount" or "shortening_interval"))
                return (400, Error("invalid_request_error", $"Invalid schedule_at_period_end condition: {condition["type"]}"));
        if ((string?)features["subscription_cancel"]?["mode"] is { } mode && mode is not ("at_period_end" or "immediately"))
            return (400, Error("invalid_request_error", $"Invalid subscription_cancel[mode]: {mode}"));

        var configuration = existing ?? new JsonObject
        {
            ["id"] = $"bpc_fake{_instance}{Interlocked.Increment(ref _sequence)}", ["object"] = "billing_portal.configuration",
            ["active"] = true, ["is_default"] = false, ["livemode"] = false, ["created"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
            ["metadata"] = new JsonObject(), ["features"] = new JsonObject(),
        };
        if (form.TryGetValue("name", out var name)) configuration["name"] = name;
        if (form.TryGetValue("active", out var active)) configuration["active"] = active == "true";
        foreach (var (k, v) in Metadata(form, "metadata")) configuration["metadata"]![k] = v!.DeepClone();
        foreach (var (feature, value) in features) configuration["features"]![feature] = Merge(configuration["features"]![feature]?.AsObject(), value!.AsObject());
        _portalConfigurations[(string)configuration["id"]!] = configuration;
        return (200, configuration.ToJsonString());
    }

    /// <summary>An update replaces the arrays it sends and keeps the fields it does not.</summary>
    private static JsonObject Merge(JsonObject? before, JsonObject update)
    {
        var merged = (JsonObject?)before?.DeepClone() ?? new JsonObject();
        foreach (var (key, value) in update)
            merged[key] = value is JsonObject o && merged[key] is JsonObject old ? Merge(old, o) : value?.DeepClone();
        return merged;
    }

    private (int, string) CreateWebhookEndpoint(IReadOnlyDictionary<string, string> form)
    {
        if (Refused(form, WebhookCreateParameters) is { } refused) return refused;
        if (Missing(form, "url", "enabled_events[0]") is { } missing) return (400, Error("invalid_request_error", $"Missing required param: {missing}."));
        if (UnknownEventType(form) is { } bad) return bad;
        var id = $"we_fake{_instance}{Interlocked.Increment(ref _sequence)}";
        var endpoint = new JsonObject
        {
            ["id"] = id, ["object"] = "webhook_endpoint", ["url"] = form["url"], ["status"] = "enabled",
            ["enabled_events"] = JsonList(Listed(form, "enabled_events")), ["api_version"] = form.GetValueOrDefault("api_version"),
            ["description"] = form.GetValueOrDefault("description"), ["metadata"] = Metadata(form, "metadata"),
            ["secret"] = $"whsec_fake{Guid.NewGuid():N}", ["created"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(), ["livemode"] = false,
        };
        _webhookEndpoints[id] = endpoint;
        return (200, endpoint.ToJsonString());
    }

    private (int, string) UpdateWebhookEndpoint(string id, IReadOnlyDictionary<string, string> form)
    {
        if (Refused(form, WebhookUpdateParameters) is { } refused) return refused;
        if (!_webhookEndpoints.TryGetValue(id, out var endpoint)) return (404, Error("invalid_request_error", $"No such webhook endpoint: '{id}'"));
        if (UnknownEventType(form) is { } bad) return bad;
        if (form.ContainsKey("enabled_events[0]")) endpoint["enabled_events"] = JsonList(Listed(form, "enabled_events"));
        if (form.TryGetValue("disabled", out var disabled)) endpoint["status"] = disabled == "true" ? "disabled" : "enabled";
        if (form.TryGetValue("url", out var url)) endpoint["url"] = url;
        return (200, Without("secret")(endpoint).ToJsonString());
    }

    private static (int, string)? UnknownEventType(IReadOnlyDictionary<string, string> form) =>
        Listed(form, "enabled_events").FirstOrDefault(e => e != "*" && !KnownEventTypes.Contains(e)) is { } unknown
            ? (400, Error("invalid_request_error", $"Invalid enabled_events: {unknown} is not a valid event type"))
            : null;

    private static (int, string)? Refused(IReadOnlyDictionary<string, string> form, Regex[] allowed) =>
        form.Keys.FirstOrDefault(k => !allowed.Any(a => a.IsMatch(k))) is { } unknown
            ? (400, Error("invalid_request_error", $"Received unknown parameter: {unknown}"))
            : null;

    /// <summary>The values of <c>name[0]</c>, <c>name[1]</c>, … (how Stripe.net sends a list), in order.</summary>
    private static List<string> Listed(IReadOnlyDictionary<string, string> values, string name) => values
        .Where(kv => Regex.IsMatch(kv.Key, $@"^{Regex.Escape(name)}\[\d*\]$"))
        .OrderBy(kv => int.TryParse(kv.Key[(name.Length + 1)..^1], out var i) ? i : 0)
        .Select(kv => kv.Value).ToList();

    private static JsonArray JsonList(IEnumerable<string> values) => new(values.Select(v => (JsonNode)v!).ToArray());

    private static Func<JsonObject, JsonObject> Without(string field) => o =>
    {
        var copy = (JsonObject)o.DeepClone();
        copy.Remove(field);
        return copy;
    };

    private static (int, string) ListOf(string url, IEnumerable<JsonObject> items) => (200, new JsonObject
    {
        ["object"] = "list", ["url"] = url, ["has_more"] = false,
        ["data"] = new JsonArray(items.Select(i => (JsonNode)i.DeepClone()).ToArray()),
    }.ToJsonString());

    /// <summary>Form fields under <paramref name="prefix"/> as the nested JSON Stripe answers with: <c>[0]</c> makes arrays, "true"/"false" booleans.</summary>
    private static JsonObject Nest(IReadOnlyDictionary<string, string> form, string prefix)
    {
        var root = new JsonObject();
        foreach (var (key, value) in form.Where(kv => kv.Key.StartsWith(prefix + "[", StringComparison.Ordinal)).OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            var path = key[(prefix.Length + 1)..^1].Split("][");
            JsonNode node = root;
            for (var i = 0; i < path.Length; i++)
            {
                var last = i == path.Length - 1;
                JsonNode? leaf = last ? (value is "true" or "false" ? JsonValue.Create(value == "true") : JsonValue.Create(value)) : null;
                var nextIsIndex = !last && int.TryParse(path[i + 1], out _);
                if (node is JsonArray array)
                {
                    var index = int.Parse(path[i]);
                    while (array.Count <= index) array.Add(null);
                    node = array[index] ??= leaf ?? (nextIsIndex ? new JsonArray() : new JsonObject());
                }
                else
                {
                    var obj = node.AsObject();
                    node = obj[path[i]] ??= leaf ?? (nextIsIndex ? new JsonArray() : new JsonObject());
                }
            }
        }
        return root;
    }
}
