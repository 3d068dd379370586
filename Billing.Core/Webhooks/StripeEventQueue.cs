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
/// How to reach queue storage, read the way the Functions host reads it: <c>AzureWebJobsStorage</c> as a
/// connection string (Azurite locally), or identity-based with <c>AzureWebJobsStorage__queueServiceUri</c> or
/// <c>AzureWebJobsStorage__accountName</c> and the app's managed identity (Azure: no keys).
/// </summary>
public sealed class StorageOptions
{
    public string ConnectionString { get; set; } = "";
    public string QueueServiceUri { get; set; } = "";

    public static void Bind(StorageOptions options, IConfiguration configuration)
    {
        options.ConnectionString = configuration["AzureWebJobsStorage"] ?? "";
        var account = configuration["AzureWebJobsStorage:accountName"];
        options.QueueServiceUri = configuration["AzureWebJobsStorage:queueServiceUri"]
            ?? (string.IsNullOrEmpty(account) ? "" : $"https://{account}.queue.core.windows.net");
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

    /// <summary>
    /// Moves up to <paramref name="max"/> messages from <c>stripe-events-poison</c> back to <c>stripe-events</c>,
    /// for an operator once the cause is fixed. Each is sent before it is deleted, so a crash in between
    /// duplicates a message (harmless: applying is idempotent) rather than losing one.
    /// </summary>
    public async Task<int> ReplayPoisonAsync(int max, CancellationToken ct)
    {
        var poison = service.GetQueueClient(Queues.StripeEventsPoison);
        if (!await poison.ExistsAsync(ct)) return 0;
        await _queue.CreateIfNotExistsAsync(cancellationToken: ct);
        var moved = 0;
        while (moved < max)
        {
            var batch = (await poison.ReceiveMessagesAsync(Math.Min(32, max - moved), TimeSpan.FromMinutes(1), ct)).Value;
            if (batch.Length == 0) break;
            foreach (var message in batch)
            {
                await _queue.SendMessageAsync(message.Body.ToString(), ct);
                await poison.DeleteMessageAsync(message.MessageId, message.PopReceipt, ct);
                moved++;
            }
        }
        logger.LogInformation("Replayed {Count} messages from {PoisonQueue} to {Queue}", moved, Queues.StripeEventsPoison, Queues.StripeEvents);
        return moved;
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
