namespace Billing.Tests.Infrastructure;

/// <summary>One request as the fake Stripe received it.</summary>
public sealed record StripeRequest(string Method, string Path, IReadOnlyDictionary<string, string> Form, IReadOnlyDictionary<string, string> Query,
    string? IdempotencyKey, string? Authorization, string? StripeVersion, string? ConnectionId = null);

/// <summary>
/// A small Kestrel stand-in for api.stripe.com that Stripe.net really calls over HTTP. Like stripe-mock it
/// checks what we send (auth, API version, required parameters) and answers with Stripe-shaped JSON for
/// API 2026-10-28.endive; like Stripe it replays the first answer for a repeated idempotency key. Tests
/// script faults per path: a status code, a delay longer than our timeout, or a dropped connection.
/// </summary>
public sealed partial class FakeStripe : IAsyncDisposable
{
    public const string ApiVersion = "2026-10-28.endive";
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<StripeRequest> _requests = new();
    private readonly ConcurrentDictionary<string, ConcurrentQueue<Fault>> _faults = new();
    private readonly ConcurrentDictionary<string, (int Status, string Body)> _idempotent = new();
    private readonly ConcurrentDictionary<string, List<JsonObject>> _invoices = new();
    private readonly ConcurrentDictionary<string, JsonObject> _sessions = new();
    private readonly ConcurrentDictionary<string, byte> _inFlight = new();
    private readonly ConcurrentQueue<StripeRequest> _created = new();
    private readonly ConcurrentDictionary<string, JsonObject> _subscriptions = new();
    private readonly ConcurrentQueue<string> _subscriptionOrder = new();
    private int _sequence;
    // Ids unique across fakes: several test classes each run their own fake against one shared database.
    private readonly string _instance = Guid.NewGuid().ToString("N")[..8];

    public abstract record Fault;
    public sealed record Status(int Code, string ErrorType = "api_error", string Message = "Something went wrong on Stripe's end.") : Fault;
    public sealed record Hang(TimeSpan For) : Fault;
    public sealed record Drop : Fault;
    /// <summary>Answers normally, but only after <paramref name="For"/>: a slow Stripe, not a broken one.</summary>
    public sealed record Slow(TimeSpan For) : Fault;

    private FakeStripe(WebApplication app) => _app = app;

    public Uri BaseAddress { get; private set; } = null!;
    public IReadOnlyList<StripeRequest> Requests => _requests.ToList();
    public IEnumerable<StripeRequest> RequestsTo(string path) => _requests.Where(r => r.Path == path);

    /// <summary>The POSTs to <paramref name="path"/> that Stripe carried out: idempotent replays and refusals left out.</summary>
    public IEnumerable<StripeRequest> CarriedOut(string path) => _created.Where(r => r.Path == path);

    /// <summary>
    /// Starts the fake. Its account holds the prices the test settings name (<see cref="AddSettingsPrices"/>), as
    /// <c>stripe-setup</c> would have made them; <paramref name="emptyAccount"/> starts it with nothing, as setup first finds an account.
    /// </summary>
    public static async Task<FakeStripe> StartAsync(bool emptyAccount = false)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var fake = new FakeStripe(app);
        if (!emptyAccount) fake.AddSettingsPrices();
        app.Run(fake.HandleAsync);
        await app.StartAsync();
        fake.BaseAddress = new Uri(app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First());
        return fake;
    }

    /// <summary>The next <paramref name="times"/> requests to <paramref name="path"/> meet <paramref name="fault"/>.</summary>
    public void FailNext(string path, Fault fault, int times = 1)
    {
        var queue = _faults.GetOrAdd(path, _ => new ConcurrentQueue<Fault>());
        for (var i = 0; i < times; i++) queue.Enqueue(fault);
    }

    /// <summary>The checkout session as the fake holds it (status open, complete or expired).</summary>
    public string? SessionStatus(string sessionId) => _sessions.TryGetValue(sessionId, out var session) ? (string?)session["status"] : null;

    /// <summary>The sessions of one <c>client_reference_id</c> that can still be paid.</summary>
    public IReadOnlyList<string> OpenSessionsOf(string clientReferenceId) => _sessions.Values
        .Where(s => (string?)s["client_reference_id"] == clientReferenceId && (string?)s["status"] == "open")
        .Select(s => (string)s["id"]!).ToList();

    /// <summary>The customer pays: the session is complete and can no longer be expired.</summary>
    public void CompleteSession(string sessionId) => _sessions[sessionId]["status"] = "complete";

    /// <summary>What <c>GET /v1/subscriptions/{id}</c> answers: the subscription as Stripe shows it now.</summary>
    public void SetSubscription(JsonObject subscription)
    {
        var id = (string)subscription["id"]!;
        if (_subscriptions.TryAdd(id, (JsonObject)subscription.DeepClone())) _subscriptionOrder.Enqueue(id);
        else _subscriptions[id] = (JsonObject)subscription.DeepClone();
    }

    public void AddInvoices(string customerId, int count)
    {
        var list = _invoices.GetOrAdd(customerId, _ => []);
        var now = DateTimeOffset.UtcNow;
        for (var i = 0; i < count; i++)
        {
            var created = now.AddMonths(-i);
            list.Add(new JsonObject
            {
                ["id"] = $"in_fake{Interlocked.Increment(ref _sequence)}",
                ["object"] = "invoice",
                ["customer"] = customerId,
                ["number"] = $"FAKE-{i + 1:0000}",
                ["status"] = "paid",
                ["amount_due"] = 9900,
                ["amount_paid"] = 9900,
                ["amount_remaining"] = 0,
                ["currency"] = "usd",
                ["created"] = created.ToUnixTimeSeconds(),
                ["period_start"] = created.AddMonths(-1).ToUnixTimeSeconds(),
                ["period_end"] = created.ToUnixTimeSeconds(),
                ["hosted_invoice_url"] = $"https://invoice.stripe.com/i/fake_{i}",
                ["invoice_pdf"] = $"https://pay.stripe.com/invoice/fake_{i}/pdf",
                ["livemode"] = false,
                ["parent"] = new JsonObject { ["type"] = "subscription_details", ["subscription_details"] = new JsonObject { ["subscription"] = "sub_fake" } },
            });
        }
    }

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var form = new Dictionary<string, string>();
        try
        {
            if (request.HasFormContentType)
                form = (await request.ReadFormAsync(context.RequestAborted)).ToDictionary(kv => kv.Key, kv => kv.Value.ToString());
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or BadHttpRequestException)
        {
            // The client gave up (its timeout) before we read the body: the attempt still counts as one Stripe received.
        }
        var recorded = new StripeRequest(request.Method, request.Path.Value ?? "", form,
            request.Query.ToDictionary(kv => kv.Key, kv => kv.Value.ToString()),
            request.Headers["Idempotency-Key"].FirstOrDefault(), request.Headers.Authorization.FirstOrDefault(), request.Headers["Stripe-Version"].FirstOrDefault(),
            context.Connection.Id);
        _requests.Enqueue(recorded);

        if (_faults.TryGetValue(recorded.Path, out var faults) && faults.TryDequeue(out var fault))
        {
            switch (fault)
            {
                case Status s:
                    await WriteAsync(context, s.Code, Error(s.ErrorType, s.Message));
                    return;
                case Hang h:
                    await Task.Delay(h.For, context.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
                    return;
                case Drop:
                    context.Abort();
                    return;
                case Slow slow:
                    await Task.Delay(slow.For, context.RequestAborted);
                    break;
            }
        }

        if (recorded.Authorization is not { } auth || !auth.StartsWith("Bearer sk_test_", StringComparison.Ordinal))
        {
            await WriteAsync(context, 401, Error("invalid_request_error", "Invalid API Key provided."));
            return;
        }
        if (recorded.StripeVersion != ApiVersion)
        {
            await WriteAsync(context, 400, Error("invalid_request_error", $"Unexpected Stripe-Version {recorded.StripeVersion}"));
            return;
        }

        var idempotency = recorded.Method == "POST" && recorded.IdempotencyKey is { } key ? $"{recorded.Path}|{key}" : null;
        if (idempotency is not null && _idempotent.TryGetValue(idempotency, out var replay))
        {
            context.Response.Headers["Idempotent-Replayed"] = "true";
            await WriteAsync(context, replay.Status, replay.Body);
            return;
        }
        // Like Stripe: a second request under a key whose first request is still being processed is refused with 409.
        if (idempotency is not null && !_inFlight.TryAdd(idempotency, 0))
        {
            await WriteAsync(context, 409, Error("idempotency_error",
                "There is currently another in-progress request using this Stripe-Idempotency-Key (that you have not yet received a response for)."));
            return;
        }

        var (status, body) = Route(recorded);
        if (idempotency is not null)
        {
            _idempotent.TryAdd(idempotency, (status, body));
            _inFlight.TryRemove(idempotency, out _);
        }
        if (recorded.Method == "POST" && status == 200) _created.Enqueue(recorded);
        await WriteAsync(context, status, body);
    }

    private (int, string) Route(StripeRequest r) => (r.Method, r.Path.Split('/')) switch
    {
        ("GET", ["", "v1", "checkout", "sessions", var id]) => _sessions.TryGetValue(id, out var session)
            ? (200, session.ToJsonString())
            : (404, Error("invalid_request_error", $"No such checkout.session: '{id}'")),

        ("POST", ["", "v1", "checkout", "sessions", var id, "expire"]) => !_sessions.TryGetValue(id, out var session)
            ? (404, Error("invalid_request_error", $"No such checkout.session: '{id}'"))
            : (string?)session["status"] != "open"
                ? (400, Error("invalid_request_error", "Only Checkout Sessions with a status of `open` can be expired."))
                : Expire(session),

        ("GET", ["", "v1", "subscriptions"]) => SubscriptionList(r.Query),

        ("GET", ["", "v1", "subscriptions", var id]) => _subscriptions.TryGetValue(id, out var subscription)
            ? (200, subscription.ToJsonString())
            : (404, Error("invalid_request_error", $"No such subscription: '{id}'")),

        _ => RouteLifecycle(r) ?? RouteFixed(r),
    };

    private static (int, string) Expire(JsonObject session)
    {
        session["status"] = "expired";
        session["url"] = null;
        return (200, session.ToJsonString());
    }

    private (int, string) RouteFixed(StripeRequest r) => (r.Method, r.Path) switch
    {
        ("POST", "/v1/customers") => (200, new JsonObject
        {
            ["id"] = $"cus_fake{_instance}{Interlocked.Increment(ref _sequence)}",
            ["object"] = "customer",
            ["created"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
            ["description"] = r.Form.GetValueOrDefault("description"),
            ["metadata"] = Metadata(r.Form, "metadata"),
            ["livemode"] = false,
        }.ToJsonString()),

        ("POST", "/v1/checkout/sessions") => (CheckoutSessionError(r.Form) ?? CheckoutPriceError(r.Form)) is { } refused ? (400, refused)
            : Missing(r.Form, "mode", "customer", "line_items[0][price]", "success_url", "cancel_url") is { } missing
            ? (400, Error("invalid_request_error", $"Missing required param: {missing}."))
            : (200, Remember(_sessions, new JsonObject
            {
                ["id"] = $"cs_test_fake{_instance}{Interlocked.Increment(ref _sequence)}",
                ["object"] = "checkout.session",
                ["mode"] = r.Form["mode"],
                ["customer"] = r.Form["customer"],
                ["client_reference_id"] = r.Form.GetValueOrDefault("client_reference_id"),
                ["success_url"] = r.Form["success_url"],
                ["cancel_url"] = r.Form["cancel_url"],
                ["metadata"] = Metadata(r.Form, "metadata"),
                ["currency"] = r.Form.GetValueOrDefault("currency") ?? (string?)_prices[r.Form["line_items[0][price]"]]["currency"],
                ["status"] = "open",
                ["url"] = $"https://checkout.stripe.com/c/pay/cs_test_fake{_sequence}",
                ["livemode"] = false,
            }).ToJsonString()),

        ("POST", "/v1/billing_portal/sessions") => Missing(r.Form, "customer") is { } missing
            ? (400, Error("invalid_request_error", $"Missing required param: {missing}."))
            : r.Form.TryGetValue("configuration", out var configuration) && !_portalConfigurations.ContainsKey(configuration)
            ? (400, Error("invalid_request_error", $"No such configuration: '{configuration}'"))
            : (200, new JsonObject
            {
                ["id"] = $"bps_fake{_instance}{Interlocked.Increment(ref _sequence)}",
                ["object"] = "billing_portal.session",
                ["customer"] = r.Form["customer"],
                ["return_url"] = r.Form.GetValueOrDefault("return_url"),
                ["url"] = $"https://billing.stripe.com/p/session/test_fake{_sequence}",
                ["livemode"] = false,
            }.ToJsonString()),

        ("GET", "/v1/invoices") => (200, InvoiceList(r.Query)),

        _ => RouteSetup(r),
    };

    private static JsonObject Remember(ConcurrentDictionary<string, JsonObject> store, JsonObject created)
    {
        store[(string)created["id"]!] = created;
        return created;
    }

    /// <summary>Pages like Stripe: limit 1–100 (default 10), starting_after an id, has_more; without status=all, canceled ones are left out.</summary>
    private (int, string) SubscriptionList(IReadOnlyDictionary<string, string> query)
    {
        var limit = query.TryGetValue("limit", out var l) ? int.Parse(l) : 10;
        if (limit is < 1 or > 100) return (400, Error("invalid_request_error", "Invalid limit: must be between 1 and 100"));
        var all = _subscriptionOrder.Select(id => _subscriptions[id])
            .Where(s => query.GetValueOrDefault("status") == "all" || (string?)s["status"] != "canceled").ToList();
        var start = query.TryGetValue("starting_after", out var after) ? all.FindIndex(s => (string?)s["id"] == after) + 1 : 0;
        var page = all.Skip(start).Take(limit).Select(s => (JsonNode)s.DeepClone()).ToArray();
        return (200, new JsonObject
        {
            ["object"] = "list",
            ["url"] = "/v1/subscriptions",
            ["has_more"] = start + page.Length < all.Count,
            ["data"] = new JsonArray(page),
        }.ToJsonString());
    }

    private string InvoiceList(IReadOnlyDictionary<string, string> query)
    {
        var all = query.TryGetValue("customer", out var customer) && _invoices.TryGetValue(customer, out var list) ? list : [];
        var limit = query.TryGetValue("limit", out var l) ? int.Parse(l) : 10;
        var start = query.TryGetValue("starting_after", out var after) ? all.FindIndex(i => (string?)i["id"] == after) + 1 : 0;
        var page = all.Skip(start).Take(limit).Select(i => (JsonNode)i.DeepClone()).ToArray();
        return new JsonObject
        {
            ["object"] = "list",
            ["url"] = "/v1/invoices",
            ["has_more"] = start + page.Length < all.Count,
            ["data"] = new JsonArray(page),
        }.ToJsonString();
    }

    private static string? Missing(IReadOnlyDictionary<string, string> form, params string[] names) =>
        names.FirstOrDefault(n => !form.TryGetValue(n, out var v) || string.IsNullOrEmpty(v));

    private static JsonObject Metadata(IReadOnlyDictionary<string, string> form, string prefix)
    {
        var metadata = new JsonObject();
        foreach (var (key, value) in form.Where(kv => kv.Key.StartsWith(prefix + "[", StringComparison.Ordinal)))
            metadata[key[(prefix.Length + 1)..^1]] = value;
        return metadata;
    }

    private static string Error(string type, string message) =>
        new JsonObject { ["error"] = new JsonObject { ["type"] = type, ["message"] = message } }.ToJsonString();

    private static Task WriteAsync(HttpContext context, int status, string body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        context.Response.Headers["Request-Id"] = $"req_fake_{Guid.NewGuid():N}";
        return context.Response.WriteAsync(body);
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
