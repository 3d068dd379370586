namespace Billing.Tests.Identity;

/// <summary>
/// AUTH_JWT_AUTHORITY down: no token can be checked, which is an outage of a dependency (503 auth_unavailable with
/// Retry-After), not a bug (500) and not the caller's fault (401). Over real HTTP, against a real authority process
/// that refuses connections or fails, and that the host uses again by itself once it answers.
/// </summary>
public sealed class AuthorityOutageTests
{
    private static readonly (HttpMethod Method, string Path, string? Body)[] Routes =
    [
        (HttpMethod.Get, "subscription", null), (HttpMethod.Get, "usage", null),
        (HttpMethod.Post, "usage/shipments/consume", """{"quantity":1}"""), (HttpMethod.Get, "invoices", null),
    ];

    [Fact]
    public async Task An_unreachable_authority_is_503_auth_unavailable_with_retry_after()
    {
        using var rsa = RSA.Create(2048);
        var host = await StartHostAsync(new Uri($"http://127.0.0.1:{Ports.Free()}"));
        using var client = host.CreateClient();

        foreach (var (method, path, body) in Routes)
            await AssertAuthUnavailableAsync(await client.SendAsync(Api.Request(method, $"/api/v1/billing/{path}", Rs256(rsa, Guid.NewGuid()), body)));
    }

    [Fact]
    public async Task A_failing_authority_is_503_auth_unavailable_and_its_return_is_picked_up_without_a_restart()
    {
        using var rsa = RSA.Create(2048);
        await using var authority = await FakeAuthority.StartAsync(rsa);
        var host = await StartHostAsync(authority.BaseAddress);
        using var client = host.CreateClient();
        var tenant = Guid.NewGuid();

        foreach (var (method, path, body) in Routes)
            await AssertAuthUnavailableAsync(await client.SendAsync(Api.Request(method, $"/api/v1/billing/{path}", Rs256(rsa, tenant), body)));

        authority.Answering = true;
        var response = await Eventually.ValueAsync(
            () => client.SendAsync(Api.Request(HttpMethod.Get, "/api/v1/billing/subscription", Rs256(rsa, tenant))),
            r => r.StatusCode == HttpStatusCode.OK, TimeSpan.FromSeconds(20));
        Assert.Equal(tenant.ToString(), (await Api.JsonAsync(response, HttpStatusCode.OK)).GetProperty("tenant_id").GetString());
    }

    private static async Task AssertAuthUnavailableAsync(HttpResponseMessage response)
    {
        var problem = await Api.ProblemAsync(response, HttpStatusCode.ServiceUnavailable, "auth_unavailable");
        var retryAfter = response.Headers.RetryAfter?.Delta;
        Assert.True(retryAfter >= TimeSpan.FromSeconds(1), $"Retry-After: {response.Headers.RetryAfter}");
        Assert.Equal((int)retryAfter!.Value.TotalSeconds, problem.GetProperty("retry_after").GetInt32());
    }

    /// <summary>A DevHost of its own (HTTP only, so it shares the run's queue storage safely) that takes RS256 tokens from <paramref name="authority"/>.</summary>
    private static async Task<TestHost> StartHostAsync(Uri authority)
    {
        var env = await TestEnvironment.GetAsync();
        var settings = env.Settings();
        settings["AUTH_JWT_AUTHORITY"] = authority.ToString();
        settings["AUTH_JWT_SIGNING_KEY"] = "";
        settings["DEVHOST_BACKGROUND_TRIGGERS"] = "false";
        return await TestHost.StartAsync(settings);
    }

    private static string Rs256(RSA rsa, Guid tenant) => new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
    {
        Issuer = TestTokens.Issuer,
        Audience = TestTokens.Audience,
        Claims = new Dictionary<string, object> { ["sub"] = "user-1", ["tenant_id"] = tenant.ToString(), ["role"] = "admin" },
        Expires = DateTime.UtcNow.AddMinutes(30),
        SigningCredentials = new SigningCredentials(new RsaSecurityKey(rsa) { KeyId = "k1" }, SecurityAlgorithms.RsaSha256),
    });

    /// <summary>An OpenID authority on loopback: 500 on everything until <see cref="Answering"/>, then its discovery document and JWKS.</summary>
    private sealed class FakeAuthority : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private readonly RSA _rsa;

        private FakeAuthority(WebApplication app, RSA rsa)
        {
            _app = app;
            _rsa = rsa;
        }

        public Uri BaseAddress { get; private set; } = null!;
        public volatile bool Answering;

        public static async Task<FakeAuthority> StartAsync(RSA rsa)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Logging.ClearProviders();
            var app = builder.Build();
            var authority = new FakeAuthority(app, rsa);
            app.Run(authority.HandleAsync);
            await app.StartAsync();
            authority.BaseAddress = new Uri(app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First());
            return authority;
        }

        private async Task HandleAsync(HttpContext context)
        {
            if (!Answering)
            {
                context.Response.StatusCode = StatusCodes.Status500InternalServerError;
                return;
            }
            var origin = BaseAddress.ToString().TrimEnd('/');
            if (context.Request.Path == "/.well-known/openid-configuration")
            {
                await context.Response.WriteAsJsonAsync(new Dictionary<string, object> { ["issuer"] = TestTokens.Issuer, ["jwks_uri"] = $"{origin}/jwks" });
                return;
            }
            var key = JsonWebKeyConverter.ConvertFromRSASecurityKey(new RsaSecurityKey(_rsa.ExportParameters(false)) { KeyId = "k1" });
            await context.Response.WriteAsJsonAsync(new Dictionary<string, object>
            {
                ["keys"] = new[] { new Dictionary<string, string> { ["kty"] = "RSA", ["kid"] = "k1", ["use"] = "sig", ["n"] = key.N, ["e"] = key.E } },
            });
        }

        public async ValueTask DisposeAsync() => await _app.DisposeAsync();
    }
}
