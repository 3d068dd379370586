namespace Billing.Tests.Infrastructure;

/// <summary>
/// A PostgreSQL cluster or an Azurite of a drill's own, started and stopped with the same scripts/services.sh
/// that run.sh and test.sh use, so a drill can take it down without disturbing the rest of the suite.
/// </summary>
public sealed class LocalService(string kind, string directory, int port, int blobPort) : IAsyncDisposable
{
    private readonly string _kind = kind;

    public string Directory => directory;
    public int Port => port;

    /// <summary>Azurite's blob service (the claim check for large events); unused for PostgreSQL.</summary>
    public int BlobPort => blobPort;
    public bool Running { get; private set; }

    public string PostgresConnectionString => $"Host=127.0.0.1;Port={Port};Database=billing;Username=postgres;Timeout=3;Command Timeout=10";
    public string AzuriteConnectionString =>
        $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={Environment.GetEnvironmentVariable("BILLING_TEST_AZURITE_KEY")};QueueEndpoint=http://127.0.0.1:{Port}/devstoreaccount1;BlobEndpoint=http://127.0.0.1:{BlobPort}/devstoreaccount1;";

    public static Task<LocalService> PostgresAsync() => CreateAsync("postgres");

    public static Task<LocalService> AzuriteAsync() => CreateAsync("azurite");

    private static async Task<LocalService> CreateAsync(string kind)
    {
        var directory = Path.Combine(Path.GetTempPath(), $"billing-drill-{kind}-{Guid.NewGuid():N}");
        System.IO.Directory.CreateDirectory(directory);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(directory, (UnixFileMode)0b111_101_101);
        var service = new LocalService(kind, directory, Ports.Free(), Ports.Free());
        await service.StartAsync();
        return service;
    }

    public async Task StartAsync()
    {
        await ServicesAsync(_kind == "postgres" ? $"start_postgres '{Directory}/data' {Port}" : $"start_azurite '{Directory}' {Port} {BlobPort}");
        Running = true;
    }

    public async Task StopAsync()
    {
        await ServicesAsync(_kind == "postgres" ? $"stop_postgres '{Directory}/data'" : $"stop_azurite '{Directory}'");
        Running = false;
    }

    private static async Task ServicesAsync(string command)
    {
        var script = RepoPaths.Of("scripts", "services.sh");
        var start = new ProcessStartInfo("bash", ["-c", $"source '{script}' && {command}"]) { RedirectStandardError = true, RedirectStandardOutput = true };
        // Azurite's own default account, as run.sh uses it: this also proves services.sh knows its key.
        start.Environment.Remove("AZURITE_ACCOUNTS");
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"'{command}' failed: {await stderr}");
    }

    public async ValueTask DisposeAsync()
    {
        if (Running) await StopAsync();
        try { System.IO.Directory.Delete(Directory, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
