using Azure;
using Azure.Identity;
using Azure.Storage.Queues;
using Billing.Core.Errors;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using System.IO.Compression;
using System.Text;

namespace Billing.Core.Webhooks;

/// <summary>Where verified Stripe events wait to be applied (DESIGN.md section 9).</summary>
public static class Queues
{
    public const string StripeEvents = "stripe-events";
    public const string StripeEventsPoison = "stripe-events-poison";
}

/// <summary>
/// How to reach queue storage: <c>AzureWebJobsStorage</c> as a connection string (Azurite, or keys), or
/// <c>AzureWebJobsStorage__queueServiceUri</c> with the app's managed identity, as the Functions host reads it.
/// </summary>
public sealed class StorageOptions
{
    public string ConnectionString { get; set; } = "";
    public string QueueServiceUri { get; set; } = "";

    public static void Bind(StorageOptions options, IConfiguration configuration)
    {
        options.ConnectionString = configuration["AzureWebJobsStorage"] ?? "";
        options.QueueServiceUri = configuration["AzureWebJobsStorage:queueServiceUri"] ?? "";
    }

    public bool IsValid => ConnectionString.Length > 0 || Uri.TryCreate(QueueServiceUri, UriKind.Absolute, out _);

    public QueueServiceClient CreateServiceClient()
    {
        // Base64, as host.json's messageEncoding says: what the Functions host's queue trigger expects.
        var options = new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 };
        options.Retry.MaxRetries = 2;
        options.Retry.NetworkTimeout = TimeSpan.FromSeconds(10);
        return ConnectionString.Length > 0
            ? new QueueServiceClient(ConnectionString, options)
            : new QueueServiceClient(new Uri(QueueServiceUri), new DefaultAzureCredential(), options);
    }
}

/// <summary>
/// The <c>stripe-events</c> queue. A message is the raw event JSON; an event too large for a queue
/// message (64 KiB after base64) travels gzip-compressed behind a <c>gz:</c> prefix, which JSON never starts with.
/// </summary>
public sealed class StripeEventQueue(QueueServiceClient service, ILogger<StripeEventQueue> logger)
{
    private const string CompressedPrefix = "gz:";
    private const int MaxPlainBytes = 48 * 1024;
    private static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(10);
    private readonly QueueClient _queue = service.GetQueueClient(Queues.StripeEvents);
    private volatile bool _created;

    public async Task SendAsync(string eventJson, CancellationToken ct)
    {
        var message = Encode(eventJson);
        try
        {
            if (!_created)
            {
                await _queue.CreateIfNotExistsAsync(cancellationToken: ct);
                _created = true;
            }
            await _queue.SendMessageAsync(message, ct);
        }
        catch (Exception e) when (e is RequestFailedException or AggregateException or HttpRequestException or TimeoutException
                                  || (e is OperationCanceledException && !ct.IsCancellationRequested))
        {
            logger.LogError(e, "Could not enqueue a Stripe event on {Queue}", Queues.StripeEvents);
            throw BillingException.Unavailable("queue_unavailable", "The event queue is unavailable. Try again shortly.", RetryAfter, e);
        }
    }

    public static string Encode(string eventJson)
    {
        if (Encoding.UTF8.GetByteCount(eventJson) <= MaxPlainBytes)
            return eventJson;
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.SmallestSize))
            gzip.Write(Encoding.UTF8.GetBytes(eventJson));
        return CompressedPrefix + Convert.ToBase64String(buffer.ToArray());
    }

    public static string Decode(string message)
    {
        if (!message.StartsWith(CompressedPrefix, StringComparison.Ordinal))
            return message;
        using var gzip = new GZipStream(new MemoryStream(Convert.FromBase64String(message[CompressedPrefix.Length..])), CompressionMode.Decompress);
        using var reader = new StreamReader(gzip, Encoding.UTF8);
        return reader.ReadToEnd();
    }
}
