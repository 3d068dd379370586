namespace Billing.Core.Identity;

/// <summary>Who is calling, as the verified token says. The tenant never comes from anywhere else.</summary>
public sealed record Caller(string UserId, Guid TenantId, string Role)
{
    public bool IsAdmin => Role == Roles.Admin;
}

public static class Roles
{
    public const string Admin = "admin";
    public const string Member = "member";

    /// <summary>The roles the LogiNexus identity service issues (DevHost's dev tokens accept only these).</summary>
    public static IReadOnlyList<string> Known { get; } = [Admin, Member];
}

public enum Access
{
    /// <summary>Any authenticated member of the tenant.</summary>
    AnyRole,
    AdminOnly,
}
