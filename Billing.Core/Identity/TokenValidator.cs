using Billing.Core.Errors;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;
using System.Text;

namespace Billing.Core.Identity;

/// <summary>
/// Turns an <c>Authorization</c> header into a <see cref="Caller"/> (DESIGN.md section 5): signature, lifetime
/// with 2 minutes of skew, issuer, audience, and one allowed algorithm. Anything else is 401; the detail
/// never says which check failed beyond what helps an honest client.
/// </summary>
public sealed class TokenValidator
{
    private const int MaxHeaderLength = 8 * 1024;
    private const int MaxRemembered = 10_000;
    private static readonly TimeSpan RememberFor = TimeSpan.FromMinutes(5);

    // A token that validated once is the same token the next time: remembering it (never past its exp) spares
    // a signature check and claim parsing on every request of a client that reuses its token.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, (Caller Caller, DateTimeOffset Until)> _remembered = new(StringComparer.Ordinal);
    private readonly TimeProvider _clock;
    private readonly JsonWebTokenHandler _handler = new() { MapInboundClaims = false };
    private readonly TokenValidationParameters _parameters;
    private readonly ILogger<TokenValidator> _logger;

    public TokenValidator(IOptions<AuthOptions> options, TimeProvider clock, ILogger<TokenValidator> logger)
    {
        _logger = logger;
        _clock = clock;
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

        if (string.IsNullOrEmpty(auth.Authority))
        {
            _parameters.IssuerSigningKey = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(auth.SigningKey));
            _parameters.ValidAlgorithms = [SecurityAlgorithms.HmacSha256];
        }
        else
        {
            _parameters.ConfigurationManager = new ConfigurationManager<OpenIdConnectConfiguration>(
                auth.Authority.TrimEnd('/') + "/.well-known/openid-configuration",
                new OpenIdConnectConfigurationRetriever(),
                new HttpDocumentRetriever { RequireHttps = auth.Authority.StartsWith("https://", StringComparison.Ordinal) });
            _parameters.ValidAlgorithms = [SecurityAlgorithms.RsaSha256];
        }
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
        if (_remembered.TryGetValue(token, out var known) && known.Until > now)
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
        if (_remembered.Count >= MaxRemembered) _remembered.Clear();
        _remembered[token] = (caller, expires < now + RememberFor ? expires : now + RememberFor);
        return caller;
    }

    public static void Authorize(Caller caller, Access access)
    {
        if (access == Access.AdminOnly && !caller.IsAdmin)
            throw BillingException.Forbidden("This action needs the admin role.");
    }
}
