using Azure.Storage.Queues;
using Billing.Functions.Contract;

namespace Billing.Tests.Drills;

/// <summary>
/// Faults with real parts really stopped: PostgreSQL, Azurite, and the DevHost process itself. Each drill
/// starts what it breaks, so the rest of the suite keeps running. Nothing may be lost, nothing applied twice.
/// </summary>
public sealed class FaultDrills(EnvironmentFixture fixture) : IClassFixture<EnvironmentFixture>
{
    private readonly TestEnvironment _env = fixture.Env;

    private static (string Id, string Body) SubscriptionCreated(Guid tenant)
    {
        var start = DateTimeOffset.UtcNow.AddMinutes(-1);
        var body = StripeEvents.Event("customer.subscription.created",
            StripeEvents.Subscription(tenant, StripeEvents.NewId("cus"), StripeEvents.NewId("sub"), "price_test_pro", start, start.AddMonths(1)), DateTimeOffset.UtcNow);
        return (JsonDocument.Parse(body).RootElement.GetProperty("id").GetString()!, body);
    }

    private static Task<HttpResponseMessage> PostWebhookAsync(HttpClient client, string body) => client.SendAsync(Api.SignedWebhook(body));

    private static async Task SeedTenantsAsync(string database, IEnumerable<Guid> tenants)
    {
        foreach (var tenant in tenants) await Db.SeedTenantThisMonthAsync(database, tenant, "free");
    }

    [Fact]
    public async Task PostgreSQL_down_webhooks_still_answer_200_and_every_event_applies_once_when_it_is_back()
    {
        await using var postgres = await LocalService.PostgresAsync();
        await TestEnvironment.MigrateAsync(postgres.PostgresConnectionString);
        var tenants = Enumerable.Range(0, 20).Select(_ => Guid.NewGuid()).ToList();
        await SeedTenantsAsync(postgres.PostgresConnectionString, tenants);
        // Failed tries wait 2 s, so five tries span the outage instead of dead-lettering during it.
        var host = await _env.StartHostAsync(_env.Settings(postgres.PostgresConnectionString), retryAfterFailure: TimeSpan.FromSeconds(2));
        using var client = host.CreateClient();
        var events = tenants.Select(SubscriptionCreated).ToList();

        await postgres.StopAsync();
        var statuses = new List<HttpStatusCode>();
        foreach (var (_, body) in events.Concat(events.Take(5))) // five are delivered twice, as Stripe may
            statuses.Add((await PostWebhookAsync(client, body)).StatusCode);
        await postgres.StartAsync();

        Assert.All(statuses, s => Assert.Equal(HttpStatusCode.OK, s));
        var applied = await Eventually.ValueAsync(
            () => Db.ScalarAsync<long>(postgres.PostgresConnectionString, "SELECT count(*) FROM webhook_events WHERE outcome = 'applied'"),
            n => n == events.Count, TimeSpan.FromSeconds(45));
        Assert.Equal(events.Count, applied);
        Assert.Equal((long)events.Count, await Db.ScalarAsync<long>(postgres.PostgresConnectionString, "SELECT count(*) FROM webhook_events"));
        Assert.Equal((long)tenants.Count, await Db.ScalarAsync<long>(postgres.PostgresConnectionString, "SELECT count(*) FROM tenants WHERE plan_tier = 'pro'"));
        var poison = new QueueClient(host.StorageConnectionString, Queues.StripeEventsPoison);
        Assert.True(!await poison.ExistsAsync() || (await poison.PeekMessagesAsync(1)).Value.Length == 0, "an event was dead-lettered during the outage");
        await host.App.StopAsync();
    }

    [Fact]
    public async Task PostgreSQL_down_every_authenticated_route_answers_503_and_recovers_when_it_is_back()
    {
        await using var postgres = await LocalService.PostgresAsync();
        await TestEnvironment.MigrateAsync(postgres.PostgresConnectionString);
        var tenant = Guid.NewGuid();
        await SeedTenantsAsync(postgres.PostgresConnectionString, [tenant]);
        await using var stripe = await FakeStripe.StartAsync();
        var settings = _env.Settings(postgres.PostgresConnectionString);
        settings["STRIPE_API_BASE"] = stripe.BaseAddress.ToString();
        settings["FRONTEND_BASE_URL"] = ContractExampleOrigin; // so the contract's example redirect URLs are valid
        var host = await _env.StartHostAsync(settings);
        using var client = host.CreateClient();
        var token = TestTokens.For(tenant);
        var routes = AuthenticatedOperations().ToList();
        Assert.Contains(routes, r => r.Name == "GetUsage");
        Assert.Contains(routes, r => r.Name == "GetSubscription");
        // Every route has worked once, so the pool holds connections that the outage then breaks.
        foreach (var route in routes) await client.SendAsync(route.Request(token));

        await postgres.StopAsync();
        var down = new List<string>();
        foreach (var route in routes)
        {
            var response = await client.SendAsync(route.Request(token));
            var body = await response.Content.ReadAsStringAsync();
            if (response.StatusCode != HttpStatusCode.ServiceUnavailable || response.Headers.RetryAfter is null ||
                JsonNode.Parse(body)?["code"]?.GetValue<string>() != "database_unavailable")
                down.Add($"{route.Name}: {(int)response.StatusCode} {body}");
        }
        await postgres.StartAsync();
        var back = new List<string>();
        foreach (var route in routes)
        {
            var response = await Eventually.ValueAsync(() => client.SendAsync(route.Request(token)),
                r => r.StatusCode != HttpStatusCode.ServiceUnavailable, TimeSpan.FromSeconds(20));
            if ((int)response.StatusCode >= 500)
                back.Add($"{route.Name}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }

        Assert.True(down.Count == 0, "while PostgreSQL was down:\n" + string.Join("\n", down));
        Assert.True(back.Count == 0, "once PostgreSQL was back:\n" + string.Join("\n", back));
        await host.App.StopAsync();
    }

    private const string ContractExampleOrigin = "https://app.loginexus.example";

    private sealed record Route(string Name, HttpMethod Method, string Path, string? Body, IReadOnlyList<(string Name, string Value)> Headers)
    {
        public HttpRequestMessage Request(string token)
        {
            var request = Api.Request(Method, Path, token, Body);
            foreach (var (name, value) in Headers) request.Headers.TryAddWithoutValidation(name, value);
            return request;
        }
    }

    /// <summary>
    /// Every operation of openapi/billing.yaml that needs a token, with the contract's own examples for its path
    /// parameters, required query parameters and headers, and body: a route added to the contract is covered without touching this test.
    /// </summary>
    private static IEnumerable<Route> AuthenticatedOperations()
    {
        var document = ApiContract.Parse(File.ReadAllText(RepoPaths.Of("openapi", "billing.yaml"))).Document;
        JsonObject Resolve(JsonNode node) =>
            node["$ref"]?.GetValue<string>() is { } reference
                ? reference["#/".Length..].Split('/').Aggregate((JsonNode)document, (n, part) => n[part]!).AsObject()
                : node.AsObject();
        foreach (var (path, item) in document["paths"]!.AsObject())
        {
            foreach (var (verb, node) in item!.AsObject())
            {
                if (verb is not ("get" or "post" or "put" or "patch" or "delete")) continue;
                var operation = node!.AsObject();
                if (operation["security"] is JsonArray { Count: 0 }) continue;
                var url = "/api/v1/billing" + path;
                var headers = new List<(string, string)>();
                foreach (var parameter in (operation["parameters"]?.AsArray() ?? []).Select(p => Resolve(p!)))
                {
                    var example = parameter["example"]?.ToString();
                    switch (parameter["in"]!.GetValue<string>())
                    {
                        case "path": url = url.Replace($"{{{parameter["name"]}}}", example); break;
                        case "query" when parameter["required"]?.GetValue<bool>() == true:
                            url += (url.Contains('?') ? "&" : "?") + $"{parameter["name"]}={Uri.EscapeDataString(example!)}"; break;
                        case "header" when parameter["required"]?.GetValue<bool>() == true: headers.Add((parameter["name"]!.GetValue<string>(), example!)); break;
                    }
                }
                var body = operation["requestBody"]?["content"]?["application/json"]?["example"]?.ToJsonString();
                yield return new Route(operation["operationId"]!.GetValue<string>(), new HttpMethod(verb.ToUpperInvariant()), url, body, headers);
            }
        }
    }

    [Fact]
    public async Task Azurite_down_webhooks_answer_503_and_nothing_is_half_done()
    {
        await using var azurite = await LocalService.AzuriteAsync();
        var settings = _env.Settings();
        settings["AzureWebJobsStorage"] = azurite.AzuriteConnectionString;
        var host = await _env.StartHostAsync(settings);
        using var client = host.CreateClient();
        var tenant = Guid.NewGuid();
        await SeedTenantsAsync(_env.SharedDatabase, [tenant]);
        var (id, body) = SubscriptionCreated(tenant);

        await azurite.StopAsync();
        var refused = await PostWebhookAsync(client, body);
        await Api.ProblemAsync(refused, HttpStatusCode.ServiceUnavailable, "queue_unavailable");
        Assert.NotNull(refused.Headers.RetryAfter);
        Assert.Equal(0L, await Db.ScalarAsync<long>(_env.SharedDatabase, "SELECT count(*) FROM webhook_events WHERE stripe_event_id = $1", id));
        Assert.Equal("free", await Db.ScalarAsync<string>(_env.SharedDatabase, "SELECT plan_tier FROM tenants WHERE id = $1", tenant));

        await azurite.StartAsync();
        // Stripe retries the delivery it saw fail; this time it lands, once.
        await Api.JsonAsync(await PostWebhookAsync(client, body), HttpStatusCode.OK);
        var outcome = await Db.OutcomeAsync(_env.SharedDatabase, id, TimeSpan.FromSeconds(20));
        Assert.Equal("applied", outcome);
        Assert.Equal("pro", await Db.ScalarAsync<string>(_env.SharedDatabase, "SELECT plan_tier FROM tenants WHERE id = $1", tenant));
        await host.App.StopAsync();
    }

    [Fact]
    public async Task DevHost_killed_mid_apply_the_message_reappears_and_is_applied_exactly_once()
    {
        var tenant = Guid.NewGuid();
        await SeedTenantsAsync(_env.SharedDatabase, [tenant]);
        var settings = _env.Settings();
        settings["AzureWebJobsStorage"] = _env.CreateStorageAccount();
        settings["DEVHOST_QUEUE_LEASE_SECONDS"] = "3";
        var settingsPath = await TestHost.WriteSettingsAsync(settings);
        var (id, body) = SubscriptionCreated(tenant);

        // Hold the tenant's row so the apply blocks inside its transaction: that is "mid-apply".
        await using var hold = await Db.HoldAsync(_env.SharedDatabase, "SELECT 1 FROM tenants WHERE id = $1 FOR UPDATE", tenant);

        using var devHost = StartDevHostProcess(settingsPath);
        try
        {
            var queue = new StripeEventQueue(new QueueServiceClient(settings["AzureWebJobsStorage"]!, new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 }),
                new StripeEventPayloads(new Azure.Storage.Blobs.BlobContainerClient(settings["AzureWebJobsStorage"]!, StripeEventPayloads.Container),
                    Microsoft.Extensions.Logging.Abstractions.NullLogger<StripeEventPayloads>.Instance),
                Microsoft.Extensions.Logging.Abstractions.NullLogger<StripeEventQueue>.Instance);
            await queue.SendAsync(body, default);

            var waiting = await Eventually.ValueAsync(() => Db.ScalarAsync<long>(_env.SharedDatabase,
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%FOR UPDATE%' AND datname = current_database()"),
                n => n > 0, TimeSpan.FromSeconds(60)); // a DevHost process starting on a busy 2-core machine takes a while
            Assert.True(waiting > 0, "the DevHost process never started applying the event");
        }
        finally
        {
            devHost.Kill(entireProcessTree: true);
            await devHost.WaitForExitAsync();
        }
        await hold.ReleaseAsync();
        Assert.Equal(0L, await Db.ScalarAsync<long>(_env.SharedDatabase, "SELECT count(*) FROM webhook_events WHERE stripe_event_id = $1", id));

        // A new host takes the message once its lease runs out.
        var successor = await _env.StartHostAsync(settings);
        var outcome = await Db.OutcomeAsync(_env.SharedDatabase, id, TimeSpan.FromSeconds(30));
        Assert.Equal("applied", outcome);
        Assert.Equal(1L, await Db.ScalarAsync<long>(_env.SharedDatabase, "SELECT count(*) FROM webhook_events WHERE stripe_event_id = $1", id));
        Assert.Equal("pro", await Db.ScalarAsync<string>(_env.SharedDatabase, "SELECT plan_tier FROM tenants WHERE id = $1", tenant));
        await successor.App.StopAsync();
    }

    private static Process StartDevHostProcess(string settingsPath)
    {
        var dll = new[] { "Release", "Debug" }
            .Select(c => RepoPaths.Of("Billing.DevHost", "bin", c, "net10.0", "Billing.DevHost.dll"))
            .First(File.Exists);
        var start = new ProcessStartInfo("dotnet", [dll, "--settings", settingsPath])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment = { ["ASPNETCORE_URLS"] = "http://127.0.0.1:0" },
        };
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }
}
