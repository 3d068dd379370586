using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Billing.Bench;

/// <summary>PostgreSQL, Azurite and DevHost processes for the bench, started with the repository's scripts/services.sh.</summary>
internal static class Services
{
    public static string Root { get; } = FindRoot();
    public const string AzuriteKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    public static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    public static async Task RunAsync(string command)
    {
        var start = new ProcessStartInfo("bash", ["-c", $"source '{Root}/scripts/services.sh' && {command}"]) { RedirectStandardError = true, RedirectStandardOutput = true };
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0) throw new InvalidOperationException($"{command}: {await stderr}");
    }

    /// <summary>The blob port of each Azurite the bench started, by its queue port.</summary>
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<int, int> BlobPorts = new();

    public static string AzuriteConnectionString(int port) =>
        $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={AzuriteKey};QueueEndpoint=http://127.0.0.1:{port}/devstoreaccount1;" +
        $"BlobEndpoint=http://127.0.0.1:{BlobPorts[port]}/devstoreaccount1;";

    /// <summary>A fresh Azurite (empty queues, and blobs for the claim check) on new ports: Azurite slows down as a queue fills.</summary>
    public static async Task<(int Port, string Dir)> StartAzuriteAsync(string stateDir)
    {
        var (port, blobPort) = (FreePort(), FreePort());
        var dir = Path.Combine(stateDir, $"azurite-{port}");
        await RunAsync($"start_azurite '{dir}' {port} {blobPort}");
        BlobPorts[port] = blobPort;
        return (port, dir);
    }

    public static Task StopAzuriteAsync(string dir) => RunAsync($"stop_azurite '{dir}'");

    public static Process StartDevHost(IReadOnlyDictionary<string, string> settings, int port)
    {
        var dll = Path.Combine(Root, "Billing.DevHost", "bin", "Release", "net10.0", "Billing.DevHost.dll");
        var start = new ProcessStartInfo("dotnet", [dll]) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Path.GetTempPath() };
        foreach (var (key, value) in settings) start.Environment[key] = value;
        start.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        if (Environment.GetEnvironmentVariable("BENCH_DEVHOST_GC") is { Length: > 0 } gc) start.Environment["DOTNET_gcServer"] = gc;
        // Where the time goes: BENCH_PERF=1 lets `perf` name DevHost's JIT-compiled frames (see Profile below).
        if (Environment.GetEnvironmentVariable("BENCH_PERF") == "1")
        {
            start.Environment["DOTNET_PerfMapEnabled"] = "1";
            start.Environment["DOTNET_EnableWriteXorExecute"] = "0";
        }
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, e) => { if (e.Data?.Contains("fail:") == true) Console.Error.WriteLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) Console.Error.WriteLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    public static async Task WaitForHttpAsync(HttpClient client, Process process)
    {
        for (var i = 0; i < 300; i++)
        {
            if (process.HasExited) throw new InvalidOperationException("DevHost exited during start-up.");
            try
            {
                using var response = await client.GetAsync("/api/v1/billing/plans");
                if (response.IsSuccessStatusCode) return;
            }
            catch (HttpRequestException) { }
            await Task.Delay(100);
        }
        throw new TimeoutException("DevHost did not answer in 30 s.");
    }

    /// <summary>
    /// With BENCH_PERF=1, samples <paramref name="process"/> with <c>perf record -g</c> for <paramref name="seconds"/> into
    /// bench/results/perf-&lt;name&gt;-&lt;time&gt;.data (read it with <c>perf report -i … --no-children</c>); otherwise nothing.
    /// </summary>
    public static Process? Profile(Process process, string name, int seconds)
    {
        if (Environment.GetEnvironmentVariable("BENCH_PERF") != "1") return null;
        var output = Path.Combine(Root, "bench", "results", $"perf-{name}-{DateTime.UtcNow:HHmmss}.data");
        Directory.CreateDirectory(Path.GetDirectoryName(output)!);
        Console.Error.WriteLine($"Profiling DevHost {process.Id} for {seconds} s into {output}");
        // BENCH_PERF_DELAY=s: start sampling that many seconds in, past the JIT's tiering of a fresh process.
        var delay = int.TryParse(Environment.GetEnvironmentVariable("BENCH_PERF_DELAY"), out var d) ? d : 0;
        return Process.Start(new ProcessStartInfo("perf", ["record", "-F", "499", "-g", "-D", (delay * 1000).ToString(), "-p", process.Id.ToString(), "-o", output, "--", "sleep", (seconds + delay).ToString()])
            { RedirectStandardError = true, RedirectStandardOutput = true });
    }

    /// <summary>CPU time (user + system) a process has used so far, from /proc (clock ticks of 10 ms).</summary>
    public static TimeSpan CpuTime(Process process)
    {
        var stat = File.ReadAllText($"/proc/{process.Id}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var ticks = long.Parse(fields[11]) + long.Parse(fields[12]); // utime, stime (fields 14 and 15 of the line)
        return TimeSpan.FromMilliseconds(ticks * 10);
    }

    /// <summary>Peak resident set (VmHWM) of a process, from /proc.</summary>
    public static long PeakWorkingSetBytes(Process process)
    {
        var line = File.ReadLines($"/proc/{process.Id}/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return line is null ? 0 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "LogiNexus.Billing.sln"))) return dir.FullName;
        throw new InvalidOperationException("Run the bench from inside the repository.");
    }
}
