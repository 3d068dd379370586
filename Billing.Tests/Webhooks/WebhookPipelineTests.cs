using Azure.Storage.Blobs;
using Azure.Storage.Queues;

namespace Billing.Tests.Webhooks;

/// <summary>The whole pipeline through DevHost: HTTP in, Azurite queue, queue trigger, PostgreSQL.</summary>
public sealed class WebhookPipelineTests : IAsyncLifetime
{
    private TestEnvironment _env = null!;
    private TestHost _host = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        _env = await TestEnvironment.GetAsync();
        _host = await _env.HostAsync();
        _client = _host.CreateClient();
    }

    public Task DisposeAsync()
    {
        _client.Dispose();
        return Task.CompletedTask;
    }

    private Task<HttpResponseMessage> PostWebhookAsync(string body, string? signature) => _client.SendAsync(Api.Webhook(body, signature));

    [Fact]
    public async Task Signed_webhook_changes_the_subscription_within_seconds()
    {
        var tenant = Guid.NewGuid();
        var token = TestTokens.For(tenant);
        await Api.JsonAsync(await _client.SendAsync(Api.Request(HttpMethod.Get, "/api/v1/billing/subscription", token)), HttpStatusCode.OK);
        var (customer, subscription) = (StripeEvents.NewId("cus"), StripeEvents.NewId("sub"));
        var start = DateTimeOffset.UtcNow.AddDays(-1);
        var body = StripeEvents.Event("customer.subscription.created",
            StripeEvents.Subscription(tenant, customer, subscription, "price_test_pro", start, start.AddMonths(1)), DateTimeOffset.UtcNow);

        var response = await PostWebhookAsync(body, StripeSigner.Header(body, TestEnvironment.WebhookSecret, DateTimeOffset.UtcNow));
        var ack = await Api.JsonAsync(response, HttpStatusCode.OK);
        Assert.True(ack.GetProperty("received").GetBoolean());

        var view = await Eventually.ValueAsync(
            async () => await Api.JsonAsync(await _client.SendAsync(Api.Request(HttpMethod.Get, "/api/v1/billing/subscription", token)), HttpStatusCode.OK),
            v => v.GetProperty("plan_tier").GetString() == "pro", TimeSpan.FromSeconds(10));
        Assert.Equal("pro", view.GetProperty("plan_tier").GetString());
        Assert.Equal(customer, view.GetProperty("stripe_customer_id").GetString());
    }

    [Fact]
    public async Task Event_of_240_KiB_goes_through_blob_storage_is_applied_once_and_its_blob_is_deleted()
    {
        var tenant = Guid.NewGuid();
        await Db.SeedTenantThisMonthAsync(_env.SharedDatabase, tenant, "free");
        var (customer, subscription) = (StripeEvents.NewId("cus"), StripeEvents.NewId("sub"));
        var start = DateTimeOffset.UtcNow.AddDays(-1);
        var created = StripeEvents.Subscription(tenant, customer, subscription, "price_test_pro", start, start.AddMonths(1));
        // Random text barely compresses: far beyond what a queue message holds even gzipped (a subscription with many items is this big).
        created["padding"] = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(120 * 1024));
        var body = StripeEvents.Event("customer.subscription.created", created, DateTimeOffset.UtcNow);
        var id = JsonDocument.Parse(body).RootElement.GetProperty("id").GetString()!;
        Assert.InRange(Encoding.UTF8.GetByteCount(body), 240 * 1024, 256 * 1024);

        await Api.JsonAsync(await _client.SendAsync(Api.SignedWebhook(body)), HttpStatusCode.OK);

        var outcome = await Db.OutcomeAsync(_env.SharedDatabase, id, TimeSpan.FromSeconds(20));
        Assert.Equal("applied", outcome);
        Assert.Equal(1L, await Db.ScalarAsync<long>(_env.SharedDatabase, "SELECT count(*) FROM webhook_events WHERE stripe_event_id = $1", id));
        Assert.Equal("pro", await Db.ScalarAsync<string>(_env.SharedDatabase, "SELECT plan_tier FROM tenants WHERE id = $1", tenant));
        Assert.True(await Db.ScalarAsync<bool>(_env.SharedDatabase,
            "SELECT length(payload->'data'->'object'->>'padding') = 240 * 1024 FROM webhook_events WHERE stripe_event_id = $1", id), "the payload was not kept whole");
        var payloads = new BlobContainerClient(_host.StorageConnectionString, StripeEventPayloads.Container);
        var left = await Eventually.ValueAsync(async () =>
        {
            var names = new List<string>();
            await foreach (var blob in payloads.GetBlobsAsync(new Azure.Storage.Blobs.Models.GetBlobsOptions { Prefix = id })) names.Add(blob.Name);
            return names;
        }, names => names.Count == 0, TimeSpan.FromSeconds(10));
        Assert.Empty(left);
    }

    [Fact]
    public async Task Unsigned_or_wrongly_signed_webhook_is_400()
    {
        var body = StripeEvents.Event("invoice.paid", StripeEvents.Invoice(null, "cus_x", "sub_x"), DateTimeOffset.UtcNow);
        await Api.ProblemAsync(await PostWebhookAsync(body, null), HttpStatusCode.BadRequest, "invalid_signature");
        await Api.ProblemAsync(await PostWebhookAsync(body, StripeSigner.Header(body, "whsec_wrong", DateTimeOffset.UtcNow)), HttpStatusCode.BadRequest, "invalid_signature");
    }

    [Fact]
    public async Task Webhook_body_over_256_KiB_is_413()
    {
        var body = "{\"pad\":\"" + new string('x', 300 * 1024) + "\"}";
        await Api.ProblemAsync(await PostWebhookAsync(body, StripeSigner.Header(body, TestEnvironment.WebhookSecret, DateTimeOffset.UtcNow)),
            HttpStatusCode.RequestEntityTooLarge, "payload_too_large");
    }

    [Fact]
    public async Task Message_that_fails_five_times_ends_in_the_poison_queue_unapplied_and_replays_once_fixed()
    {
        // The database refuses this event's subscription on every try, as a real data error would (a trigger
        // that fails for this one subscription id stands in for it).
        var b = Guid.NewGuid();
        await Db.SeedTenantThisMonthAsync(_env.SharedDatabase, b, "free");
        var customer = StripeEvents.NewId("cus");
        var subscription = StripeEvents.NewId("sub");
        var trigger = $"refuse_{subscription}";
        await Db.ExecuteAsync(_env.SharedDatabase, $"""
            CREATE FUNCTION {trigger}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'refused by the test'; END $$;
            CREATE TRIGGER {trigger} BEFORE INSERT ON subscriptions FOR EACH ROW WHEN (NEW.id = '{subscription}') EXECUTE FUNCTION {trigger}();
            """);
        var body = StripeEvents.Event("checkout.session.completed", StripeEvents.CheckoutSession(b, customer, subscription), DateTimeOffset.UtcNow);
        var id = JsonDocument.Parse(body).RootElement.GetProperty("id").GetString()!;

        await Api.JsonAsync(await PostWebhookAsync(body, StripeSigner.Header(body, TestEnvironment.WebhookSecret, DateTimeOffset.UtcNow)), HttpStatusCode.OK);

        var poison = new QueueClient(_host.StorageConnectionString, Queues.StripeEventsPoison, new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 });
        var dead = await Eventually.ValueAsync(async () =>
        {
            if (!await poison.ExistsAsync()) return false;
            return (await poison.PeekMessagesAsync(32)).Value.Any(m => m.Body.ToString() == body);
        }, found => found, TimeSpan.FromSeconds(30));

        Assert.True(dead, "the message never reached stripe-events-poison");
        Assert.Null(await Db.ScalarAsync<string>(_env.SharedDatabase, "SELECT stripe_customer_id FROM tenants WHERE id = $1", b));
        Assert.Equal(0L, await Db.ScalarAsync<long>(_env.SharedDatabase, "SELECT count(*) FROM webhook_events WHERE stripe_event_id = $1", id));

        // The operator fixes the cause, then replays the poison queue.
        await Db.ExecuteAsync(_env.SharedDatabase, $"DROP TRIGGER {trigger} ON subscriptions; DROP FUNCTION {trigger}();");
        Assert.Equal(0, await Billing.DevHost.DevHostCli.RunAsync(["replay-poison", "--settings", _host.SettingsPath], TextWriter.Null, TextWriter.Null));

        var applied = await Db.OutcomeAsync(_env.SharedDatabase, id, TimeSpan.FromSeconds(15));
        Assert.Equal("applied", applied);
        Assert.Equal(customer, await Db.ScalarAsync<string>(_env.SharedDatabase, "SELECT stripe_customer_id FROM tenants WHERE id = $1", b));
    }
}
