using Microsoft.Extensions.Configuration;

namespace Billing.Core.Identity;

public sealed class AuthOptions
{
    [ConfigurationKeyName("AUTH_JWT_ISSUER")]
    public string Issuer { get; set; } = "";

    [ConfigurationKeyName("AUTH_JWT_AUDIENCE")]
    public string Audience { get; set; } = "";

    /// <summary>
    /// HS256 key shared with the LogiNexus identity service, or several comma-separated while it is rotated (a token
    /// signed with any of them is accepted); not needed when <see cref="Authority"/> is set.
    /// </summary>
    [ConfigurationKeyName("AUTH_JWT_SIGNING_KEY")]
    public string SigningKey { get; set; } = "";

    /// <summary>OpenID authority whose JWKS holds the RS256 keys; empty means HS256 with <see cref="SigningKey"/>.</summary>
    [ConfigurationKeyName("AUTH_JWT_AUTHORITY")]
    public string Authority { get; set; } = "";

    public const int MinimumKeyBytes = 32;

    public IReadOnlyList<string> SigningKeys =>
        SigningKey.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public bool HasValidSigningKeys =>
        SigningKeys.Count > 0 && SigningKeys.All(k => System.Text.Encoding.UTF8.GetByteCount(k) >= MinimumKeyBytes);

    /// <summary>
    /// Keys come from the authority's JWKS, so its address must be https: over http anyone on the path could hand
    /// us their own keys. The one exception is a loopback authority in Development (a local identity service).
    /// </summary>
    public static bool IsAllowedAuthority(string authority, bool isDevelopment) =>
        Uri.TryCreate(authority, UriKind.Absolute, out var uri) && uri.UserInfo.Length == 0 &&
        (uri.Scheme == Uri.UriSchemeHttps || (isDevelopment && uri.Scheme == Uri.UriSchemeHttp && uri.IsLoopback));
}
