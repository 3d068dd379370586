using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Billing.Core.Identity;
using System.Globalization;
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

    public static readonly Guid DefaultTenant = Guid.Parse("11111111-1111-4111-8111-111111111111");

    /// <summary><c>token [--tenant UUID] [--role admin|member] [--hours N] [--settings PATH]</c>: prints one token.</summary>
    public static int Run(Arguments args, TextWriter output)
    {
        var tenant = DefaultTenant;
        if (args.Value("--tenant") is { } tenantText && !Guid.TryParseExact(tenantText, "D", out tenant))
            throw new UsageException($"--tenant must be a UUID such as {DefaultTenant}, not '{tenantText}'");
        var role = args.Value("--role") ?? Roles.Admin;
        if (!Roles.Known.Contains(role))
            throw new UsageException($"--role must be one of {string.Join(", ", Roles.Known)}, not '{role}'");
        var hours = 12;
        if (args.Value("--hours") is { } hoursText && (!int.TryParse(hoursText, NumberStyles.None, CultureInfo.InvariantCulture, out hours) || hours is < 1 or > 720))
            throw new UsageException($"--hours must be a whole number from 1 to 720, not '{hoursText}'");

        Arguments.RequireFile(args.Value("--settings"));
        var local = LocalSettings.Load(args.Value("--settings"));
        var settings = new ConfigurationBuilder().AddInMemoryCollection(local.Values).AddEnvironmentVariables().Build();
        if (string.IsNullOrEmpty(settings["AUTH_JWT_SIGNING_KEY"]))
            throw new UsageException("AUTH_JWT_SIGNING_KEY is not set (in --settings or the environment); a dev token needs it");
        output.WriteLine(Mint(settings, tenant, role, TimeSpan.FromHours(hours)));
        return 0;
    }
}
