namespace Billing.Tests.Infrastructure;

public static class RepoPaths
{
    /// <summary>The repository root: the folder that holds LogiNexus.Billing.sln, above the test binaries.</summary>
    public static string Root { get; } = FindRoot();

    public static string Of(params string[] parts) => Path.Combine([Root, .. parts]);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "LogiNexus.Billing.sln"))) return dir.FullName;
        throw new InvalidOperationException("LogiNexus.Billing.sln not found above " + AppContext.BaseDirectory);
    }
}
