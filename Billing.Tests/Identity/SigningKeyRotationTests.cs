using Billing.Core.Identity;
using Billing.Functions;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;

namespace Billing.Tests.Identity;

/// <summary>
/// Rotating the token keys without logging everyone out, and without trusting a retired key a moment longer:
/// several HS256 keys at once, remembered validations forgotten when the key set changes, an https authority.
/// </summary>
public sealed class SigningKeyRotationTests
{
    private const string OldKey = "old-test-only-signing-key-0123456789-abcdefghij";
    private const string NewKey = "new-test-only-signing-key-0123456789-abcdefghij";

    private static AuthOptions Options(string signingKey = "", string authority = "") => new()
    {
        Issuer = TestTokens.Issuer, Audience = TestTokens.Audience, SigningKey = signingKey, Authority = authority,
    };

    [Fact]
    public async Task Tokens_signed_with_any_configured_key_are_accepted_while_rotating()
    {
        var tokens = new TokenValidator(Microsoft.Extensions.Options.Options.Create(Options($"{NewKey}, {OldKey}")), TimeProvider.System, NullLogger<TokenValidator>.Instance);
        var tenant = Guid.NewGuid();

        Assert.Equal(tenant, (await tokens.AuthenticateAsync("Bearer " + TestTokens.For(tenant, key: NewKey))).TenantId);
        Assert.Equal(tenant, (await tokens.AuthenticateAsync("Bearer " + TestTokens.For(tenant, key: OldKey))).TenantId);
        var other = await Assert.ThrowsAsync<BillingException>(() => tokens.AuthenticateAsync("Bearer " + TestTokens.For(tenant, key: TestTokens.SigningKey)));
        Assert.Equal(ErrorKind.Unauthorized, other.Kind);
    }

    [Fact]
    public async Task A_remembered_validation_is_forgotten_when_the_authority_drops_the_key_that_signed_it()
    {
        using var oldRsa = RSA.Create(2048);
        using var newRsa = RSA.Create(2048);
        var authority = new FakeAuthority(Key(oldRsa, "old"), Key(newRsa, "new"));
        var tokens = new TokenValidator(Microsoft.Extensions.Options.Options.Create(Options(authority: "https://login.example")), TimeProvider.System,
            NullLogger<TokenValidator>.Instance, authority);
        var tenant = Guid.NewGuid();
        var signedWithOld = "Bearer " + Rs256(oldRsa, "old", tenant);
        var signedWithNew = "Bearer " + Rs256(newRsa, "new", tenant);

        Assert.Equal(tenant, (await tokens.AuthenticateAsync(signedWithOld)).TenantId); // now remembered until exp
        Assert.Equal(tenant, (await tokens.AuthenticateAsync(signedWithNew)).TenantId);
        authority.Keys = [Key(newRsa, "new")]; // the JWKS refresh that retires the old key

        var retired = await Assert.ThrowsAsync<BillingException>(() => tokens.AuthenticateAsync(signedWithOld));
        Assert.Equal(ErrorKind.Unauthorized, retired.Kind);
        Assert.Equal(tenant, (await tokens.AuthenticateAsync(signedWithNew)).TenantId);
    }

    [Theory]
    [InlineData("AUTH_JWT_SIGNING_KEY", "long-enough-test-only-signing-key-0123456789,short", "")]
    [InlineData("AUTH_JWT_SIGNING_KEY", " , ", "")]
    [InlineData("AUTH_JWT_AUTHORITY", "", "http://login.example")]
    [InlineData("AUTH_JWT_AUTHORITY", "", "http://127.0.0.1:5001")] // loopback, but not in Development
    [InlineData("AUTH_JWT_AUTHORITY", "", "login.example")]
    public void Bad_token_keys_or_authority_stop_the_worker_with_one_line_naming_the_setting(string setting, string key, string authority)
    {
        using var host = WorkerHost.Build(new Dictionary<string, string?>
        {
            ["AUTH_JWT_SIGNING_KEY"] = key, ["AUTH_JWT_AUTHORITY"] = authority, ["STRIPE_SECRET_KEY"] = "sk_test_key", ["DEMO_MODE"] = "false",
        }, "Production");

        var error = Assert.ThrowsAny<Exception>(() => host.Services.GetRequiredService<IStartupValidator>().Validate());

        var message = HostStartup.FindConfigurationError(error);
        Assert.NotNull(message);
        Assert.Contains(setting, message);
        Assert.DoesNotContain('\n', message);
    }

    [Theory]
    [InlineData("https://login.example", "Production")]
    [InlineData("http://127.0.0.1:5001", "Development")]
    [InlineData("http://localhost:5001/", "Development")]
    public void Https_authority_or_loopback_in_development_starts(string authority, string environmentName)
    {
        using var host = WorkerHost.Build(new Dictionary<string, string?>
        {
            ["AUTH_JWT_SIGNING_KEY"] = "", ["AUTH_JWT_AUTHORITY"] = authority, ["STRIPE_SECRET_KEY"] = "sk_test_key", ["DEMO_MODE"] = "false",
        }, environmentName);

        host.Services.GetRequiredService<IStartupValidator>().Validate();

        Assert.Equal(authority, host.Services.GetRequiredService<IOptions<AuthOptions>>().Value.Authority);
    }

    private static RsaSecurityKey Key(RSA rsa, string kid) => new(rsa.ExportParameters(false)) { KeyId = kid };

    private static string Rs256(RSA rsa, string kid, Guid tenant) => new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
    {
        Issuer = TestTokens.Issuer,
        Audience = TestTokens.Audience,
        Claims = new Dictionary<string, object> { ["sub"] = "user-1", ["tenant_id"] = tenant.ToString(), ["role"] = "admin" },
        Expires = DateTime.UtcNow.AddMinutes(30),
        SigningCredentials = new SigningCredentials(new RsaSecurityKey(rsa) { KeyId = kid }, SecurityAlgorithms.RsaSha256),
    });

    /// <summary>An OpenID authority whose JWKS the test changes, as a refresh from the real one would.</summary>
    private sealed class FakeAuthority(params SecurityKey[] keys) : BaseConfigurationManager
    {
        public SecurityKey[] Keys { get; set; } = keys;

        public override Task<BaseConfiguration> GetBaseConfigurationAsync(CancellationToken cancel)
        {
            var configuration = new OpenIdConnectConfiguration { Issuer = TestTokens.Issuer };
            foreach (var key in Keys) configuration.SigningKeys.Add(key);
            return Task.FromResult<BaseConfiguration>(configuration);
        }

        public override void RequestRefresh() { }
    }
}
