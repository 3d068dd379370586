using Azure.Storage.Queues;
using Billing.Bench;
using Billing.Core.Data;
using Billing.Core.Usage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;

using Npgsql;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

// LogiNexus Billing benchmarks: each scenario runs its baseline in the same run, interleaved
// (baseline, ours, baseline, ours, … 3 rounds) and reports medians and ratios. See bench/README.md.
var quick = args.Contains("--quick");
// --only=consume|storm|rollover runs one group of scenarios (the full run does all three).
var only = args.FirstOrDefault(a => a.StartsWith("--only=", StringComparison.Ordinal))?["--only=".Length..]
           ?? (args.Contains("--consume-only") ? "consume" : null);
bool Runs(string group) => only is null || only == group;
int Scale(int n) => quick ? Math.Max(100, n / 10) : n;
const int Rounds = 3;

var state = Directory.CreateTempSubdirectory("billing-bench-").FullName;
if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(state, (UnixFileMode)0b111_101_101);
var pgPort = Services.FreePort();
var pgDir = Path.Combine(state, "pgdata");
var processes = new List<Process>();
var azurites = new List<string>();
var results = new List<Dictionary<string, object>>();

void Report(string scenario, string metric, double ours, double baseline, string unit, string target, bool? met, Dictionary<string, object>? extra = null)
{
    var ratio = baseline == 0 ? double.NaN : ours / baseline;
    Console.WriteLine($"| {scenario,-24} | {metric,-22} | {ours,12:F1} | {baseline,12:F1} | {unit,-8} | {ratio,6:F2} | {target,-22} | {(met is null ? "" : met.Value ? "met" : "MISSED"),-6} |");
    var row = new Dictionary<string, object> { ["scenario"] = scenario, ["metric"] = metric, ["ours"] = ours, ["baseline"] = baseline, ["unit"] = unit, ["ratio"] = ratio, ["target"] = target, ["met"] = met?.ToString() ?? "" };
    foreach (var (k, v) in extra ?? []) row[k] = v;
    results.Add(row);
}

async Task WriteResultsAsync()
{
    var outDir = Path.Combine(Services.Root, "bench", "results");
    Directory.CreateDirectory(outDir);
    var file = Path.Combine(outDir, $"bench-{DateTime.UtcNow:yyyyMMdd-HHmmss}.json");
    await File.WriteAllTextAsync(file, JsonSerializer.Serialize(new { machine = new { Environment.ProcessorCount, os = Environment.OSVersion.ToString() }, quick, rounds = Rounds, args, results }, new JsonSerializerOptions { WriteIndented = true, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals }));
    Console.Error.WriteLine($"Wrote {file}");
}

try
{
    Console.Error.WriteLine($"Bench state in {state}; PostgreSQL with fsync and synchronous_commit on");
    await Services.RunAsync($"start_postgres '{pgDir}' {pgPort} durable");
    var database = $"Host=127.0.0.1;Port={pgPort};Database=billing;Username=postgres;Maximum Pool Size=100;No Reset On Close=true";
    await using (var db = new BillingDbContext(new DbContextOptionsBuilder<BillingDbContext>().UseNpgsql(database).UseSnakeCaseNamingConvention().Options))
        await db.Database.MigrateAsync();
    await using var dataSource = NpgsqlDataSource.Create(database);

    var signingKey = "bench-only-signing-key-0123456789-abcdefghijklmnop";
    var webhookSecret = "whsec_bench_only_not_a_secret";
    Dictionary<string, string> HostSettings(int azuritePort, bool triggers, string? db = null, string? stripeBase = null) => new()
    {
        ["BILLING_DATABASE"] = db ?? database,
        ["AzureWebJobsStorage"] = Services.AzuriteConnectionString(azuritePort),
        ["STRIPE_SECRET_KEY"] = "sk_test_bench_enforced_no_calls",
        ["STRIPE_API_BASE"] = stripeBase ?? "http://127.0.0.1:9",
        ["STRIPE_WEBHOOK_SECRET"] = webhookSecret,
        ["STRIPE_PRICE_PRO"] = "price_bench_pro",
        ["STRIPE_PRICE_ENTERPRISE"] = "price_bench_enterprise",
        ["BILLING_ENABLED"] = "true",
        ["DEMO_MODE"] = "false",
        ["FRONTEND_BASE_URL"] = "http://localhost:3000",
        ["AUTH_JWT_ISSUER"] = "bench",
        ["AUTH_JWT_AUDIENCE"] = "billing-bench",
        ["AUTH_JWT_SIGNING_KEY"] = signingKey,
        ["AUTH_JWT_AUTHORITY"] = "",
        ["USAGE_ROLLOVER_SCHEDULE"] = "0 0 0 1 1 *",
        ["STRIPE_RECONCILE_SCHEDULE"] = "0 0 0 1 1 *",
        ["WEBHOOK_PAYLOAD_SWEEP_SCHEDULE"] = "0 0 0 1 1 *",
        ["DEVHOST_BACKGROUND_TRIGGERS"] = triggers ? "true" : "false",
    };

    async Task<(Process Host, HttpClient Client, string AzuriteDir, int AzuritePort)> StartStackAsync(bool triggers, string? db = null, string? stripeBase = null)
    {
        var (azuritePort, azuriteDir) = await Services.StartAzuriteAsync(state);
        azurites.Add(azuriteDir);
        var port = Services.FreePort();
        var host = Services.StartDevHost(HostSettings(azuritePort, triggers, db, stripeBase), port);
        processes.Add(host);
        var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 512, PooledConnectionLifetime = TimeSpan.FromMinutes(10) })
        { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(60) };
        await Services.WaitForHttpAsync(client, host);
        return (host, client, azuriteDir, azuritePort);
    }

    async Task StopStackAsync((Process Host, HttpClient Client, string AzuriteDir, int AzuritePort) stack)
    {
        stack.Client.Dispose();
        stack.Host.Kill(entireProcessTree: true);
        await stack.Host.WaitForExitAsync();
        await Services.StopAzuriteAsync(stack.AzuriteDir);
    }

    var now = DateTimeOffset.UtcNow;
    var month = BillingPeriod.CalendarMonth(now);
    async Task<Guid[]> SeedTenantsAsync(int count, string plan, bool withUsage)
    {
        var ids = Enumerable.Range(0, count).Select(_ => Guid.NewGuid()).ToArray();
        await using var connection = await dataSource.OpenConnectionAsync();
        await using (var writer = await connection.BeginBinaryImportAsync(
            "COPY tenants (id, plan_tier, limits_tier, subscription_status, cancel_at_period_end, billing_period_start, billing_period_end, created_at, updated_at) FROM STDIN (FORMAT BINARY)"))
        {
            foreach (var id in ids)
            {
                await writer.StartRowAsync();
                await writer.WriteAsync(id); await writer.WriteAsync(plan); await writer.WriteAsync(plan); await writer.WriteAsync("active"); await writer.WriteAsync(false);
                await writer.WriteAsync(month.Start); await writer.WriteAsync(month.End); await writer.WriteAsync(now); await writer.WriteAsync(now);
            }
            await writer.CompleteAsync();
        }
        if (withUsage)
        {
            await using var insert = new NpgsqlCommand("""
                INSERT INTO usage_records (id, tenant_id, period_start, period_end, shipments_count, escrows_count, api_calls_count, created_at, updated_at)
                SELECT gen_random_uuid(), id, $2, $3, 0, 0, 0, now(), now() FROM unnest($1::uuid[]) id
                """, connection) { Parameters = { new() { Value = ids }, new() { Value = month.Start }, new() { Value = month.End } } };
            await insert.ExecuteNonQueryAsync();
        }
        return ids;
    }

    string Token(Guid tenant) => BenchTokens.Mint(signingKey, "bench", "billing-bench", tenant);

    async Task<bool> ConsumeHttpAsync(HttpClient client, string token, string resource)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/billing/usage/{resource}/consume") { Content = new StringContent("{\"quantity\":1}", Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await client.SendAsync(request);
        return response.IsSuccessStatusCode;
    }

    // One consume over HTTP with its answer: granted or not, and the count it answered (402 bodies carry it too).
    async Task<(bool Granted, long Used)> ConsumeAnswerAsync(HttpClient client, string token, string resource, int quantity, string? key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/billing/usage/{resource}/consume") { Content = new StringContent($"{{\"quantity\":{quantity}}}", Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (key is not null) request.Headers.Add("Idempotency-Key", key);
        using var response = await client.SendAsync(request);
        if (!response.IsSuccessStatusCode && (int)response.StatusCode != 402) return (false, -1);
        using var json = JsonDocument.Parse(await response.Content.ReadAsByteArrayAsync());
        return (response.IsSuccessStatusCode, json.RootElement.GetProperty("used").GetInt64());
    }

    async Task<bool> ReleaseHttpAsync(HttpClient client, string token, string resource, string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/billing/usage/{resource}/release");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        request.Headers.Add("Idempotency-Key", key);
        using var response = await client.SendAsync(request);
        return response.IsSuccessStatusCode;
    }

    // The bare path: the same conditional UPDATE, straight through Npgsql, no HTTP, JWT or JSON.
    async Task<bool> ConsumeBareAsync(Guid tenant, long limit, long quantity = 1)
    {
        await using var command = dataSource.CreateCommand("""
            UPDATE usage_records SET shipments_count = shipments_count + $3, updated_at = now()
             WHERE tenant_id = $1 AND period_start = $2 AND ($4 < 0 OR shipments_count + $3 <= $4)
            RETURNING shipments_count
            """);
        command.Parameters.Add(new() { Value = tenant });
        command.Parameters.Add(new() { Value = month.Start });
        command.Parameters.Add(new() { Value = quantity });
        command.Parameters.Add(new() { Value = limit });
        return await command.ExecuteScalarAsync() is long;
    }

    Console.WriteLine($"| {"scenario",-24} | {"metric",-22} | {"ours",12} | {"baseline",12} | {"unit",-8} | {"ratio",6} | {"target",-22} | {"",-6} |");
    Console.WriteLine($"|{new string('-', 26)}|{new string('-', 24)}|{new string('-', 14)}|{new string('-', 14)}|{new string('-', 10)}|{new string('-', 8)}|{new string('-', 24)}|{new string('-', 8)}|");

    double consumePeak = 0, ingestPeak = 0;
    if (Runs("consume"))
    {
    // 1-5: consume and release, on one DevHost process.
    var stack = await StartStackAsync(triggers: false);
    var tenants = await SeedTenantsAsync(32, "enterprise", withUsage: true);
    var tokens = tenants.Select(Token).ToArray();
    var hot = await SeedTenantsAsync(2, "enterprise", withUsage: true); // [0] ours, [1] bare
    var hotToken = Token(hot[0]);
    var saturationOps = Scale(12_000);
    var hotOps = Scale(12_000);
    await Measure.ClosedLoopAsync(32, Scale(3_000), c => ConsumeHttpAsync(stack.Client, tokens[c], "shipments"));
    await Measure.ClosedLoopAsync(32, Scale(3_000), c => ConsumeBareAsync(tenants[c], -1));
    await Measure.ClosedLoopAsync(64, Scale(3_000), _ => ConsumeHttpAsync(stack.Client, hotToken, "shipments"));
    if (args.Contains("--trace"))
    {
        // Where the time goes: a CPU-sampling trace of DevHost under the saturation load (needs dotnet-trace on PATH).
        var tracePath = Path.Combine(Services.Root, "bench", "results", $"devhost-{DateTime.UtcNow:HHmmss}.nettrace");
        Directory.CreateDirectory(Path.GetDirectoryName(tracePath)!);
        using var trace = Process.Start(new ProcessStartInfo("dotnet-trace", ["collect", "-p", stack.Host.Id.ToString(), "--profile", "dotnet-sampled-thread-time", "--duration", "00:00:00:08", "-o", tracePath]) { RedirectStandardOutput = true })!;
        var stop = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < stop) await Measure.ClosedLoopAsync(32, 2_000, c => ConsumeHttpAsync(stack.Client, tokens[c], "shipments"));
        await trace.WaitForExitAsync();
        Console.Error.WriteLine($"Trace: {tracePath}");
        return 0;
    }

    // Spread (32 clients on 32 tenants) and one hot tenant (64 clients), each next to its bare baseline, round by round.
    var bareRuns = new List<Run>();
    var oursRuns = new List<Run>();
    var bareHot = new List<Run>();
    var oursHot = new List<Run>();
    var hostCpuPerOp = new List<double>();
    var hotCpuPerOp = new List<double>();
    for (var round = 0; round < Rounds; round++)
    {
        bareRuns.Add(await Measure.ClosedLoopAsync(32, saturationOps, c => ConsumeBareAsync(tenants[c], -1)));
        var cpuBefore = Services.CpuTime(stack.Host);
        oursRuns.Add(await Measure.ClosedLoopAsync(32, saturationOps, c => ConsumeHttpAsync(stack.Client, tokens[c], "shipments")));
        hostCpuPerOp.Add((Services.CpuTime(stack.Host) - cpuBefore).TotalMicroseconds / saturationOps);

        bareHot.Add(await Measure.ClosedLoopAsync(64, hotOps, _ => ConsumeBareAsync(hot[1], -1)));
        cpuBefore = Services.CpuTime(stack.Host);
        oursHot.Add(await Measure.ClosedLoopAsync(64, hotOps, _ => ConsumeHttpAsync(stack.Client, hotToken, "shipments")));
        hotCpuPerOp.Add((Services.CpuTime(stack.Host) - cpuBefore).TotalMicroseconds / hotOps);
    }
    var bareMax = Measure.Median(bareRuns.Select(r => r.Throughput));
    var oursMax = Measure.Median(oursRuns.Select(r => r.Throughput));
    Report("consume spread 32x32", "throughput", oursMax, bareMax, "ops/s", "ours >= 1.0x bare", oursMax >= bareMax,
        new() { ["failures"] = oursRuns.Sum(r => r.Failures) + bareRuns.Sum(r => r.Failures), ["ours_rounds"] = oursRuns.Select(r => r.Throughput).ToArray(), ["bare_rounds"] = bareRuns.Select(r => r.Throughput).ToArray() });
    Report("consume spread 32x32", "p50", Measure.Median(oursRuns.Select(r => r.P50)), Measure.Median(bareRuns.Select(r => r.P50)), "ms", "", null);
    Report("consume spread 32x32", "p99", Measure.Median(oursRuns.Select(r => r.P99)), Measure.Median(bareRuns.Select(r => r.P99)), "ms", "", null);
    Report("consume spread 32x32", "DevHost CPU per op", Measure.Median(hostCpuPerOp), double.NaN, "us", "where the time goes", null);

    var oursHotTput = Measure.Median(oursHot.Select(r => r.Throughput));
    var bareHotTput = Measure.Median(bareHot.Select(r => r.Throughput));
    Report("consume hot tenant x64", "throughput", oursHotTput, bareHotTput, "ops/s", "ours > bare hot row", oursHotTput > bareHotTput,
        new() { ["failures"] = oursHot.Sum(r => r.Failures) + bareHot.Sum(r => r.Failures), ["ours_rounds"] = oursHot.Select(r => r.Throughput).ToArray(), ["bare_rounds"] = bareHot.Select(r => r.Throughput).ToArray() });
    Report("consume hot tenant x64", "vs our spread rate", oursHotTput, oursMax, "ops/s", "hot >= 0.8x our spread", oursHotTput >= 0.8 * oursMax);
    Report("consume hot tenant x64", "p99", Measure.Median(oursHot.Select(r => r.P99)), Measure.Median(bareHot.Select(r => r.P99)), "ms", "", null);
    Report("consume hot tenant x64", "DevHost CPU per op", Measure.Median(hotCpuPerOp), double.NaN, "us", "", null);

    // Open loop at 70 % of the bare maximum, the same rate for both.
    var ownRate = 0.7 * bareMax;
    var latencyOps = Scale(6_000);
    var bareOpen = new List<Run>();
    var oursOpen = new List<Run>();
    var next = 0;
    for (var round = 0; round < Rounds; round++)
    {
        bareOpen.Add(await Measure.OpenLoopAsync(ownRate, latencyOps, () => ConsumeBareAsync(tenants[Interlocked.Increment(ref next) % 32], -1)));
        oursOpen.Add(await Measure.OpenLoopAsync(ownRate, latencyOps, () => { var i = Interlocked.Increment(ref next) % 32; return ConsumeHttpAsync(stack.Client, tokens[i], "shipments"); }));
    }
    var oursP99 = Measure.Median(oursOpen.Select(r => r.P99));
    var bareP99 = Measure.Median(bareOpen.Select(r => r.P99));
    Report($"consume open loop {ownRate:F0}/s", "p99", oursP99, bareP99, "ms", "ours <= 1.0x bare p99", oursP99 <= bareP99,
        new() { ["ours_rounds"] = oursOpen.Select(r => r.P99).ToArray(), ["bare_rounds"] = bareOpen.Select(r => r.P99).ToArray() });
    Report($"consume open loop {ownRate:F0}/s", "p50", Measure.Median(oursOpen.Select(r => r.P50)), Measure.Median(bareOpen.Select(r => r.P50)), "ms", "", null);

    // Exactness under contention: 64 clients, 5000 attempts of 1-5 units against a limit of 1000 (free plan
    // api_calls). Checked from the answers: the grants, ordered by the count they answered, each add exactly
    // their quantity (a chain from 0); every refusal was decided at a count on that chain where its quantity
    // did not fit (else: an under-grant); the stored count is the end of the chain and at most the limit.
    var contended = (await SeedTenantsAsync(1, "free", withUsage: true))[0];
    var contendedToken = Token(contended);
    var answers = new System.Collections.Concurrent.ConcurrentBag<(int Quantity, bool Granted, long Used)>();
    var attempt = -1;
    await Measure.ClosedLoopAsync(64, 5_000, async _ =>
    {
        var quantity = 1 + Interlocked.Increment(ref attempt) % 5;
        var answer = await ConsumeAnswerAsync(stack.Client, contendedToken, "api_calls", quantity, null);
        answers.Add((quantity, answer.Granted, answer.Used));
        return answer.Granted;
    });
    var oursStored = await Scalar<long>(dataSource, "SELECT api_calls_count FROM usage_records WHERE tenant_id = $1", contended);
    var (chainEnd, brokenChain, underGrants) = CheckSequential(answers.ToArray(), 1_000);
    var oursGrantedUnits = answers.Where(a => a.Granted).Sum(a => (long)a.Quantity);
    var naiveTenant = (await SeedTenantsAsync(1, "free", withUsage: true))[0];
    var naive = await Measure.ClosedLoopAsync(64, 5_000, _ => NaiveConsume.TryAsync(dataSource, naiveTenant, month.Start, 1_000));
    var naiveGranted = 5_000 - naive.Failures;
    var naiveStored = await Scalar<long>(dataSource, "SELECT shipments_count FROM usage_records WHERE tenant_id = $1", naiveTenant);
    var exact = chainEnd == oursStored && oursGrantedUnits == oursStored && oursStored <= 1_000 && brokenChain == 0;
    Report("contention 64 x 5000", "overshoot (units)", Math.Max(0, oursStored - 1000), Math.Max(0, naiveGranted - 1000), "units", "ours 0", exact,
        new() { ["ours_granted_units"] = oursGrantedUnits, ["ours_stored"] = oursStored, ["chain_end"] = chainEnd, ["broken_chain"] = brokenChain, ["naive_granted"] = naiveGranted, ["naive_stored"] = naiveStored });
    Report("contention 64 x 5000", "under-grants", underGrants, double.NaN, "refusals", "ours 0", underGrants == 0,
        new() { ["refused"] = answers.Count(a => !a.Granted) });

    // Release: consume/release pairs (each consume keyed, then released with its key) from 16 clients; the count
    // must end where it began. Baseline: the same pairs as two bare UPDATEs.
    var pairs = Scale(10_000);
    var pairTenant = await SeedTenantsAsync(2, "pro", withUsage: true); // [0] ours, [1] bare
    var pairToken = Token(pairTenant[0]);
    var pairIndex = -1;
    var barePairs = await Measure.ClosedLoopAsync(16, pairs, async _ =>
    {
        var q = 1 + Interlocked.Increment(ref pairIndex) % 3;
        return await ConsumeBareAsync(pairTenant[1], 1_000, q) && await ConsumeBareAsync(pairTenant[1], -1, -q);
    });
    var oursPairs = await Measure.ClosedLoopAsync(16, pairs, async _ =>
    {
        var i = Interlocked.Increment(ref pairIndex);
        var key = $"pair-{i}";
        var consumed = await ConsumeAnswerAsync(stack.Client, pairToken, "shipments", 1 + i % 3, key);
        return consumed.Granted && await ReleaseHttpAsync(stack.Client, pairToken, "shipments", key);
    });
    var pairsEnd = await Scalar<long>(dataSource, "SELECT shipments_count FROM usage_records WHERE tenant_id = $1", pairTenant[0]);
    Report($"release {pairs} pairs x16", "pairs/s", oursPairs.Throughput, barePairs.Throughput, "pairs/s", "count ends where it began", pairsEnd == 0 && oursPairs.Failures == 0,
        new() { ["end_count"] = pairsEnd, ["failures"] = oursPairs.Failures });
    Report($"release {pairs} pairs x16", "count at end", pairsEnd, 0, "units", "0 (began at 0)", pairsEnd == 0);

    consumePeak = Services.PeakWorkingSetBytes(stack.Host) / (1024.0 * 1024.0);
    await StopStackAsync(stack);
    }

    if (Runs("storm"))
    {

    // 5: webhook ingest, a fresh Azurite for every run (it slows down as a queue fills).
    var ingestOps = Scale(8_000);
    var events = Enumerable.Range(0, ingestOps).Select(BenchTokens.InvoicePaid).ToArray();
    var bareIngest = new List<Run>();
    var oursIngest = new List<Run>();

    for (var round = 0; round < Rounds; round++)
    {
        var (rawPort, rawDir) = await Services.StartAzuriteAsync(state);
        azurites.Add(rawDir);
        var raw = new QueueClient(Services.AzuriteConnectionString(rawPort), "stripe-events", new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 });
        await raw.CreateIfNotExistsAsync();
        await raw.SendMessageAsync("warm-up");
        bareIngest.Add(await Measure.ClosedLoopAsync(16, ingestOps, async c => { await raw.SendMessageAsync(events[Random.Shared.Next(events.Length)]); return true; }));
        await Services.StopAzuriteAsync(rawDir);

        var ingest = await StartStackAsync(triggers: false);
        var sent = -1;
        async Task<bool> PostWebhook(HttpClient client)
        {
            var body = events[Interlocked.Increment(ref sent) % events.Length];
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/billing/webhooks") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
            request.Headers.TryAddWithoutValidation("Stripe-Signature", BenchTokens.StripeSignature(body, webhookSecret));
            using var response = await client.SendAsync(request);
            return response.IsSuccessStatusCode;
        }
        await Measure.ClosedLoopAsync(16, Scale(500), _ => PostWebhook(ingest.Client));
        oursIngest.Add(await Measure.ClosedLoopAsync(16, ingestOps, _ => PostWebhook(ingest.Client)));
        ingestPeak = Math.Max(ingestPeak, Services.PeakWorkingSetBytes(ingest.Host) / (1024.0 * 1024.0));
        await StopStackAsync(ingest);
    }
    var oursIngestTput = Measure.Median(oursIngest.Select(r => r.Throughput));
    var bareIngestTput = Measure.Median(bareIngest.Select(r => r.Throughput));
    Report("webhook ingest", "events/s", oursIngestTput, bareIngestTput, "ev/s", "ours >= 50% of raw", oursIngestTput >= 0.5 * bareIngestTput,
        new() { ["failures"] = oursIngest.Sum(r => r.Failures) });

    await RenewalStormAsync();
    }

    if (Runs("rollover"))
        await RolloverAsync();

    Report("memory", "DevHost peak RSS", Math.Max(consumePeak, ingestPeak), double.NaN, "MiB", "consume and ingest load", null,
        new() { ["consume_peak_mib"] = consumePeak, ["ingest_peak_mib"] = ingestPeak });

    await WriteResultsAsync();
    return 0;

    // The renewal storm: N tenants renew within a minute; the signed invoice.paid + customer.subscription.updated
    // pair of each goes through POST /webhooks in a shuffled order from 16 clients, with the queue trigger applying
    // as they come. Baseline: the same writes per event in one transaction through bare Npgsql, 16 clients.
    async Task RenewalStormAsync()
    {
        var count = args.FirstOrDefault(a => a.StartsWith("--storm-tenants=", StringComparison.Ordinal)) is { } n ? int.Parse(n["--storm-tenants=".Length..]) : Scale(10_000);
        var stormRounds = args.FirstOrDefault(a => a.StartsWith("--storm-rounds=", StringComparison.Ordinal)) is { } r ? int.Parse(r["--storm-rounds=".Length..]) : Rounds;
        var bareRates = new List<double>();
        var oursRates = new List<double>();
        var ingestRates = new List<double>();
        var drains = new List<double>();
        var lags = new List<double[]>();
        var exact = true;
        var reads = 0;
        var hostCpu = new List<double>();
        long peakConnections = 0, busyConnections = 0;
        for (var round = 0; round < stormRounds; round++)
        {
            // Bare: the same writes, straight through Npgsql.
            var renewAt = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds());
            var bareTenants = await RenewalStorm.SeedAsync(dataSource, count, renewAt);
            var bareEvents = bareTenants.SelectMany(t => RenewalStorm.Events(t, renewAt, renewAt).Select((e, i) => (Tenant: t, e.Id, e.Json, Invoice: i == 0))).ToArray();
            Random.Shared.Shuffle(bareEvents);
            var bareNext = -1;
            var bare = await Measure.ClosedLoopAsync(16, bareEvents.Length, _ =>
            {
                var e = bareEvents[Interlocked.Increment(ref bareNext)];
                return RenewalStorm.ApplyBareAsync(dataSource, e.Tenant, e.Id, e.Json, e.Invoice, renewAt);
            });
            bareRates.Add(bare.Throughput);

            // Ours: a fresh Azurite and DevHost with its queue trigger on, Stripe's API counted.
            using var stripeApi = new StripeReadCounter();
            var storm = await StartStackAsync(triggers: true, db: database + ";Application Name=storm-devhost", stripeBase: stripeApi.BaseUrl);
            async Task<bool> PostAsync(string body)
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/billing/webhooks") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
                request.Headers.TryAddWithoutValidation("Stripe-Signature", BenchTokens.StripeSignature(body, webhookSecret));
                using var response = await storm.Client.SendAsync(request);
                return response.IsSuccessStatusCode;
            }
            async Task<long> AppliedAsync(string[] ids) =>
                await Scalar<long>(dataSource, "SELECT count(*) FROM webhook_events WHERE stripe_event_id = ANY($1) AND processed_at IS NOT NULL", (object)ids);
            // Warm-up: events for unknown customers (recorded, ignored), applied before the storm starts.
            var warm = Enumerable.Range(0, Scale(500)).Select(BenchTokens.InvoicePaid).ToArray();
            var warmNext = -1;
            await Measure.ClosedLoopAsync(16, warm.Length, _ => PostAsync(warm[Interlocked.Increment(ref warmNext)]));
            var warmIds = warm.Select(w => JsonDocument.Parse(w).RootElement.GetProperty("id").GetString()!).ToArray();
            var warmDeadline = Stopwatch.StartNew();
            while (await AppliedAsync(warmIds) < warmIds.Length && warmDeadline.Elapsed < TimeSpan.FromMinutes(3)) await Task.Delay(200);

            renewAt = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds());
            var tenantsRenewing = await RenewalStorm.SeedAsync(dataSource, count, renewAt);
            var created = renewAt;
            var events = tenantsRenewing.SelectMany(t => RenewalStorm.Events(t, renewAt, created)).ToArray();
            Random.Shared.Shuffle(events);
            var ids = events.Select(e => e.Id).ToArray();
            var sentAt = new System.Collections.Concurrent.ConcurrentDictionary<string, DateTimeOffset>();
            var cpuBefore = Services.CpuTime(storm.Host);
            using var profile = round == 0 ? Services.Profile(storm.Host, "storm", 30) : null;
            var stormClock = Stopwatch.StartNew();
            var next = -1;
            var ingest = await Measure.ClosedLoopAsync(16, events.Length, _ =>
            {
                var e = events[Interlocked.Increment(ref next)];
                sentAt[e.Id] = DateTimeOffset.UtcNow;
                return PostAsync(e.Json);
            });
            ingestRates.Add(ingest.Throughput);
            while (await AppliedAsync(ids) < ids.Length && stormClock.Elapsed < TimeSpan.FromMinutes(15))
            {
                // Connections DevHost holds open on the database, busy or idle in its pool: what the Bicep budget must allow.
                peakConnections = Math.Max(peakConnections, await Scalar<long>(dataSource,
                    "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'storm-devhost'"));
                busyConnections = Math.Max(busyConnections, await Scalar<long>(dataSource,
                    "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'storm-devhost' AND state <> 'idle'"));
                await Task.Delay(100);
            }
            var drained = stormClock.Elapsed.TotalSeconds;
            hostCpu.Add((Services.CpuTime(storm.Host) - cpuBefore).TotalMicroseconds / events.Length);
            drains.Add(drained);
            oursRates.Add(events.Length / drained);

            await using (var read = dataSource.CreateCommand("SELECT stripe_event_id, processed_at FROM webhook_events WHERE stripe_event_id = ANY($1) AND processed_at IS NOT NULL"))
            {
                read.Parameters.Add(new() { Value = ids });
                var roundLags = new List<double>();
                await using var reader = await read.ExecuteReaderAsync();
                while (await reader.ReadAsync())
                    roundLags.Add((reader.GetFieldValue<DateTimeOffset>(1) - sentAt[reader.GetString(0)]).TotalMilliseconds);
                lags.Add(roundLags.ToArray());
            }
            var rows = await Scalar<long>(dataSource, "SELECT count(*) FROM webhook_events WHERE stripe_event_id = ANY($1)", (object)ids);
            var renewed = await Scalar<long>(dataSource, "SELECT count(*) FROM tenants WHERE id = ANY($1) AND billing_period_start = $2 AND billing_period_end = $3 AND plan_tier = 'pro'",
                tenantsRenewing, renewAt, renewAt.AddMonths(1));
            var paid = await Scalar<long>(dataSource, "SELECT count(*) FROM subscriptions WHERE tenant_id = ANY($1) AND payment_event_at = $2 AND last_payment_failed = false",
                tenantsRenewing, created);
            exact &= rows == ids.Length && lags[^1].Length == ids.Length && renewed == count && paid == count;
            Console.Error.WriteLine($"Storm round {round}: {rows}/{ids.Length} event rows, {lags[^1].Length} applied, {renewed}/{count} renewed, {paid}/{count} paid, {stripeApi.Requests} Stripe reads, drain {drained:F1} s");
            reads += stripeApi.Requests;
            await StopStackAsync(storm);
        }
        var allLags = lags.SelectMany(l => l).Order().ToArray();
        double Lag(double p) => allLags.Length == 0 ? double.NaN : allLags[Math.Min(allLags.Length - 1, (int)Math.Ceiling(p * allLags.Length) - 1)] / 1000;
        var oursRate = Measure.Median(oursRates);
        var bareRate = Measure.Median(bareRates);
        var scenario = $"renewal storm {count}x2";
        Report(scenario, "apply rate", oursRate, bareRate, "ev/s", "ours >= 0.5x bare", oursRate >= 0.5 * bareRate,
            new() { ["ours_rounds"] = oursRates.ToArray(), ["bare_rounds"] = bareRates.ToArray() });
        Report(scenario, "ingest rate", Measure.Median(ingestRates), double.NaN, "ev/s", "", null);
        Report(scenario, "drain time", Measure.Median(drains), double.NaN, "s", "", null, new() { ["rounds"] = drains.ToArray() });
        Report(scenario, "apply lag p50", Lag(0.50), double.NaN, "s", "", null);
        Report(scenario, "apply lag p99", Lag(0.99), double.NaN, "s", "", null);
        Report(scenario, "apply lag max", allLags.Length == 0 ? double.NaN : allLags[^1] / 1000, double.NaN, "s", "", null);
        Report(scenario, "applied exactly once", exact ? 1 : 0, double.NaN, "all", "every event once", exact);
        Report(scenario, "Stripe reads", reads, double.NaN, "requests", "0", reads == 0);
        Report(scenario, "DevHost CPU per event", Measure.Median(hostCpu), double.NaN, "us", "where the time goes", null);
        Report(scenario, "DB connections peak", peakConnections, double.NaN, "conns", "open (busy at most)", null, new() { ["busy_peak"] = busyConnections });
    }

    // The rollover of 100 000 ended periods: total time against the bare statements, and the consume p99 of 32
    // clients (on tenants among those rolling over) while it runs against the same clients' p99 without it.
    async Task RolloverAsync()
    {
        var rolloverCount = Scale(100_000);
        await using (var create = dataSource.CreateCommand("DROP DATABASE IF EXISTS bench_rollover")) await create.ExecuteNonQueryAsync();
        await using (var create = dataSource.CreateCommand("CREATE DATABASE bench_rollover")) await create.ExecuteNonQueryAsync();
        var rolloverDb = new NpgsqlConnectionStringBuilder(database) { Database = "bench_rollover" }.ConnectionString;
        await using (var db = new BillingDbContext(new DbContextOptionsBuilder<BillingDbContext>().UseNpgsql(rolloverDb).UseSnakeCaseNamingConvention().Options))
            await db.Database.MigrateAsync();
        await using var rolloverSource = NpgsqlDataSource.Create(rolloverDb);
        var rollover = new UsageRollover(rolloverSource, TimeProvider.System, Microsoft.Extensions.Options.Options.Create(new Billing.Core.BillingOptions()), NullLogger<UsageRollover>.Instance);
        var stack = await StartStackAsync(triggers: false, db: rolloverDb);
        string[] ConsumerTokens(Guid[] seeded) => Enumerable.Range(0, 32).Select(i => Token(seeded[i * (seeded.Length / 32)])).ToArray();
        var oursRollover = new List<double>();
        var bareRollover = new List<double>();
        var during = new List<Run>();
        var without = new List<Run>();
        for (var round = 0; round < Rounds; round++)
        {
            // Total: the bare statements, then the timer's run, each alone.
            await RolloverFixture.SeedEndedAsync(rolloverSource, rolloverCount, now);
            var clock = Stopwatch.StartNew();
            await RolloverFixture.BareAsync(rolloverSource, now);
            bareRollover.Add(clock.Elapsed.TotalMilliseconds);
            await RolloverFixture.SeedEndedAsync(rolloverSource, rolloverCount, now);
            clock.Restart();
            var rolled = await rollover.RunAsync(default);
            oursRollover.Add(clock.Elapsed.TotalMilliseconds);
            if (rolled.TenantsRolled != rolloverCount) throw new InvalidOperationException($"Rolled {rolled.TenantsRolled} of {rolloverCount}.");

            // Without: the 32 clients on tenants whose periods ended, nothing rolling, as long as the timer's run took.
            var tokens = ConsumerTokens(await RolloverFixture.SeedEndedAsync(rolloverSource, rolloverCount, now));
            await Measure.ClosedLoopAsync(32, Scale(2_000), c => ConsumeHttpAsync(stack.Client, tokens[c], "shipments")); // warm
            using (var stop = new CancellationTokenSource(TimeSpan.FromMilliseconds(oursRollover[^1])))
                without.Add(await Measure.ClosedLoopUntilAsync(32, stop.Token, c => ConsumeHttpAsync(stack.Client, tokens[c], "shipments")));

            // With: the same clients on tenants among those rolling over, while the timer's run goes.
            tokens = ConsumerTokens(await RolloverFixture.SeedEndedAsync(rolloverSource, rolloverCount, now));
            using var done = new CancellationTokenSource();
            var consuming = Measure.ClosedLoopUntilAsync(32, done.Token, c => ConsumeHttpAsync(stack.Client, tokens[c], "shipments"));
            rolled = await rollover.RunAsync(default);
            await done.CancelAsync();
            during.Add(await consuming);
            if (rolled.TenantsRolled != rolloverCount) throw new InvalidOperationException($"Rolled {rolled.TenantsRolled} of {rolloverCount}.");
        }
        await StopStackAsync(stack);
        var oursRolloverMs = Measure.Median(oursRollover);
        var bareRolloverMs = Measure.Median(bareRollover);
        var scenario = $"rollover {rolloverCount} tenants";
        Report(scenario, "total", oursRolloverMs, bareRolloverMs, "ms", "ours <= 1.5x bare", oursRolloverMs <= 1.5 * bareRolloverMs,
            new() { ["ours_rounds"] = oursRollover.ToArray(), ["bare_rounds"] = bareRollover.ToArray() });
        var withP99 = Measure.Median(during.Select(r => r.P99));
        var withoutP99 = Measure.Median(without.Select(r => r.P99));
        Report(scenario, "consume p99 x32 during", withP99, withoutP99, "ms", "<= 2x without", withP99 <= 2 * withoutP99,
            new() { ["with_rounds"] = during.Select(r => r.P99).ToArray(), ["without_rounds"] = without.Select(r => r.P99).ToArray(), ["failures"] = during.Sum(r => r.Failures) + without.Sum(r => r.Failures) });
        Report(scenario, "consume max x32 during", Measure.Median(during.Select(r => r.Max)), Measure.Median(without.Select(r => r.Max)), "ms", "", null);
        Report(scenario, "consume ops/s during", Measure.Median(during.Select(r => r.Throughput)), Measure.Median(without.Select(r => r.Throughput)), "ops/s", "", null);
    }
}
finally
{
    foreach (var process in processes.Where(p => !p.HasExited)) process.Kill(entireProcessTree: true);
    foreach (var dir in azurites) await Services.StopAzuriteAsync(dir).ContinueWith(_ => { });
    await Services.RunAsync($"stop_postgres '{pgDir}'").ContinueWith(_ => { });
}

// The answers of some one-by-one order? Returns the end of the grant chain, how many grants break it, and
// how many refusals would have fitted at the count they were decided at (or name a count not on the chain).
static (long ChainEnd, int Broken, int UnderGrants) CheckSequential((int Quantity, bool Granted, long Used)[] answers, long limit)
{
    var states = new HashSet<long> { 0 };
    long count = 0;
    var broken = 0;
    foreach (var grant in answers.Where(a => a.Granted).OrderBy(a => a.Used))
    {
        if (grant.Used != count + grant.Quantity) broken++;
        count = grant.Used;
        states.Add(count);
    }
    var under = answers.Count(a => !a.Granted && (!states.Contains(a.Used) || a.Quantity <= limit - a.Used));
    return (count, broken, under);
}

static async Task<T> Scalar<T>(NpgsqlDataSource source, string sql, params object[] parameters)
{
    await using var command = source.CreateCommand(sql);
    foreach (var p in parameters) command.Parameters.Add(new NpgsqlParameter { Value = p });
    return (T)(await command.ExecuteScalarAsync())!;
}
