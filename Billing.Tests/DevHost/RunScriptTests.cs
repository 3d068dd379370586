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
        // Short: PostgreSQL's socket lives in the cluster folder and a Unix socket path holds at most 107 bytes.
        var state = Path.Combine(Path.GetTempPath(), $"billing-run-{Guid.NewGuid().ToString("N")[..8]}");
        Directory.CreateDirectory(state);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(state, (UnixFileMode)0b111_101_101);
        var (pg, azurite, blobs) = (Ports.Free(), Ports.Free(), Ports.Free());
        // Output to files, not pipes: PostgreSQL and Azurite outlive the shell that starts them and would hold a pipe open.
        using var first = Bash($"exec >'{state}/first.log' 2>&1; source '{Script("services.sh")}' && claim_local_run '{state}' " +
                               $"&& start_postgres '{state}/pgdata' {pg} && start_azurite '{state}/azurite' {azurite} {blobs} && touch '{state}/ready' && exec sleep 600");
        try
        {
            Assert.True(await Eventually.TrueAsync(() => Task.FromResult(File.Exists(Path.Combine(state, "ready")) || first.HasExited), Deadline)
                        && !first.HasExited, "the first run did not start: " + File.ReadAllText(Path.Combine(state, "first.log")));

            using var second = Bash($"BILLING_LOCAL_STATE='{state}' BILLING_PG_PORT={pg} BILLING_AZURITE_PORT={azurite} BILLING_AZURITE_BLOB_PORT={blobs} BILLING_WEB_PORT={Ports.Free()} " +
                                    $"ASPNETCORE_URLS=http://127.0.0.1:{Ports.Free()} exec '{Script("run.sh")}' >'{state}/second.out' 2>'{state}/second.err'");
            using (var deadline = new CancellationTokenSource(Deadline))
            {
                try { await second.WaitForExitAsync(deadline.Token); }
                catch (OperationCanceledException) { second.Kill(entireProcessTree: true); }
            }
            var stderr = File.ReadAllText(Path.Combine(state, "second.err"));

            Assert.True(second.ExitCode == 1, $"run.sh exited {second.ExitCode} (first running: {!first.HasExited}, claim: " +
                $"{(File.Exists(Path.Combine(state, "run.pid")) ? File.ReadAllText(Path.Combine(state, "run.pid")).Trim() : "none")}, first: {first.Id}):\n{stderr}");
            var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            Assert.True(lines.Length == 1, $"expected one line, got:\n{stderr}");
            Assert.Contains("already running", lines[0]);
            Assert.Contains($"kill {first.Id}", lines[0]);
            Assert.Equal("", File.ReadAllText(Path.Combine(state, "second.out")));
            await using (var connection = new NpgsqlConnection($"Host=127.0.0.1;Port={pg};Database=billing;Username=postgres;Timeout=5"))
                await connection.OpenAsync(); // the first run's PostgreSQL still answers
            using (var client = new TcpClient())
                await client.ConnectAsync("127.0.0.1", azurite).WaitAsync(TimeSpan.FromSeconds(5)); // and its Azurite
            using (var client = new TcpClient())
                await client.ConnectAsync("127.0.0.1", blobs).WaitAsync(TimeSpan.FromSeconds(5)); // queues and blobs
        }
        finally
        {
            if (!first.HasExited) first.Kill(entireProcessTree: true);
            using var stop = Bash($"source '{Script("services.sh")}' && stop_azurite '{state}/azurite'; stop_postgres '{state}/pgdata'");
            await stop.WaitForExitAsync();
            try { Directory.Delete(state, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    private static string Script(string name) => RepoPaths.Of("scripts", name);

    private static Process Bash(string command)
    {
        var start = new ProcessStartInfo("bash", ["-c", command]);
        start.Environment.Remove("AZURITE_ACCOUNTS");
        return Process.Start(start)!;
    }
}
