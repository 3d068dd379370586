using Azure;
using Azure.Identity;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Microsoft.Extensions.Configuration;
using System.IO.Compression;
using System.Text;

namespace Billing.Core.Webhooks;

/// <summary>Where verified Stripe events wait to be applied (docs/webhooks-and-usage.md#webhooks-at-least-once-in-exactly-once-effect).</summary>
public static class Queues
{
    public const string StripeEvents = "stripe-events";
    public const string StripeEventsPoison = "stripe-events-poison";
}

/// <summary>
/// How to reach queue and blob storage (one account), read the way the Functions host reads it:
/// <c>AzureWebJobsStorage</c> as a connection string (Azurite locally: it must name the <c>BlobEndpoint</c>
/// next to the <c>QueueEndpoint</c>), or identity-based with <c>AzureWebJobsStorage__accountName</c> (or
/// <c>__queueServiceUri</c> and <c>__blobServiceUri</c>) and the app's managed identity (Azure: no keys).
/// </summary>
public sealed class StorageOptions
{
    public const string Requirement =
        "AzureWebJobsStorage is required: a storage connection string that names both QueueEndpoint and BlobEndpoint " +
        "(or UseDevelopmentStorage=true), or AzureWebJobsStorage__accountName for identity-based access";

    public string ConnectionString { get; set; } = "";
    public string QueueServiceUri { get; set; } = "";
    public string BlobServiceUri { get; set; } = "";

    public static void Bind(StorageOptions options, IConfiguration configuration)
    {
        options.ConnectionString = configuration["AzureWebJobsStorage"] ?? "";
        var account = configuration["AzureWebJobsStorage:accountName"];
        options.QueueServiceUri = configuration["AzureWebJobsStorage:queueServiceUri"]
            ?? (string.IsNullOrEmpty(account) ? "" : $"https://{account}.queue.core.windows.net");
        options.BlobServiceUri = configuration["AzureWebJobsStorage:blobServiceUri"]
            ?? (string.IsNullOrEmpty(account) ? "" : $"https://{account}.blob.core.windows.net");
    }

    /// <summary>
    /// A connection string, or both service URIs. A connection string with explicit endpoints must name the blob
    /// one too: without it the SDK would look for the account's blobs in Azure, not next to its queues.
    /// </summary>
    public bool IsValid => ConnectionString.Length > 0
        ? !Contains(ConnectionString, "QueueEndpoint=") || Contains(ConnectionString, "BlobEndpoint=")
        : Uri.TryCreate(QueueServiceUri, UriKind.Absolute, out _) && Uri.TryCreate(BlobServiceUri, UriKind.Absolute, out _);

    private static bool Contains(string connectionString, string key) => connectionString.Contains(key, StringComparison.OrdinalIgnoreCase);

    /// <summary>The blob container for events too large for a queue message (<see cref="StripeEventPayloads"/>).</summary>
    public BlobContainerClient CreatePayloadContainer()
    {
        var options = new BlobClientOptions();
        options.Retry.MaxRetries = 2;
        options.Retry.NetworkTimeout = TimeSpan.FromSeconds(10);
        var service = ConnectionString.Length > 0
            ? new BlobServiceClient(ConnectionString, options)
            : new BlobServiceClient(new Uri(BlobServiceUri), new DefaultAzureCredential(), options);
        return service.GetBlobContainerClient(StripeEventPayloads.Container);
    }

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
/// The <c>stripe-events</c> queue. A queue message holds 64 KiB after the base64 the queue trigger expects, so
/// a message is the raw event JSON when it fits (48 KiB); else the event gzip-compressed behind a <c>gz:</c>
/// prefix when that fits; else (an event of any size Stripe sends, up to the webhook's 256 KiB) the event goes to
/// Blob Storage and the message carries its reference behind a <c>blob:</c> prefix: the claim check. JSON never
/// starts with either prefix. <see cref="StripeEventInbox"/> reads a message back and removes its blob once applied.
/// </summary>
public sealed class StripeEventQueue(QueueServiceClient service, StripeEventPayloads payloads, ILogger<StripeEventQueue> logger)
{
    private const string CompressedPrefix = "gz:";
    private const string ClaimCheckPrefix = "blob:";
    private const int MaxMessageChars = 48 * 1024;
    private static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(10);
    private readonly QueueClient _queue = service.GetQueueClient(Queues.StripeEvents);
    private volatile bool _created;

    public async Task SendAsync(string eventJson, CancellationToken ct)
    {
        var message = Encode(eventJson);
        string? blob = null;
        try
        {
            if (message is null)
            {
                blob = await payloads.PutAsync(eventJson, ct);
                message = ClaimCheckMessage(blob);
            }
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
            // Stripe retries the delivery and a new blob is written then: this one would never be read.
            if (blob is not null) await payloads.TryDeleteAsync(blob);
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

    /// <summary>The message that carries the event itself, or null when even compressed it is too large (claim check).</summary>
    public static string? Encode(string eventJson)
    {
        if (Encoding.UTF8.GetByteCount(eventJson) <= MaxMessageChars)
            return eventJson;
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.SmallestSize))
            gzip.Write(Encoding.UTF8.GetBytes(eventJson));
        var compressed = CompressedPrefix + Convert.ToBase64String(buffer.ToArray());
        return compressed.Length <= MaxMessageChars ? compressed : null;
    }

    /// <summary>The message that carries a reference to the event's blob instead of the event.</summary>
    public static string ClaimCheckMessage(string blob) => ClaimCheckPrefix + blob;

    /// <summary>The blob a claim-check message names, or null when the message carries the event itself.</summary>
    public static string? ClaimCheckOf(string message) =>
        message.StartsWith(ClaimCheckPrefix, StringComparison.Ordinal) ? message[ClaimCheckPrefix.Length..] : null;

    /// <summary>The event a message carries itself (plain or compressed); a claim check is read by <see cref="StripeEventInbox"/>.</summary>
    public static string Decode(string message)
    {
        if (ClaimCheckOf(message) is not null)
            throw new InvalidOperationException("A claim-check message names a blob; read it through StripeEventInbox.");
        if (!message.StartsWith(CompressedPrefix, StringComparison.Ordinal))
            return message;
        using var gzip = new GZipStream(new MemoryStream(Convert.FromBase64String(message[CompressedPrefix.Length..])), CompressionMode.Decompress);
        using var reader = new StreamReader(gzip, Encoding.UTF8);
        return reader.ReadToEnd();
    }
}
