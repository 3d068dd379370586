using Microsoft.Extensions.Configuration;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using System.Text;

namespace Billing.DevHost;

/// <summary>
/// Mints a token the way the LogiNexus identity service would, from the same settings DevHost reads.
/// For local development only: it needs the HS256 key, which a production deployment never shares.
/// </summary>
internal static class DevTokens
{
    public static string Mint(IConfiguration settings, Guid tenantId, string role, TimeSpan lifetime)
    {
        // During a rotation the setting holds "<new>,<old>": sign with the first, as the identity service then does.
        var key = settings["AUTH_JWT_SIGNING_KEY"]?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault();
        if (string.IsNullOrEmpty(key))
            throw new InvalidOperationException("AUTH_JWT_SIGNING_KEY is not set; a dev token needs it.");
        var now = DateTime.UtcNow;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = settings["AUTH_JWT_ISSUER"],
            Audience = settings["AUTH_JWT_AUDIENCE"],
            Claims = new Dictionary<string, object> { ["sub"] = "dev-user", ["tenant_id"] = tenantId.ToString(), ["role"] = role },
            IssuedAt = now,
            NotBefore = now,
            Expires = now.Add(lifetime),
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(key)), SecurityAlgorithms.HmacSha256),
        });
    }

    /// <summary><c>token [--tenant UUID] [--role admin|member] [--settings PATH]</c>: prints one token.</summary>
    public static int Run(string[] args)
    {
        string? Arg(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();
        var tenant = Guid.TryParse(Arg("--tenant"), out var t) ? t : Guid.Parse("11111111-1111-4111-8111-111111111111");
        var local = LocalSettings.Load(Arg("--settings"));
        var settings = new ConfigurationBuilder().AddInMemoryCollection(local.Values).AddEnvironmentVariables().Build();
        Console.WriteLine(Mint(settings, tenant, Arg("--role") ?? "admin", TimeSpan.FromHours(12)));
        return 0;
    }
}
