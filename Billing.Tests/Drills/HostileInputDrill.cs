namespace Billing.Tests.Drills;

/// <summary>
/// Hundreds of generated malformed or adversarial requests across every endpoint: random JSON, wrong types,
/// huge numbers, unicode, very long strings, header injection, forged and replayed signatures, and tokens for
/// other tenants. Whatever comes in: no 500, every error is problem+json, and the tenant under attack is unchanged.
/// </summary>
public sealed class HostileInputDrill(FakeStripeHost fixture) : FakeStripeHostTests(fixture)
{
    private static readonly string[] Routes =
    [
        "GET plans", "GET subscription", "GET usage", "GET invoices", "POST checkout", "POST portal",
        "POST usage/shipments/consume", "POST usage/escrows/consume", "POST usage/api_calls/consume", "POST usage/shipments/release", "POST webhooks",
    ];

    private static readonly string[] Bodies =
    [
        "", "{", "}", "null", "[]", "true", "0", "\"x\"", "{\"quantity\":}", "{\"quantity\":1e309}", "{\"quantity\":-0}",
        "{\"quantity\":9223372036854775808}", "{\"quantity\":\"1\"}", "{\"quantity\":[1]}", "{\"quantity\":{}}",
        "{\"plan_tier\":\"pro\\u0000\"}", "{\"plan_tier\":\"ｐｒｏ\"}", "{\"plan_tier\":\"PRO\"}", "{\"plan_tier\":null}",
        "{\"plan_tier\":\"enterprise\",\"success_url\":\"http://localhost:3000.evil.example/\"}",
        "{\"plan_tier\":\"pro\",\"success_url\":\"http://LOCALHOST:3000/%0d%0aSet-Cookie:x=1\"}",
        "{\"return_url\":\"//evil.example\"}", "{\"return_url\":\"data:text/html,<script>alert(1)</script>\"}",
        "{\"__proto__\":{\"admin\":true}}", "{\"tenant_id\":\"00000000-0000-0000-0000-000000000000\"}",
        "{\"quantity\":1,\"quantity\":2}", new string('[', 5000) + new string(']', 5000),
        "{\"a\":\"" + new string('é', 20_000) + "\"}", "\uFEFF{\"quantity\":1}", "{\"quantity\":1}\u0000",
        "{\"id\":\"evt_1\",\"type\":\"invoice.paid\",\"created\":1,\"data\":{\"object\":{}}}",
        "{\"plan_tier\":\"" + new string('p', 100_000) + "\"}",
    ];

    private static readonly string[] Queries =
    [
        "", "?limit=0", "?limit=1000000000000", "?limit=1e2", "?limit=%00", "?starting_after=in_%0d%0a", "?starting_after=" + new string('a', 5000),
        "?tenant_id=11111111-1111-4111-8111-111111111111", "?limit=10&limit=20", "?%ff%fe=1",
    ];

    private IEnumerable<HttpRequestMessage> Attacks(Guid victim, Guid attacker, Random random)
    {
        var victimToken = TestTokens.For(victim, role: "member");
        var tokens = new[]
        {
            null, "", "Bearer", "Bearer ", "Basic YWRtaW46YWRtaW4=", "Bearer " + TestTokens.Unsigned(victim),
            "Bearer " + TestTokens.For(victim, key: "forged-key-forged-key-forged-key-0000"),
            "Bearer " + TestTokens.For(victim, expires: DateTime.UtcNow.AddHours(-1), notBefore: DateTime.UtcNow.AddHours(-2)),
            "Bearer " + TestTokens.For(attacker), "Bearer " + TestTokens.For(attacker, role: "member"),
            "Bearer " + victimToken + "x", "Bearer " + new string('A', 10_000), "bearer " + TestTokens.For(attacker),
        };
        var signedBody = StripeEvents.Event("customer.subscription.updated",
            StripeEvents.Subscription(victim, "cus_victim", "sub_victim", "price_test_enterprise", DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddMonths(1)),
            DateTimeOffset.UtcNow);
        var signatures = new[]
        {
            null, "", "t=1,v1=00", "t=abc,v1=zz", StripeSigner.Header(signedBody, "whsec_forged", DateTimeOffset.UtcNow),
            StripeSigner.Header(signedBody, TestEnvironment.WebhookSecret, DateTimeOffset.UtcNow.AddHours(-1)), // a replay of an old delivery
            StripeSigner.Header(signedBody.Replace("enterprise", "pro"), TestEnvironment.WebhookSecret, DateTimeOffset.UtcNow), // signature of another body
            "t=" + new string('9', 500) + ",v1=" + new string('f', 64),
        };

        for (var i = 0; i < 260; i++)
        {
            var (method, path) = Routes[random.Next(Routes.Length)].Split(' ') switch { var p => (new HttpMethod(p[0]), p[1]) };
            var query = Queries[random.Next(Queries.Length)];
            var request = new HttpRequestMessage(method, $"/api/v1/billing/{path}{query}");
            if (method == HttpMethod.Post)
            {
                var body = path == "webhooks" && random.Next(3) == 0 ? signedBody : Bodies[random.Next(Bodies.Length)];
                request.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
                request.Content.Headers.TryAddWithoutValidation("Content-Type", random.Next(4) switch
                {
                    0 => "application/json", 1 => "text/plain", 2 => "application/json; charset=utf-16", _ => "multipart/form-data; boundary=x",
                });
            }
            if (tokens[random.Next(tokens.Length)] is { } token) request.Headers.TryAddWithoutValidation("Authorization", token);
            if (path == "webhooks" && signatures[random.Next(signatures.Length)] is { } signature) request.Headers.TryAddWithoutValidation("Stripe-Signature", signature);
            if (random.Next(5) == 0) request.Headers.TryAddWithoutValidation("Idempotency-Key", random.Next(3) switch { 0 => "", 1 => new string('k', 300), _ => "a b\tc" });
            if (random.Next(7) == 0) request.Headers.TryAddWithoutValidation("X-Forwarded-For", "127.0.0.1, 10.0.0.1");
            if (random.Next(7) == 0) request.Headers.TryAddWithoutValidation("X-Tenant-Id", victim.ToString());
            yield return request;
        }
    }

    [Fact]
    public async Task Hostile_requests_never_cause_a_500_and_never_touch_an_unauthorised_tenant()
    {
        var victim = Guid.NewGuid();
        var attacker = Guid.NewGuid();
        using var victimClient = Host.CreateClient();
        var admin = TestTokens.For(victim);
        await Api.JsonAsync(await victimClient.SendAsync(Api.Request(HttpMethod.Post, "/api/v1/billing/usage/shipments/consume", admin, """{"quantity":3}""")), HttpStatusCode.OK);
        var before = await SnapshotAsync(victim);

        var statuses = new List<HttpStatusCode>();
        foreach (var request in Attacks(victim, attacker, new Random(20261127)))
        {
            using var response = await Client.SendAsync(request);
            var body = await response.Content.ReadAsStringAsync();
            statuses.Add(response.StatusCode);

            Assert.True((int)response.StatusCode < 500, $"{request.Method} {request.RequestUri} answered {(int)response.StatusCode}: {body}");
            if ((int)response.StatusCode >= 400 && body.Length > 0)
            {
                Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
                using var problem = JsonDocument.Parse(body);
                Assert.True(problem.RootElement.TryGetProperty("code", out _), body);
                Assert.DoesNotContain("   at ", body); // no stack trace
                Assert.DoesNotContain(TestEnvironment.WebhookSecret, body);
            }
        }

        Assert.True(statuses.Count >= 200);
        Assert.Equal(before, await SnapshotAsync(victim));
    }

    /// <summary>Everything the victim tenant owns, as one string: its row, its usage, its consumptions.</summary>
    private Task<string?> SnapshotAsync(Guid tenant) => Db.ScalarAsync<string>(Env.SharedDatabase,
        """
        SELECT concat_ws('|',
            (SELECT row(plan_tier, subscription_status, stripe_customer_id, stripe_subscription_id, billing_period_start, billing_period_end)::text FROM tenants WHERE id = $1),
            (SELECT string_agg(row(period_start, shipments_count, escrows_count, api_calls_count)::text, ',') FROM usage_records WHERE tenant_id = $1),
            (SELECT count(*)::text FROM usage_consumptions WHERE tenant_id = $1))
        """, tenant);
}
