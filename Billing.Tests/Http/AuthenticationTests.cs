namespace Billing.Tests.Http;

/// <summary>The identity rules (docs/api.md#identity) over real HTTP: who may call what, and whose data they see.</summary>
public sealed class AuthenticationTests(DefaultHost fixture) : IClassFixture<DefaultHost>, IDisposable
{
    private readonly HttpClient _client = fixture.Host.CreateClient();

    public void Dispose() => _client.Dispose();

    public static TheoryData<string, string> BadTokens()
    {
        var tenant = Guid.NewGuid();
        return new TheoryData<string, string>
        {
            { "missing", "" },
            { "expired", TestTokens.For(tenant, expires: DateTime.UtcNow.AddMinutes(-3), notBefore: DateTime.UtcNow.AddMinutes(-10)) },
            // Minted when the tests are discovered, possibly minutes before this one runs: far enough ahead to stay not yet valid.
            { "not yet valid", TestTokens.For(tenant, notBefore: DateTime.UtcNow.AddHours(6), expires: DateTime.UtcNow.AddHours(7)) },
            { "wrong issuer", TestTokens.For(tenant, issuer: "someone-else") },
            { "wrong audience", TestTokens.For(tenant, audience: "another-service") },
            { "wrong key", TestTokens.For(tenant, key: "an-attackers-signing-key-0123456789-abcdef") },
            { "alg none", TestTokens.Unsigned(tenant) },
            { "garbage", "not.a.jwt" },
            { "no sub", TestTokens.For(tenant, subject: null) },
        };
    }

    [Theory]
    [MemberData(nameof(BadTokens))]
    public async Task Invalid_token_is_401(string why, string token)
    {
        foreach (var (method, path) in new[] { (HttpMethod.Get, "subscription"), (HttpMethod.Get, "usage"), (HttpMethod.Post, "usage/shipments/consume"), (HttpMethod.Post, "usage/shipments/release") })
        {
            var response = await _client.SendAsync(Api.Request(method, $"/api/v1/billing/{path}", token.Length == 0 ? null : token));
            await Api.ProblemAsync(response, HttpStatusCode.Unauthorized, "unauthorized");
            Assert.True(response.Headers.WwwAuthenticate.Count > 0, why);
        }
    }

    [Fact]
    public async Task Token_without_a_uuid_tenant_is_401()
    {
        var token = TestTokens.For(Guid.Empty);
        await Api.ProblemAsync(await _client.SendAsync(Api.Request(HttpMethod.Get, "/api/v1/billing/usage", token)),
            HttpStatusCode.Unauthorized, "unauthorized");
    }

    [Theory]
    [InlineData("subscription")]
    [InlineData("usage")]
    public async Task Member_is_forbidden_on_admin_endpoints(string path)
    {
        var token = TestTokens.For(Guid.NewGuid(), role: "member");
        await Api.ProblemAsync(await _client.SendAsync(Api.Request(HttpMethod.Get, $"/api/v1/billing/{path}", token)),
            HttpStatusCode.Forbidden, "forbidden");
    }

    [Fact]
    public async Task Tenant_never_sees_another_tenants_usage()
    {
        var (a, b) = (Guid.NewGuid(), Guid.NewGuid());
        // Tenant A consumes; a query string naming B must not redirect the write.
        await Api.JsonAsync(await _client.SendAsync(Api.Request(HttpMethod.Post,
            $"/api/v1/billing/usage/shipments/consume?tenant_id={b}", TestTokens.For(a), """{"quantity":9}""")), HttpStatusCode.OK);

        var usageA = await Api.JsonAsync(await _client.SendAsync(Api.Request(HttpMethod.Get, $"/api/v1/billing/usage?tenant_id={b}", TestTokens.For(a))), HttpStatusCode.OK);
        var usageB = await Api.JsonAsync(await _client.SendAsync(Api.Request(HttpMethod.Get, $"/api/v1/billing/usage?tenant_id={a}", TestTokens.For(b))), HttpStatusCode.OK);
        var subscriptionB = await Api.JsonAsync(await _client.SendAsync(Api.Request(HttpMethod.Get, $"/api/v1/billing/subscription?tenant_id={a}", TestTokens.For(b))), HttpStatusCode.OK);

        Assert.Equal(9, usageA.GetProperty("usage").GetProperty("shipments").GetProperty("used").GetInt64());
        Assert.Equal(0, usageB.GetProperty("usage").GetProperty("shipments").GetProperty("used").GetInt64());
        Assert.Equal(b, subscriptionB.GetProperty("tenant_id").GetGuid());
    }

    [Fact]
    public async Task Body_cannot_name_a_tenant()
    {
        var (a, b) = (Guid.NewGuid(), Guid.NewGuid());
        var response = await _client.SendAsync(Api.Request(HttpMethod.Post, "/api/v1/billing/usage/shipments/consume",
            TestTokens.For(a), $$"""{"quantity":1,"tenant_id":"{{b}}"}"""));

        await Api.ProblemAsync(response, HttpStatusCode.BadRequest, "validation_failed");
    }
}
