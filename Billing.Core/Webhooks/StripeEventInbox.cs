using Billing.Core.Data;
using Microsoft.EntityFrameworkCore;

namespace Billing.Core.Webhooks;

/// <summary>
/// Takes one <c>stripe-events</c> message: the event itself, or a claim check naming the blob that holds it
/// (<see cref="StripeEventQueue"/>). Applies it through <see cref="StripeEventApplier"/> and only then deletes
/// the blob, so a failure anywhere is retried by the queue without losing the event or applying it twice: a
/// blob still there after the apply committed is read again and the event is a duplicate; a message whose blob
/// is already gone was applied (its <c>webhook_events</c> row says so) and is done. A blob that is gone for an
/// event never applied is an error that escapes, so the message ends in the poison queue for an operator.
/// </summary>
public sealed class StripeEventInbox(StripeEventApplier applier, StripeEventPayloads payloads, BillingDbContext db, ILogger<StripeEventInbox> logger)
{
    public async Task<string?> ApplyAsync(string message, CancellationToken ct)
    {
        if (StripeEventQueue.ClaimCheckOf(message) is not { } blob)
            return await applier.ApplyAsync(message, ct);

        var eventId = StripeEventPayloads.EventIdOf(blob);
        var json = await payloads.GetAsync(blob, ct);
        if (json is null)
        {
            if (!await db.WebhookEvents.AnyAsync(e => e.StripeEventId == eventId, ct))
                throw new InvalidDataException($"The payload of Stripe event {eventId} (blob {blob}) is gone and the event was never applied.");
            logger.LogInformation("Skipped {EventId}: already applied, its payload {Blob} already deleted", eventId, blob);
            return null;
        }
        var outcome = await applier.ApplyAsync(json, ct);
        await payloads.DeleteAsync(blob, ct);
        return outcome;
    }
}
