using Microsoft.Extensions.Configuration;

namespace Billing.Core.Identity;

public sealed class AuthOptions
{
    [ConfigurationKeyName("AUTH_JWT_ISSUER")]
    public string Issuer { get; set; } = "";

    [ConfigurationKeyName("AUTH_JWT_AUDIENCE")]
    public string Audience { get; set; } = "";

    /// <summary>HS256 key shared with the LogiNexus identity service; not needed when <see cref="Authority"/> is set.</summary>
    [ConfigurationKeyName("AUTH_JWT_SIGNING_KEY")]
    public string SigningKey { get; set; } = "";

    /// <summary>OpenID authority whose JWKS holds the RS256 keys; empty means HS256 with <see cref="SigningKey"/>.</summary>
    [ConfigurationKeyName("AUTH_JWT_AUTHORITY")]
    public string Authority { get; set; } = "";

    public const int MinimumKeyBytes = 32;
}
