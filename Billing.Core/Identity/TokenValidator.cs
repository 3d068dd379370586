using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;
using System.Text;

namespace Billing.Core.Identity;

/// <summary>
/// Turns an <c>Authorization</c> header into a <see cref="Caller"/> (docs/api.md#identity): signature, lifetime
/// with 2 minutes of skew, issuer, audience, and one allowed algorithm. Anything else is 401; the detail
/// never says which check failed beyond what helps an honest client.
/// </summary>
public sealed class TokenValidator
{
    private const int MaxHeaderLength = 8 * 1024;
    private const int MaxRemembered = 10_000;
    private static readonly TimeSpan RememberFor = TimeSpan.FromMinutes(5);

    /// <summary>How soon a caller may try again while the authority cannot be reached; the keys are fetched again on the next request.</summary>
    public static readonly TimeSpan AuthorityRetryAfter = TimeSpan.FromSeconds(10);

    /// <summary>
    /// One fetch of the authority's discovery document or JWKS; IdentityModel's default client would wait 100 s, far
    /// longer than any caller.
    /// </summary>
    public static readonly TimeSpan AuthorityTimeout = TimeSpan.FromSeconds(10);

    // A token that validated once is the same token the next time: remembering it (never past its exp) spares
    // a signature check and claim parsing on every request of a client that reuses its token (0.4 µs instead of
    // about 40 µs a call, and half the CPU of an authenticated GET /usage: bench/RESULTS.md). What is remembered
    // belongs to one key set: when the keys change (a JWKS refresh, or a rotated AUTH_JWT_SIGNING_KEY after the
    // restart that reads it) everything is forgotten, so no validation outlives the key that signed its token.
    private Remembered _remembered = new("", new(StringComparer.Ordinal));
    private readonly TimeProvider _clock;
    private readonly JsonWebTokenHandler _handler = new() { MapInboundClaims = false };
    private readonly TokenValidationParameters _parameters;
    private readonly BaseConfigurationManager? _authority;
    private readonly ILogger<TokenValidator> _logger;

    private sealed record Remembered(string KeySet, System.Collections.Concurrent.ConcurrentDictionary<string, (Caller Caller, DateTimeOffset Until)> Tokens);

    public TokenValidator(IOptions<AuthOptions> options, TimeProvider clock, ILogger<TokenValidator> logger)
        : this(options, clock, logger, CreateAuthority(options.Value))
    {
    }

    /// <summary>With the authority's configuration manager given (tests hand in one whose keys they change).</summary>
    internal TokenValidator(IOptions<AuthOptions> options, TimeProvider clock, ILogger<TokenValidator> logger,
        BaseConfigurationManager? authority)
    {
        _logger = logger;
        _clock = clock;
        _authority = authority;
        var auth = options.Value;
        _parameters = new TokenValidationParameters
        {
            ValidIssuer = auth.Issuer,
            ValidAudience = auth.Audience,
            ValidateIssuer = true,
            ValidateAudience = true,
            ValidateLifetime = true,
            RequireExpirationTime = true,
            RequireSignedTokens = true,
            ValidateIssuerSigningKey = true,
            ClockSkew = TimeSpan.FromMinutes(2),
        };

        if (authority is null)
        {
            // Every configured key is tried (tokens carry no kid), so old and new tokens both pass during a rotation.
            _parameters.IssuerSigningKeys = auth.SigningKeys.Select(k => new SymmetricSecurityKey(Encoding.UTF8.GetBytes(k))).ToList();
            _parameters.ValidAlgorithms = [SecurityAlgorithms.HmacSha256];
        }
        else
        {
            // IdentityModel would otherwise retry a token that fails against the refreshed keys with the "last known
            // good" configuration, accepting a retired key for up to an hour more.
            authority.UseLastKnownGoodConfiguration = false;
            _parameters.ConfigurationManager = authority;
            _parameters.ValidAlgorithms = [SecurityAlgorithms.RsaSha256];
        }
    }

    private static ConfigurationManager<OpenIdConnectConfiguration>? CreateAuthority(AuthOptions auth) =>
        string.IsNullOrEmpty(auth.Authority) ? null : new ConfigurationManager<OpenIdConnectConfiguration>(
            auth.Authority.TrimEnd('/') + "/.well-known/openid-configuration",
            new OpenIdConnectConfigurationRetriever(),
            // Start-up allows http only for a loopback authority in Development (AuthOptions.IsAllowedAuthority).
            new HttpDocumentRetriever(new HttpClient { Timeout = AuthorityTimeout }) { RequireHttps = auth.Authority.StartsWith("https://", StringComparison.Ordinal) });

    /// <summary>What is remembered now: emptied first if the signing keys are no longer the ones it was remembered under.</summary>
    private async Task<System.Collections.Concurrent.ConcurrentDictionary<string, (Caller Caller, DateTimeOffset Until)>> RememberedAsync()
    {
        var keys = _authority is null ? _parameters.IssuerSigningKeys : (await AuthorityConfigurationAsync()).SigningKeys;
        var keySet = KeySet(keys);
        var current = _remembered;
        if (current.KeySet == keySet) return current.Tokens;
        if (current.Tokens.Count > 0)
            _logger.LogInformation("Signing keys changed; forgetting {Count} remembered token validations", current.Tokens.Count);
        var fresh = new Remembered(keySet, new(StringComparer.Ordinal));
        Interlocked.CompareExchange(ref _remembered, fresh, current);
        return _remembered.Tokens;
    }

    /// <summary>
    /// The authority's keys. Without them no token can be checked, which is an outage of a dependency (503
    /// <c>auth_unavailable</c>), not the caller's fault (401) nor a bug (500). Once fetched, they are kept while the
    /// authority is down (IdentityModel refreshes in the background); until then every request tries again.
    /// </summary>
    private async Task<BaseConfiguration> AuthorityConfigurationAsync()
    {
        try
        {
            return await _authority!.GetBaseConfigurationAsync(CancellationToken.None);
        }
        catch (Exception e) // IdentityModel wraps every failure (refused, timeout, 5xx, bad document) in IDX20803
        {
            throw BillingException.Unavailable("auth_unavailable",
                "The identity provider is unavailable, so the bearer token cannot be checked. Try again shortly.", AuthorityRetryAfter, e);
        }
    }

    // The configuration manager hands back the same collection until it refreshes, so the fingerprint is
    // recomputed only when the collection (or its count) changes. One reference, so threads never see half of it.
    private sealed record Fingerprint(object Keys, int Count, string KeySet);
    private Fingerprint? _lastKeySet;

    private string KeySet(IEnumerable<SecurityKey> keys)
    {
        var last = _lastKeySet;
        var count = keys.Count();
        if (last is not null && ReferenceEquals(last.Keys, keys) && last.Count == count) return last.KeySet;
        var keySet = string.Join(",", keys.Select(k => k.CanComputeJwkThumbprint() ? Base64UrlEncoder.Encode(k.ComputeJwkThumbprint()) : k.KeyId ?? "?")
            .Order(StringComparer.Ordinal));
        _lastKeySet = new Fingerprint(keys, count, keySet);
        return keySet;
    }

    public async Task<Caller> AuthenticateAsync(string? authorizationHeader)
    {
        const string scheme = "Bearer ";
        if (string.IsNullOrEmpty(authorizationHeader) ||
            authorizationHeader.Length > MaxHeaderLength ||
            !authorizationHeader.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
        {
            throw BillingException.Unauthorized("A bearer token is required.");
        }

        var token = authorizationHeader[scheme.Length..].Trim();
        var now = _clock.GetUtcNow();
        var remembered = await RememberedAsync();
        if (remembered.TryGetValue(token, out var known) && known.Until > now)
            return known.Caller;

        var result = await _handler.ValidateTokenAsync(token, _parameters);
        if (!result.IsValid)
        {
            _logger.LogInformation("Rejected bearer token: {Reason}", result.Exception?.GetType().Name ?? "invalid");
            throw BillingException.Unauthorized("The bearer token is invalid or expired.");
        }

        var claims = result.Claims;
        var userId = claims.TryGetValue("sub", out var sub) ? sub as string : null;
        var role = claims.TryGetValue("role", out var r) ? r as string : null;
        var tenantText = claims.TryGetValue("tenant_id", out var t) ? t as string : null;
        if (string.IsNullOrEmpty(userId) || string.IsNullOrEmpty(role) ||
            !Guid.TryParseExact(tenantText, "D", out var tenantId) || tenantId == Guid.Empty)
        {
            throw BillingException.Unauthorized("The bearer token lacks sub, role or a tenant_id UUID.");
        }

        var caller = new Caller(userId, tenantId, role);
        var expires = new DateTimeOffset(DateTime.SpecifyKind(result.SecurityToken.ValidTo, DateTimeKind.Utc));
        if (remembered.Count >= MaxRemembered) remembered.Clear();
        remembered[token] = (caller, expires < now + RememberFor ? expires : now + RememberFor);
        return caller;
    }

    public static void Authorize(Caller caller, Access access)
    {
        if (access == Access.AdminOnly && !caller.IsAdmin)
            throw BillingException.Forbidden("This action needs the admin role.");
    }
}
