namespace Billing.Tests.Webhooks;

/// <summary>
/// The claim check's failure cases on real PostgreSQL and Azurite blobs: whatever step a crash interrupts, the
/// queue's retry neither loses the event nor applies it twice. (The whole path, HTTP to apply, is in
/// <see cref="WebhookPipelineTests"/>.)
/// </summary>
public sealed class ClaimCheckTests(ApplierFixture fixture) : IClassFixture<ApplierFixture>
{
    private readonly TestEnvironment _env = fixture.Env;
    private readonly ServiceProvider _services = fixture.Services;

    private StripeEventPayloads Payloads => _services.GetRequiredService<StripeEventPayloads>();

    private async Task<string?> InboxAsync(string message)
    {
        await using var scope = _services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<StripeEventInbox>().ApplyAsync(message, default);
    }

    private Task<string?> ApplyDirectlyAsync(string json) => fixture.App.ApplyAsync(json);

    /// <summary>A large subscription event for a new tenant, its blob, and the claim-check message naming it.</summary>
    private async Task<(Guid Tenant, string Id, string Json, string Blob, string Message)> LargeEventAsync()
    {
        var tenant = Guid.NewGuid();
        await Db.SeedTenantThisMonthAsync(_env.SharedDatabase, tenant, "free");
        var start = DateTimeOffset.UtcNow.AddDays(-1);
        var subscription = StripeEvents.Subscription(tenant, StripeEvents.NewId("cus"), StripeEvents.NewId("sub"), "price_test_pro", start, start.AddMonths(1));
        subscription["padding"] = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(64 * 1024));
        var json = StripeEvents.Event("customer.subscription.created", subscription, DateTimeOffset.UtcNow);
        Assert.Null(StripeEventQueue.Encode(json)); // too large for a queue message even compressed
        var blob = await Payloads.PutAsync(json, default);
        return (tenant, JsonDocument.Parse(json).RootElement.GetProperty("id").GetString()!, json, blob, StripeEventQueue.ClaimCheckMessage(blob));
    }

    private Task<long> RowsAsync(string id) =>
        Db.ScalarAsync<long>(_env.SharedDatabase, "SELECT count(*) FROM webhook_events WHERE stripe_event_id = $1", id);

    [Fact]
    public async Task Claim_check_is_applied_and_its_blob_deleted()
    {
        var (tenant, id, _, blob, message) = await LargeEventAsync();

        Assert.Equal("applied", await InboxAsync(message));

        Assert.Equal("pro", await Db.ScalarAsync<string>(_env.SharedDatabase, "SELECT plan_tier FROM tenants WHERE id = $1", tenant));
        Assert.Null(await Payloads.GetAsync(blob, default));
        Assert.Equal(1L, await RowsAsync(id));
    }

    [Fact]
    public async Task Crash_after_the_apply_committed_but_before_the_blob_was_deleted_applies_once_and_deletes_it_on_retry()
    {
        var (_, id, json, blob, message) = await LargeEventAsync();
        Assert.Equal("applied", await ApplyDirectlyAsync(json)); // committed; the process died before deleting the blob

        Assert.Null(await InboxAsync(message)); // the retry: a duplicate

        Assert.Null(await Payloads.GetAsync(blob, default));
        Assert.Equal(1L, await RowsAsync(id));
    }

    [Fact]
    public async Task Retry_after_the_blob_was_deleted_is_done_without_applying_again()
    {
        var (_, id, _, _, message) = await LargeEventAsync();
        Assert.Equal("applied", await InboxAsync(message)); // applied and deleted; the queue never saw the function finish

        Assert.Null(await InboxAsync(message));
        Assert.Equal(1L, await RowsAsync(id));
    }

    [Fact]
    public async Task Claim_check_whose_blob_is_gone_for_an_event_never_applied_fails_so_an_operator_sees_it()
    {
        var (tenant, id, _, blob, message) = await LargeEventAsync();
        await Payloads.DeleteAsync(blob, default);

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => InboxAsync(message));

        Assert.Contains(id, error.Message);
        Assert.Equal(0L, await RowsAsync(id));
        Assert.Equal("free", await Db.ScalarAsync<string>(_env.SharedDatabase, "SELECT plan_tier FROM tenants WHERE id = $1", tenant));
    }
}
