using System.Net.Sockets;

namespace Billing.Tests.DevHost;

/// <summary>Billing.DevHost as a command-line program: help, refused arguments, and one clear line when something outside it is wrong.</summary>
public sealed class DevHostCliTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);

    [Theory]
    [InlineData("--help", "Usage:")]
    [InlineData("-h", "Billing.DevHost token [options]")]
    [InlineData("token --help", "--tenant UUID")]
    [InlineData("replay-poison --help", "--max N")]
    [InlineData("reconcile --help", "Billing.DevHost reconcile [--settings PATH]")]
    [InlineData("stripe-setup --help", "Billing.DevHost stripe-setup --url URL [--dry-run] [--settings PATH]")]
    public async Task Help_is_printed_and_nothing_starts(string args, string expected)
    {
        var run = await RunAsync(args.Split(' '));

        Assert.Equal(0, run.ExitCode);
        Assert.Contains(expected, run.Stdout);
        Assert.DoesNotContain("Now listening", run.Stdout);
    }

    [Theory]
    [InlineData("token --tenant nope", "--tenant must be a UUID")]
    [InlineData("token --tenant 42", "--tenant must be a UUID")]
    [InlineData("token --role boss", "--role must be one of admin, member")]
    [InlineData("token --hours 0", "--hours must be a whole number from 1 to 720")]
    [InlineData("token --tenant", "--tenant needs a value")]
    [InlineData("--bogus", "unknown option '--bogus'")]
    [InlineData("frobnicate", "unknown command 'frobnicate'")]
    [InlineData("replay-poison --max lots", "--max must be a whole number")]
    public async Task Bad_arguments_are_refused_with_one_line_and_exit_2(string args, string expected)
    {
        var run = await RunAsync(args.Split(' '));

        Assert.Equal(2, run.ExitCode);
        Assert.Equal("", run.Stdout);
        Assert.Contains(expected, OneLine(run.Stderr));
    }

    [Fact]
    public async Task Token_for_a_tenant_and_role_is_accepted_by_the_api()
    {
        var env = await TestEnvironment.GetAsync();
        var settings = await TestHost.WriteSettingsAsync(env.Settings());
        var tenant = Guid.NewGuid();

        var run = await RunAsync(["token", "--tenant", tenant.ToString(), "--role", "member", "--settings", settings]);

        Assert.Equal(0, run.ExitCode);
        using var client = (await env.HostAsync()).CreateClient();
        var response = await client.SendAsync(Api.Request(HttpMethod.Get, "/api/v1/billing/usage", run.Stdout.Trim()));
        await Api.ProblemAsync(response, HttpStatusCode.Forbidden, "forbidden"); // a member: authenticated, not an admin
    }

    [Fact]
    public async Task PostgreSQL_unreachable_is_one_line_naming_BILLING_DATABASE()
    {
        var env = await TestEnvironment.GetAsync();
        var settings = env.Settings();
        settings["BILLING_DATABASE"] = $"Host=127.0.0.1;Port={ClosedPort()};Database=billing;Username=postgres;Password=not-shown";

        var run = await RunHostAsync(settings);

        Assert.Equal(1, run.ExitCode);
        var line = OneLine(run.Stderr);
        Assert.Contains("BILLING_DATABASE", line);
        Assert.DoesNotContain("not-shown", run.Stdout + run.Stderr);
        NoStackTraceOrFailLine(run);
    }

    [Fact]
    public async Task Queue_storage_unreachable_is_one_line_naming_AzureWebJobsStorage()
    {
        var env = await TestEnvironment.GetAsync();
        var settings = env.Settings();
        settings["AzureWebJobsStorage"] = env.StorageConnectionString.Replace(
            $"127.0.0.1:{Environment.GetEnvironmentVariable("BILLING_TEST_AZURITE_PORT")}", $"127.0.0.1:{ClosedPort()}");

        var run = await RunHostAsync(settings);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("AzureWebJobsStorage", OneLine(run.Stderr));
        NoStackTraceOrFailLine(run);
    }

    [Fact]
    public async Task Port_in_use_is_one_line_naming_ASPNETCORE_URLS()
    {
        var env = await TestEnvironment.GetAsync();
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;

        var run = await RunHostAsync(env.Settings(), $"http://127.0.0.1:{port}");

        Assert.Equal(1, run.ExitCode);
        var line = OneLine(run.Stderr);
        Assert.Contains($"127.0.0.1:{port}", line);
        Assert.Contains("ASPNETCORE_URLS", line);
        NoStackTraceOrFailLine(run);
    }

    [Fact]
    public async Task A_fresh_database_is_migrated_without_a_fail_line()
    {
        var env = await TestEnvironment.GetAsync();
        var settings = env.Settings(await env.CreateEmptyDatabaseAsync());
        settings["AzureWebJobsStorage"] = env.CreateStorageAccount();
        settings["DEVHOST_BACKGROUND_TRIGGERS"] = "false";

        var run = await RunHostAsync(settings, untilStdout: "Now listening on");

        Assert.Contains("Now listening on", run.Stdout);
        Assert.DoesNotContain("fail:", run.Stdout + run.Stderr);
        Assert.True(await Db.ScalarAsync<long>(settings["BILLING_DATABASE"]!, "SELECT count(*) FROM \"__EFMigrationsHistory\"") > 0);
    }

    [Fact]
    public async Task A_timer_schedule_setting_missing_at_start_is_one_line_naming_it()
    {
        var env = await TestEnvironment.GetAsync();
        var settings = env.Settings();
        settings.Remove("STRIPE_RECONCILE_SCHEDULE");

        var run = await RunHostAsync(settings);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("STRIPE_RECONCILE_SCHEDULE", OneLine(run.Stderr));
        NoStackTraceOrFailLine(run);
    }

    [Fact]
    public async Task An_empty_stripe_key_without_demo_mode_stops_the_host_with_one_line_naming_STRIPE_SECRET_KEY()
    {
        var env = await TestEnvironment.GetAsync();
        var settings = env.Settings();
        settings["STRIPE_SECRET_KEY"] = "";
        settings["DEMO_MODE"] = "false";

        var run = await RunHostAsync(settings);

        Assert.Equal(2, run.ExitCode);
        var line = OneLine(run.Stderr);
        Assert.Contains("STRIPE_SECRET_KEY", line);
        Assert.Contains("DEMO_MODE=true", line);
        NoStackTraceOrFailLine(run);
    }

    [Theory]
    [InlineData("AZURE_FUNCTIONS_ENVIRONMENT")]
    [InlineData("ASPNETCORE_ENVIRONMENT")]
    public async Task Demo_mode_in_the_production_environment_stops_the_host_with_one_line(string variable)
    {
        var env = await TestEnvironment.GetAsync();
        var settings = env.Settings();
        settings["DEMO_MODE"] = "true";

        var run = await RunHostAsync(settings, environment: new() { [variable] = "Production" });

        Assert.Equal(2, run.ExitCode);
        var line = OneLine(run.Stderr);
        Assert.Contains("DEMO_MODE", line);
        Assert.Contains("Production", line);
        NoStackTraceOrFailLine(run);
    }

    [Fact]
    public async Task DevHost_in_demo_mode_runs_and_reports_the_development_environment_as_func_start_does()
    {
        var env = await TestEnvironment.GetAsync();
        var settings = env.Settings();
        settings["STRIPE_SECRET_KEY"] = "";
        settings["DEMO_MODE"] = "true";
        settings["DEVHOST_BACKGROUND_TRIGGERS"] = "false"; // HTTP only: the run's shared queue storage is safe

        var run = await RunHostAsync(settings, untilStdout: "Content root path");

        Assert.Contains("Hosting environment: Development", run.Stdout);
        Assert.DoesNotContain("Production", run.Stdout);
    }

    [Fact]
    public async Task Settings_files_of_the_tests_are_written_to_the_runs_own_folder_which_test_sh_removes()
    {
        var env = await TestEnvironment.GetAsync();

        var path = await TestHost.WriteSettingsAsync(env.Settings());

        var scratch = Environment.GetEnvironmentVariable("BILLING_TEST_SCRATCH");
        Assert.False(string.IsNullOrEmpty(scratch), "scripts/test.sh sets BILLING_TEST_SCRATCH to a folder inside the run's state, which its cleanup removes");
        Assert.StartsWith(Path.GetFullPath(scratch!) + Path.DirectorySeparatorChar, Path.GetFullPath(path));
        Assert.Contains("rm -rf \"$STATE\"", File.ReadAllText(RepoPaths.Of("scripts", "test.sh")));
        Assert.Contains("BILLING_TEST_SCRATCH=\"$STATE/", File.ReadAllText(RepoPaths.Of("scripts", "test.sh")));
    }

    private static void NoStackTraceOrFailLine(Run run)
    {
        Assert.DoesNotContain("   at ", run.Stdout + run.Stderr);
        Assert.DoesNotContain("fail:", run.Stdout + run.Stderr);
    }

    private static string OneLine(string text)
    {
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.True(lines.Length == 1, $"expected one line, got:\n{text}");
        return lines[0];
    }

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port; // free again once disposed: nothing listens there
    }

    private static async Task<Run> RunHostAsync(Dictionary<string, string?> settings, string urls = "http://127.0.0.1:0", string? untilStdout = null,
        Dictionary<string, string?>? environment = null) =>
        await RunAsync(["--settings", await TestHost.WriteSettingsAsync(settings)], urls, untilStdout, environment);

    private sealed record Run(int? ExitCode, string Stdout, string Stderr);

    /// <summary>Runs DevHost as a process; with <paramref name="untilStdout"/>, stops it once that text appears.</summary>
    private static async Task<Run> RunAsync(string[] args, string urls = "http://127.0.0.1:0", string? untilStdout = null,
        Dictionary<string, string?>? environment = null)
    {
        var dll = new[] { "Release", "Debug" }
            .Select(c => RepoPaths.Of("Billing.DevHost", "bin", c, "net10.0", "Billing.DevHost.dll"))
            .First(File.Exists);
        var start = new ProcessStartInfo("dotnet", [dll, .. args])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetTempPath(),
            Environment = { ["ASPNETCORE_URLS"] = urls },
        };
        foreach (var (name, value) in environment ?? []) start.Environment[name] = value;
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (stdout) stdout.AppendLine(e.Data);
            if (untilStdout is not null && e.Data.Contains(untilStdout)) seen.TrySetResult();
        };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (stderr) stderr.AppendLine(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var deadline = new CancellationTokenSource(Deadline);
        try
        {
            await Task.WhenAny(process.WaitForExitAsync(deadline.Token), seen.Task.WaitAsync(deadline.Token));
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }
        }
        process.WaitForExit(); // flushes the redirected streams
        int? exit = untilStdout is null ? process.ExitCode : null;
        Assert.True(untilStdout is not null || !deadline.IsCancellationRequested, $"DevHost did not exit within {Deadline}:\n{stdout}\n{stderr}");
        lock (stdout) lock (stderr) return new Run(exit, stdout.ToString(), stderr.ToString());
    }
}
