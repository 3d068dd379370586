using System.Text.Json;
using System.Text.Json.Nodes;

namespace Billing.DevHost;

/// <summary>
/// What <c>func start</c> reads from local.settings.json: <c>Values</c> (settings, which environment
/// variables override) and <c>Host.CORS</c> (origins allowed to call from a browser).
/// </summary>
internal sealed record LocalSettings(IReadOnlyDictionary<string, string?> Values, IReadOnlyList<string> CorsOrigins, bool CorsCredentials, string? Path)
{
    public static readonly LocalSettings Empty = new(new Dictionary<string, string?>(), [], false, null);

    /// <summary>The first local.settings.json found in the working directory or beside the app.</summary>
    public static LocalSettings Load(string? explicitPath)
    {
        var path = explicitPath ?? new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory }
            .Select(dir => System.IO.Path.Combine(dir, "local.settings.json"))
            .FirstOrDefault(File.Exists);
        if (path is null) return Empty;
        if (!File.Exists(path)) throw new FileNotFoundException($"Settings file {path} does not exist.", path);

        var root = JsonNode.Parse(File.ReadAllText(path), documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true })
                   ?? throw new InvalidDataException($"{path} is empty.");
        var values = (root["Values"] as JsonObject ?? [])
            .ToDictionary(kv => kv.Key, kv => kv.Value?.ToString());
        var host = root["Host"] as JsonObject;
        var origins = (host?["CORS"]?.GetValue<string>() ?? "")
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var credentials = host?["CORSCredentials"]?.GetValue<bool>() ?? false;
        return new LocalSettings(values, origins, credentials, path);
    }
}

/// <summary>The parts of host.json that DevHost honours.</summary>
internal sealed record HostJson(string RoutePrefix, QueueSettings Queues)
{
    public static HostJson Load()
    {
        var path = System.IO.Path.Combine(AppContext.BaseDirectory, "host.json");
        var root = File.Exists(path) ? JsonNode.Parse(File.ReadAllText(path)) : null;
        var extensions = root?["extensions"];
        var prefix = extensions?["http"]?["routePrefix"]?.GetValue<string>() ?? "api";
        var queues = extensions?["queues"];
        // The app's queue clients (Billing.Core) always speak base64, as the Functions host does by default.
        var encoding = queues?["messageEncoding"]?.GetValue<string>() ?? "base64";
        if (!string.Equals(encoding, "base64", StringComparison.OrdinalIgnoreCase))
            throw new InvalidOperationException($"host.json queues.messageEncoding is '{encoding}'; Billing sends base64 messages, so it must be base64.");
        return new HostJson(prefix.Trim('/'), new QueueSettings(
            BatchSize: queues?["batchSize"]?.GetValue<int>() ?? 16,
            MaxDequeueCount: queues?["maxDequeueCount"]?.GetValue<int>() ?? 5,
            VisibilityTimeout: TimeSpan.Parse(queues?["visibilityTimeout"]?.GetValue<string>() ?? "00:00:00", System.Globalization.CultureInfo.InvariantCulture),
            MaxPollingInterval: TimeSpan.Parse(queues?["maxPollingInterval"]?.GetValue<string>() ?? "00:01:00", System.Globalization.CultureInfo.InvariantCulture))
        {
            NewBatchThreshold = queues?["newBatchThreshold"]?.GetValue<int>(),
        });
    }
}

/// <summary>
/// host.json's <c>queues</c> section, plus how long a message being worked on stays invisible. As the Functions
/// host does, DevHost fetches the next batch once the messages in flight drop to <see cref="Threshold"/>, so at most
/// <c>batchSize + newBatchThreshold</c> run at once.
/// </summary>
public sealed record QueueSettings(int BatchSize, int MaxDequeueCount, TimeSpan VisibilityTimeout, TimeSpan MaxPollingInterval)
{
    public TimeSpan LeaseTime { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>host.json's <c>newBatchThreshold</c>; unset, the host's default of half a batch.</summary>
    public int? NewBatchThreshold { get; init; }

    public int Threshold => NewBatchThreshold ?? BatchSize / 2;
}
