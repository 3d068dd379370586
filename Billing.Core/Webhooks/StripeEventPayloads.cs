using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using System.Text.Json;

namespace Billing.Core.Webhooks;

/// <summary>
/// The claim check's blobs: events too large for a queue message, in container <see cref="Container"/> of the
/// queue's own storage account. A blob is named <c>{event id}/{unique}.json</c>, so a message whose blob is gone
/// can still tell which event it was (<see cref="EventIdOf"/>). A blob is written before its message is sent and
/// deleted only after the event's apply committed; one whose message was never sent is deleted at once when
/// possible and otherwise left to the container's lifecycle rule (infra/modules/storage.bicep): nothing reads it.
/// </summary>
public sealed class StripeEventPayloads(BlobContainerClient container, ILogger<StripeEventPayloads> logger)
{
    public const string Container = "stripe-event-payloads";
    private volatile bool _created;

    /// <summary>Stores the event and returns the blob's name.</summary>
    public async Task<string> PutAsync(string eventJson, CancellationToken ct)
    {
        if (!_created)
        {
            await container.CreateIfNotExistsAsync(cancellationToken: ct);
            _created = true;
        }
        var name = $"{SafeEventId(eventJson)}/{Guid.CreateVersion7():N}.json";
        await container.GetBlobClient(name).UploadAsync(BinaryData.FromString(eventJson),
            new BlobUploadOptions { HttpHeaders = new BlobHttpHeaders { ContentType = "application/json" } }, ct);
        return name;
    }

    /// <summary>The event stored under <paramref name="name"/>, or null when the blob is gone.</summary>
    public async Task<string?> GetAsync(string name, CancellationToken ct)
    {
        try
        {
            return (await container.GetBlobClient(name).DownloadContentAsync(ct)).Value.Content.ToString();
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return null;
        }
    }

    public Task DeleteAsync(string name, CancellationToken ct) => container.GetBlobClient(name).DeleteIfExistsAsync(cancellationToken: ct);

    /// <summary>Deletes a blob no message refers to; a failure only leaves it for the lifecycle rule.</summary>
    public async Task TryDeleteAsync(string name)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await DeleteAsync(name, timeout.Token);
        }
        catch (Exception e) when (e is RequestFailedException or HttpRequestException or OperationCanceledException or AggregateException)
        {
            logger.LogWarning(e, "Could not delete unsent event payload {Blob}; the container's lifecycle rule removes it", name);
        }
    }

    /// <summary>The Stripe event id a blob name starts with.</summary>
    public static string EventIdOf(string name) => name.Split('/', 2)[0];

    private static string SafeEventId(string eventJson)
    {
        try
        {
            using var document = JsonDocument.Parse(eventJson);
            if (document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("id", out var id) &&
                id.GetString() is { Length: > 0 and <= 255 } value && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-'))
                return value;
        }
        catch (JsonException)
        {
        }
        return "unknown";
    }
}
