using Billing.Tests.Infrastructure;
using Npgsql;
using System.Diagnostics;
using System.Net.Sockets;

namespace Billing.Tests.DevHost;

/// <summary>
/// scripts/run.sh never stops what it did not start: a second run.sh while one runs on the same state folder refuses
/// with one line and leaves the first one's PostgreSQL and Azurite running. Real processes: the first run is
/// run.sh's own parts (services.sh: the claim, PostgreSQL, Azurite), the second is run.sh itself.
/// </summary>
public sealed class RunScriptTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task A_second_run_sh_refuses_with_one_line_and_leaves_the_first_runs_services_alone()
    {
        var state = Path.Combine(Environment.GetEnvironmentVariable("BILLING_TEST_SCRATCH") ?? Path.GetTempPath(), $"run-sh-{Guid.NewGuid():N}");
        Directory.CreateDirectory(state);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(state, (UnixFileMode)0b111_101_101);
        var (pg, azurite) = (Ports.Free(), Ports.Free());
        using var first = Bash($"claim_local_run '{state}' && start_postgres '{state}/pgdata' {pg} && start_azurite '{state}/azurite' {azurite} && echo ready && exec sleep 600");
        try
        {
            var ready = await first.StandardOutput.ReadLineAsync().WaitAsync(Deadline);
            Assert.True(ready == "ready", "the first run did not start: " + await first.StandardError.ReadToEndAsync());

            var second = await RunScriptAsync(state, pg, azurite);

            Assert.Equal(1, second.ExitCode);
            var lines = second.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            Assert.True(lines.Length == 1, $"expected one line, got:\n{second.Stderr}");
            Assert.Contains("already running", lines[0]);
            Assert.Contains($"kill {first.Id}", lines[0]);
            Assert.Equal("", second.Stdout);
            await using (var connection = new NpgsqlConnection($"Host=127.0.0.1;Port={pg};Database=billing;Username=postgres;Timeout=5"))
                await connection.OpenAsync(); // the first run's PostgreSQL still answers
            using (var client = new TcpClient())
                await client.ConnectAsync("127.0.0.1", azurite); // and its Azurite
        }
        finally
        {
            if (!first.HasExited) first.Kill(entireProcessTree: true);
            using var stop = Bash($"stop_azurite '{state}/azurite'; stop_postgres '{state}/pgdata'");
            await stop.WaitForExitAsync();
            try { Directory.Delete(state, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    private static Process Bash(string command)
    {
        var start = new ProcessStartInfo("bash", ["-c", $"source '{RepoPaths.Of("scripts", "services.sh")}' && {command}"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment.Remove("AZURITE_ACCOUNTS");
        return Process.Start(start)!;
    }

    private sealed record Run(int ExitCode, string Stdout, string Stderr);

    private static async Task<Run> RunScriptAsync(string state, int pg, int azurite)
    {
        var start = new ProcessStartInfo("bash", [RepoPaths.Of("scripts", "run.sh")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment =
            {
                ["BILLING_LOCAL_STATE"] = state,
                ["BILLING_PG_PORT"] = pg.ToString(),
                ["BILLING_AZURITE_PORT"] = azurite.ToString(),
                ["BILLING_WEB_PORT"] = Ports.Free().ToString(),
                ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{Ports.Free()}",
            },
        };
        start.Environment.Remove("AZURITE_ACCOUNTS");
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(Deadline);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
        return new Run(process.ExitCode, await stdout, await stderr);
    }
}
