namespace Billing.Tests.Infrastructure;

/// <summary>Tokens as the LogiNexus identity service would mint them, and the broken variants an attacker might send.</summary>
public static class TestTokens
{
    public const string Issuer = "loginexus-test";
    public const string Audience = "loginexus-billing-test";
    public const string SigningKey = "test-only-signing-key-0123456789-abcdefghijklmnop";

    public static string For(Guid tenantId, string role = "admin", string? issuer = null, string? audience = null,
        string? key = null, DateTime? expires = null, DateTime? notBefore = null, string? subject = "user-1")
    {
        var now = DateTime.UtcNow;
        var claims = new Dictionary<string, object> { ["tenant_id"] = tenantId.ToString(), ["role"] = role };
        if (subject is not null) claims["sub"] = subject;
        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = issuer ?? Issuer,
            Audience = audience ?? Audience,
            Claims = claims,
            IssuedAt = (notBefore ?? now).AddSeconds(-1),
            NotBefore = notBefore ?? now.AddSeconds(-1),
            Expires = expires ?? now.AddMinutes(10),
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(key ?? SigningKey)), SecurityAlgorithms.HmacSha256),
        };
        return new JsonWebTokenHandler().CreateToken(descriptor);
    }

    /// <summary>An unsigned token (<c>alg: none</c>) with otherwise perfect claims.</summary>
    public static string Unsigned(Guid tenantId)
    {
        static string B64(string json) => Base64UrlEncoder.Encode(Encoding.UTF8.GetBytes(json));
        var exp = DateTimeOffset.UtcNow.AddMinutes(10).ToUnixTimeSeconds();
        var payload = $$"""{"sub":"user-1","tenant_id":"{{tenantId}}","role":"admin","iss":"{{Issuer}}","aud":"{{Audience}}","exp":{{exp}}}""";
        return $"{B64("""{"alg":"none","typ":"JWT"}""")}.{B64(payload)}.";
    }
}
