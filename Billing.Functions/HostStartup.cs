using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Billing.Functions;

public static class HostStartup
{
    /// <summary>
    /// Runs the host, but turns a bad setting into one line on stderr that names it and exit code 2,
    /// instead of a stack trace an operator has to read at 3 a.m.
    /// </summary>
    public static void RunWithConfigurationCheck(this IHost host)
    {
        try
        {
            host.Run();
        }
        catch (Exception e) when (FindConfigurationError(e) is { } message)
        {
            Console.Error.WriteLine($"Configuration error: {message}");
            Environment.Exit(2);
        }
    }

    public static string? FindConfigurationError(Exception e) => e switch
    {
        OptionsValidationException v => string.Join("; ", v.Failures),
        InvalidOperationException { Message: var m } when m.StartsWith("Failed to convert configuration value", StringComparison.Ordinal) => m,
        AggregateException a => a.InnerExceptions.Select(FindConfigurationError).FirstOrDefault(m => m is not null),
        _ when e.InnerException is not null => FindConfigurationError(e.InnerException),
        _ => null,
    };
}
