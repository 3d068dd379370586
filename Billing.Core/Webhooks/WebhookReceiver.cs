using Billing.Core.Stripe;
using Stripe;
using System.Text;

namespace Billing.Core.Webhooks;

public sealed record ReceivedEvent(string Id, string Type);

/// <summary>
/// The front door of the webhook pipeline: verifies <c>Stripe-Signature</c> against every configured secret
/// (so a secret can be rotated without dropping events) and puts the raw event on the queue. No database
/// work happens here, so Stripe gets its 200 even while PostgreSQL is down.
/// </summary>
public sealed class WebhookReceiver(StripeEventQueue queue, IOptions<StripeOptions> stripe, TimeProvider clock, ILogger<WebhookReceiver> logger)
{
    public const long ToleranceSeconds = 300;

    public async Task<ReceivedEvent> ReceiveAsync(byte[] body, string? signatureHeader, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(signatureHeader))
            throw InvalidSignature("The Stripe-Signature header is missing.");

        string json;
        try
        {
            json = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true).GetString(body);
        }
        catch (DecoderFallbackException)
        {
            throw InvalidSignature("The body is not UTF-8.");
        }

        var evt = Verify(json, signatureHeader);
        using (logger.BeginScope("StripeEventId:{StripeEventId}", evt.Id))
        {
            await queue.SendAsync(json, ct);
            logger.LogInformation("Queued {EventType} {EventId}", evt.Type, evt.Id);
        }
        return new ReceivedEvent(evt.Id, evt.Type);
    }

    private Event Verify(string json, string signatureHeader)
    {
        var now = clock.GetUtcNow().ToUnixTimeSeconds();
        foreach (var secret in stripe.Value.WebhookSecrets)
        {
            try
            {
                var evt = EventUtility.ConstructEvent(json, signatureHeader, secret, ToleranceSeconds, now, throwOnApiVersionMismatch: false);
                if (string.IsNullOrEmpty(evt.Id) || string.IsNullOrEmpty(evt.Type))
                    throw BillingException.Invalid("The event has no id or type.");
                return evt;
            }
            catch (StripeException)
            {
                // Not this secret (or a bad header): try the next one.
            }
            catch (Exception e) when (e is Newtonsoft.Json.JsonException or System.Text.Json.JsonException or ArgumentException or FormatException)
            {
                throw BillingException.Invalid("The body is not a Stripe event.");
            }
        }
        logger.LogWarning("Rejected a webhook whose Stripe-Signature matches no configured secret");
        throw InvalidSignature("The Stripe-Signature header does not match this body, or is too old.");
    }

    private static BillingException InvalidSignature(string detail) => new(ErrorKind.InvalidSignature, "invalid_signature", detail);
}
