using Azure.Storage.Queues;

namespace Billing.Tests.Webhooks;

/// <summary>Stripe-Signature verification (docs/webhooks-and-usage.md, step 1: Receive) on a real Azurite queue.</summary>
public sealed class WebhookSignatureTests(WebhookSignatureTests.Receiving fixture) : IClassFixture<WebhookSignatureTests.Receiving>
{
    private static readonly DateTimeOffset Now = new(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);
    private readonly QueueClient _queue = fixture.Queue;
    private WebhookReceiver Receiver => fixture.Services.GetRequiredService<WebhookReceiver>();

    /// <summary>A receiver on a queue of its own, at a fixed time, accepting two secrets as during a rotation.</summary>
    public sealed class Receiving : IAsyncLifetime
    {
        public ServiceProvider Services { get; private set; } = null!;
        public QueueClient Queue { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            var env = await TestEnvironment.GetAsync();
            var storage = env.CreateStorageAccount();
            Services = env.CreateServices(new Dictionary<string, string?>
            {
                ["AzureWebJobsStorage"] = storage,
                ["STRIPE_WEBHOOK_SECRET"] = $"{TestEnvironment.WebhookSecret}, {TestEnvironment.SecondWebhookSecret}",
            }, new FakeTimeProvider(Now));
            Queue = new QueueClient(storage, Queues.StripeEvents, new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 });
            await Queue.CreateIfNotExistsAsync();
        }

        public Task DisposeAsync() => Services.DisposeAsync().AsTask();
    }

    private static string NewEvent() => StripeEvents.Event("invoice.paid", StripeEvents.Invoice(null, "cus_1", "sub_1"), Now);

    private async Task<bool> IsQueuedAsync(string body)
    {
        var messages = (await _queue.PeekMessagesAsync(32)).Value;
        return messages.Any(m => m.Body.ToString() == body);
    }

    private async Task<BillingException> RejectedAsync(string body, string? header)
    {
        var error = await Assert.ThrowsAsync<BillingException>(() => Receiver.ReceiveAsync(Encoding.UTF8.GetBytes(body), header, default));
        Assert.Equal("invalid_signature", error.Code);
        Assert.False(await IsQueuedAsync(body));
        return error;
    }

    [Fact]
    public async Task Valid_signature_puts_the_raw_event_on_the_queue()
    {
        var body = NewEvent();
        var received = await Receiver.ReceiveAsync(Encoding.UTF8.GetBytes(body), StripeSigner.Header(body, TestEnvironment.WebhookSecret, Now), default);

        Assert.Equal("invoice.paid", received.Type);
        Assert.True(await IsQueuedAsync(body));
    }

    [Fact]
    public async Task Tampered_body_is_rejected()
    {
        var body = NewEvent();
        var header = StripeSigner.Header(body, TestEnvironment.WebhookSecret, Now);
        await RejectedAsync(body.Replace("9900", "1"), header);
    }

    [Fact]
    public async Task Wrong_secret_is_rejected()
    {
        var body = NewEvent();
        await RejectedAsync(body, StripeSigner.Header(body, "whsec_an_attacker_guess", Now));
    }

    [Fact]
    public async Task Signature_301_seconds_old_is_rejected()
    {
        var body = NewEvent();
        await RejectedAsync(body, StripeSigner.Header(body, TestEnvironment.WebhookSecret, Now.AddSeconds(-301)));
    }

    [Fact]
    public async Task Signature_299_seconds_old_is_accepted()
    {
        var body = NewEvent();
        await Receiver.ReceiveAsync(Encoding.UTF8.GetBytes(body), StripeSigner.Header(body, TestEnvironment.WebhookSecret, Now.AddSeconds(-299)), default);
        Assert.True(await IsQueuedAsync(body));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("garbage")]
    [InlineData("t=,v1=")]
    [InlineData("v1=deadbeef")]
    public async Task Missing_or_malformed_header_is_rejected(string? header)
    {
        await RejectedAsync(NewEvent(), header);
    }

    [Fact]
    public async Task Header_with_two_v1_values_where_the_second_is_right_is_accepted()
    {
        var body = NewEvent();
        var header = StripeSigner.Header(body, Now, "whsec_old_rolled_secret", TestEnvironment.WebhookSecret);

        await Receiver.ReceiveAsync(Encoding.UTF8.GetBytes(body), header, default);

        Assert.True(await IsQueuedAsync(body));
    }

    [Fact]
    public async Task Event_signed_with_the_second_configured_secret_is_accepted_during_a_rotation()
    {
        var body = NewEvent();
        await Receiver.ReceiveAsync(Encoding.UTF8.GetBytes(body), StripeSigner.Header(body, TestEnvironment.SecondWebhookSecret, Now), default);
        Assert.True(await IsQueuedAsync(body));
    }
}
