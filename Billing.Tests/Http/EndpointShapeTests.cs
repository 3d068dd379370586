namespace Billing.Tests.Http;

/// <summary>Each endpoint's success shape, over real HTTP through DevHost.</summary>
public sealed class EndpointShapeTests(DefaultHost fixture) : IClassFixture<DefaultHost>, IDisposable
{
    private readonly HttpClient _client = fixture.Host.CreateClient();

    public void Dispose() => _client.Dispose();

    [Fact]
    public async Task Plans_are_public_and_ordered_free_pro_enterprise()
    {
        var body = await Api.JsonAsync(await _client.GetAsync("/api/v1/billing/plans"), HttpStatusCode.OK);

        var plans = body.GetProperty("plans").EnumerateArray().ToList();
        Assert.Equal(["free", "pro", "enterprise"], plans.Select(p => p.GetProperty("tier").GetString()));
        var free = plans[0];
        Assert.Equal(0, free.GetProperty("price_monthly").GetInt64());
        Assert.Equal("usd", free.GetProperty("currency").GetString());
        Assert.Equal(50, free.GetProperty("limits").GetProperty("shipments").GetInt64());
        Assert.Equal(5, free.GetProperty("limits").GetProperty("escrows").GetInt64());
        Assert.Equal(1000, free.GetProperty("limits").GetProperty("api_calls").GetInt64());
        Assert.Equal(-1, plans[2].GetProperty("limits").GetProperty("shipments").GetInt64());
        Assert.NotEmpty(plans[1].GetProperty("features").EnumerateArray());
    }

    [Theory]
    [InlineData("GET", "subscription", null, HttpStatusCode.OK)]
    [InlineData("GET", "usage", null, HttpStatusCode.OK)]
    [InlineData("POST", "usage/shipments/consume", "{\"quantity\":1}", HttpStatusCode.OK)]
    [InlineData("POST", "usage/shipments/release", null, HttpStatusCode.BadRequest)]
    [InlineData("GET", "nowhere", null, HttpStatusCode.NotFound)]
    public async Task Tenant_data_and_problems_are_never_cached_or_sniffed(string method, string path, string? body, HttpStatusCode status)
    {
        var response = await _client.SendAsync(Api.Request(new HttpMethod(method), $"/api/v1/billing/{path}", TestTokens.For(Guid.NewGuid()), body));

        Assert.Equal(status, response.StatusCode);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        Assert.Equal(["nosniff"], response.Headers.GetValues("X-Content-Type-Options"));
    }

    [Fact]
    public async Task Subscription_of_a_new_tenant_is_free_and_active_this_month()
    {
        var tenant = Guid.NewGuid();
        var response = await _client.SendAsync(Api.Request(HttpMethod.Get, "/api/v1/billing/subscription", TestTokens.For(tenant)));
        var body = await Api.JsonAsync(response, HttpStatusCode.OK);

        Assert.Equal(tenant, body.GetProperty("tenant_id").GetGuid());
        Assert.Equal("free", body.GetProperty("plan_tier").GetString());
        Assert.Equal("active", body.GetProperty("subscription_status").GetString());
        Assert.False(body.GetProperty("cancel_at_period_end").GetBoolean());
        Assert.Equal(JsonValueKind.Null, body.GetProperty("stripe_customer_id").ValueKind);
        Assert.False(body.GetProperty("demo_mode").GetBoolean());
        var start = body.GetProperty("billing_period_start").GetString()!;
        Assert.Matches(@"^\d{4}-\d{2}-01T00:00:00Z$", start);
        Assert.True(body.GetProperty("billing_period_end").GetDateTimeOffset() > DateTimeOffset.UtcNow);
    }

    [Fact]
    public async Task Usage_reports_every_resource_with_limits_and_remaining()
    {
        var tenant = Guid.NewGuid();
        var token = TestTokens.For(tenant);
        await _client.SendAsync(Api.Request(HttpMethod.Post, "/api/v1/billing/usage/shipments/consume", token, """{"quantity":3}"""));

        var body = await Api.JsonAsync(await _client.SendAsync(Api.Request(HttpMethod.Get, "/api/v1/billing/usage", token)), HttpStatusCode.OK);

        Assert.Equal("free", body.GetProperty("plan_tier").GetString());
        var usage = body.GetProperty("usage");
        Assert.Equal(3, usage.GetProperty("shipments").GetProperty("used").GetInt64());
        Assert.Equal(50, usage.GetProperty("shipments").GetProperty("limit").GetInt64());
        Assert.Equal(47, usage.GetProperty("shipments").GetProperty("remaining").GetInt64());
        Assert.Equal(0, usage.GetProperty("escrows").GetProperty("used").GetInt64());
        Assert.Equal(1000, usage.GetProperty("api_calls").GetProperty("remaining").GetInt64());
        Assert.True(body.GetProperty("period_end").GetDateTimeOffset() > body.GetProperty("period_start").GetDateTimeOffset());
    }

    [Fact]
    public async Task Consume_answers_resource_used_limit_remaining()
    {
        var token = TestTokens.For(Guid.NewGuid(), role: "member");

        var body = await Api.JsonAsync(await _client.SendAsync(
            Api.Request(HttpMethod.Post, "/api/v1/billing/usage/escrows/consume", token, """{"quantity":2}""")), HttpStatusCode.OK);

        Assert.Equal("escrows", body.GetProperty("resource").GetString());
        Assert.Equal(2, body.GetProperty("used").GetInt64());
        Assert.Equal(5, body.GetProperty("limit").GetInt64());
        Assert.Equal(3, body.GetProperty("remaining").GetInt64());
    }

    [Fact]
    public async Task Consume_without_body_takes_one()
    {
        var token = TestTokens.For(Guid.NewGuid());
        var body = await Api.JsonAsync(await _client.SendAsync(
            Api.Request(HttpMethod.Post, "/api/v1/billing/usage/api_calls/consume", token)), HttpStatusCode.OK);
        Assert.Equal(1, body.GetProperty("used").GetInt64());
    }

    [Fact]
    public async Task Consume_over_the_limit_is_402_with_details()
    {
        var token = TestTokens.For(Guid.NewGuid());
        await _client.SendAsync(Api.Request(HttpMethod.Post, "/api/v1/billing/usage/escrows/consume", token, """{"quantity":5}"""));

        var problem = await Api.ProblemAsync(await _client.SendAsync(
            Api.Request(HttpMethod.Post, "/api/v1/billing/usage/escrows/consume", token, """{"quantity":1}""")),
            HttpStatusCode.PaymentRequired, "plan_limit_exceeded");

        Assert.Equal("escrows", problem.GetProperty("resource").GetString());
        Assert.Equal(5, problem.GetProperty("limit").GetInt64());
        Assert.Equal(5, problem.GetProperty("used").GetInt64());
        Assert.Equal("free", problem.GetProperty("plan_tier").GetString());
    }

    [Fact]
    public async Task Consume_with_the_same_idempotency_key_answers_the_first_answer()
    {
        var token = TestTokens.For(Guid.NewGuid());
        HttpRequestMessage Send()
        {
            var request = Api.Request(HttpMethod.Post, "/api/v1/billing/usage/shipments/consume", token, """{"quantity":4}""");
            request.Headers.Add("Idempotency-Key", "shipment-7781");
            return request;
        }

        var first = await Api.JsonAsync(await _client.SendAsync(Send()), HttpStatusCode.OK);
        var second = await Api.JsonAsync(await _client.SendAsync(Send()), HttpStatusCode.OK);

        Assert.Equal(first.GetRawText(), second.GetRawText());
        var usage = await Api.JsonAsync(await _client.SendAsync(Api.Request(HttpMethod.Get, "/api/v1/billing/usage", token)), HttpStatusCode.OK);
        Assert.Equal(4, usage.GetProperty("usage").GetProperty("shipments").GetProperty("used").GetInt64());
    }

    [Fact]
    public async Task Release_gives_a_keyed_consume_back_once_and_the_key_stays_spent()
    {
        var token = TestTokens.For(Guid.NewGuid(), role: "member");
        HttpRequestMessage Send(string action, string? json = null)
        {
            var request = Api.Request(HttpMethod.Post, $"/api/v1/billing/usage/shipments/{action}", token, json);
            request.Headers.Add("Idempotency-Key", "shipment-9001");
            return request;
        }
        await _client.SendAsync(Api.Request(HttpMethod.Post, "/api/v1/billing/usage/shipments/consume", token, """{"quantity":2}"""));
        await Api.JsonAsync(await _client.SendAsync(Send("consume", """{"quantity":4}""")), HttpStatusCode.OK);

        var released = await Api.JsonAsync(await _client.SendAsync(Send("release")), HttpStatusCode.OK);
        var again = await Api.JsonAsync(await _client.SendAsync(Send("release")), HttpStatusCode.OK);

        Assert.Equal("shipments", released.GetProperty("resource").GetString());
        Assert.Equal(2, released.GetProperty("used").GetInt64());
        Assert.Equal(50, released.GetProperty("limit").GetInt64());
        Assert.Equal(48, released.GetProperty("remaining").GetInt64());
        Assert.Equal(released.GetRawText(), again.GetRawText());
        await Api.ProblemAsync(await _client.SendAsync(Send("consume", """{"quantity":4}""")), HttpStatusCode.Conflict, "idempotency_key_reused");
    }

    [Fact]
    public async Task Release_of_a_key_never_granted_is_404()
    {
        var token = TestTokens.For(Guid.NewGuid());
        var request = Api.Request(HttpMethod.Post, "/api/v1/billing/usage/escrows/release", token);
        request.Headers.Add("Idempotency-Key", "never-granted");

        await Api.ProblemAsync(await _client.SendAsync(request), HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task Consume_under_concurrency_over_http_stops_exactly_at_the_limit()
    {
        var token = TestTokens.For(Guid.NewGuid(), role: "member");
        var statuses = await Task.WhenAll(Enumerable.Range(0, 200).Select(async _ =>
        {
            using var response = await _client.SendAsync(Api.Request(HttpMethod.Post, "/api/v1/billing/usage/shipments/consume", token));
            return response.StatusCode;
        }));

        Assert.Equal(50, statuses.Count(s => s == HttpStatusCode.OK));
        Assert.Equal(150, statuses.Count(s => s == HttpStatusCode.PaymentRequired));
    }

    [Fact]
    public async Task Cors_preflight_from_the_frontend_origin_is_answered()
    {
        var preflight = new HttpRequestMessage(HttpMethod.Options, "/api/v1/billing/usage");
        preflight.Headers.Add("Origin", TestEnvironment.FrontendOrigin);
        preflight.Headers.Add("Access-Control-Request-Method", "GET");
        preflight.Headers.Add("Access-Control-Request-Headers", "authorization");

        using var response = await _client.SendAsync(preflight);

        Assert.True(response.IsSuccessStatusCode, $"preflight answered {(int)response.StatusCode}");
        Assert.Equal(TestEnvironment.FrontendOrigin, response.Headers.GetValues("Access-Control-Allow-Origin").Single());
    }

    [Fact]
    public async Task Cors_preflight_from_another_origin_gets_no_allow_header()
    {
        var preflight = new HttpRequestMessage(HttpMethod.Options, "/api/v1/billing/usage");
        preflight.Headers.Add("Origin", "https://evil.example");
        preflight.Headers.Add("Access-Control-Request-Method", "GET");

        using var response = await _client.SendAsync(preflight);

        Assert.False(response.Headers.Contains("Access-Control-Allow-Origin"));
    }
}
