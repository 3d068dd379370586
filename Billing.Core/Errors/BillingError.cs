namespace Billing.Core.Errors;

/// <summary>What went wrong, in terms a client can act on. The HTTP edge maps <see cref="Kind"/> to a status.</summary>
public enum ErrorKind
{
    InvalidRequest,
    ValidationFailed,
    InvalidSignature,
    Unauthorized,
    Forbidden,
    NotFound,
    Conflict,
    PlanLimitExceeded,
    PayloadTooLarge,
    Unavailable,
    UpstreamError,
}

/// <summary>
/// A failure that is part of the contract (docs/api.md#errors). <see cref="Detail"/> is written for the
/// client and never carries a secret, a stack trace or an upstream system's raw message.
/// </summary>
public sealed class BillingException(
    ErrorKind kind,
    string code,
    string detail,
    IReadOnlyDictionary<string, object?>? extensions = null,
    IReadOnlyDictionary<string, string[]>? errors = null,
    TimeSpan? retryAfter = null,
    Exception? inner = null) : Exception(detail, inner)
{
    public ErrorKind Kind { get; } = kind;
    public string Code { get; } = code;
    public string Detail { get; } = detail;
    public IReadOnlyDictionary<string, object?> Extensions { get; } = extensions ?? new Dictionary<string, object?>();
    public IReadOnlyDictionary<string, string[]>? Errors { get; } = errors;
    public TimeSpan? RetryAfter { get; } = retryAfter;

    public static BillingException Invalid(string detail) => new(ErrorKind.InvalidRequest, "invalid_request", detail);

    public static BillingException Validation(string field, string message) =>
        Validation(new Dictionary<string, string[]> { [field] = [message] });

    /// <summary>Each offending field (or header, or query parameter) with what it must be.</summary>
    public static BillingException Validation(IReadOnlyDictionary<string, string[]> errors) =>
        new(ErrorKind.ValidationFailed, "validation_failed",
            "The request has invalid fields: " + string.Join("; ", errors.Select(e => $"{e.Key} {string.Join(", ", e.Value)}")).TrimEnd('.') + ".",
            errors: errors);

    public static BillingException Unauthorized(string detail) => new(ErrorKind.Unauthorized, "unauthorized", detail);

    public static BillingException Forbidden(string detail) => new(ErrorKind.Forbidden, "forbidden", detail);

    public static BillingException NotFound(string detail) => new(ErrorKind.NotFound, "not_found", detail);

    public static BillingException Conflict(string code, string detail) => new(ErrorKind.Conflict, code, detail);

    public static BillingException TooLarge(long maxBytes) =>
        new(ErrorKind.PayloadTooLarge, "payload_too_large", $"The request body is larger than {maxBytes} bytes.");

    public static BillingException Unavailable(string code, string detail, TimeSpan retryAfter, Exception? inner = null) =>
        new(ErrorKind.Unavailable, code, detail, retryAfter: retryAfter, inner: inner);
}
