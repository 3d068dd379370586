using Billing.Core.Errors;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Logging;
using Npgsql;
using System.Globalization;
using System.Net.Sockets;

namespace Billing.Functions.Http;

/// <summary>
/// The one place that turns a failure into <c>application/problem+json</c> (RFC 9457; members and codes: docs/api.md#errors).
/// Unknown exceptions become a bare 500 <c>internal_error</c>; their details go to the log only.
/// </summary>
public static class ProblemMapper
{
    private static readonly TimeSpan DatabaseRetryAfter = TimeSpan.FromSeconds(5);

    public static IActionResult ToResult(Exception exception, ILogger logger)
    {
        var known = exception as BillingException ?? Classify(exception);
        if (known is null)
        {
            logger.LogError(exception, "Unhandled failure");
            return Problem(StatusCodes.Status500InternalServerError, "internal_error", "Internal error",
                "Something went wrong on our side. It has been logged.", new Dictionary<string, object?>(), null, null);
        }

        if (known.Kind == ErrorKind.Unavailable)
            logger.LogWarning(exception, "Dependency unavailable: {Code}", known.Code);

        var status = StatusFor(known.Kind);
        return Problem(status, known.Code, TitleFor(known.Kind), known.Detail, known.Extensions, known.Errors, known.RetryAfter);
    }

    /// <summary>405 <c>method_not_allowed</c> with the <c>Allow</c> header: a known route asked with a method it does not answer.</summary>
    public static IActionResult MethodNotAllowed(string detail, IReadOnlyList<string> allow) =>
        Problem(StatusCodes.Status405MethodNotAllowed, "method_not_allowed", "Method not allowed", detail,
            new Dictionary<string, object?>(), null, null, allow);

    /// <summary>
    /// A database outage wherever it surfaces: the bare <see cref="NpgsqlException"/>, or wrapped by EF Core (the
    /// execution strategy's <see cref="InvalidOperationException"/> or <c>RetryLimitExceededException</c>, a
    /// <c>DbUpdateException</c>) or by a task (<see cref="AggregateException"/>): any cause in the chain counts.
    /// </summary>
    private static BillingException? Classify(Exception exception) =>
        Causes(exception).Any(IsDatabaseOutage)
            ? BillingException.Unavailable("database_unavailable", "The billing database is unavailable. Try again shortly.", DatabaseRetryAfter, exception)
            : null;

    private static bool IsDatabaseOutage(Exception e) =>
        e is NpgsqlException { IsTransient: true } or NpgsqlException { InnerException: SocketException or TimeoutException };

    private static IEnumerable<Exception> Causes(Exception exception)
    {
        var pending = new Stack<Exception>([exception]);
        while (pending.TryPop(out var cause))
        {
            yield return cause;
            if (cause is AggregateException aggregate)
                foreach (var inner in aggregate.InnerExceptions) pending.Push(inner);
            else if (cause.InnerException is { } inner)
                pending.Push(inner);
        }
    }

    public static int StatusFor(ErrorKind kind) => kind switch
    {
        ErrorKind.InvalidRequest or ErrorKind.ValidationFailed or ErrorKind.InvalidSignature => StatusCodes.Status400BadRequest,
        ErrorKind.Unauthorized => StatusCodes.Status401Unauthorized,
        ErrorKind.PlanLimitExceeded => StatusCodes.Status402PaymentRequired,
        ErrorKind.Forbidden => StatusCodes.Status403Forbidden,
        ErrorKind.NotFound => StatusCodes.Status404NotFound,
        ErrorKind.Conflict => StatusCodes.Status409Conflict,
        ErrorKind.PayloadTooLarge => StatusCodes.Status413PayloadTooLarge,
        ErrorKind.UpstreamError => StatusCodes.Status502BadGateway,
        ErrorKind.Unavailable => StatusCodes.Status503ServiceUnavailable,
        _ => StatusCodes.Status500InternalServerError,
    };

    private static string TitleFor(ErrorKind kind) => kind switch
    {
        ErrorKind.InvalidRequest => "Invalid request",
        ErrorKind.ValidationFailed => "Validation failed",
        ErrorKind.InvalidSignature => "Invalid signature",
        ErrorKind.Unauthorized => "Unauthorized",
        ErrorKind.PlanLimitExceeded => "Plan limit exceeded",
        ErrorKind.Forbidden => "Forbidden",
        ErrorKind.NotFound => "Not found",
        ErrorKind.Conflict => "Conflict",
        ErrorKind.PayloadTooLarge => "Payload too large",
        ErrorKind.UpstreamError => "Payment provider error",
        ErrorKind.Unavailable => "Service unavailable",
        _ => "Internal error",
    };

    private static IActionResult Problem(int status, string code, string title, string detail,
        IReadOnlyDictionary<string, object?> extensions, IReadOnlyDictionary<string, string[]>? errors, TimeSpan? retryAfter,
        IReadOnlyList<string>? allow = null)
    {
        // A browser cannot read Retry-After cross-origin in Azure, so the body says it too.
        int? retryAfterSeconds = retryAfter is { } wait ? Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)) : null;
        var body = new Dictionary<string, object?>
        {
            ["type"] = $"urn:loginexus:billing:error:{code}",
            ["title"] = title,
            ["status"] = status,
            ["detail"] = detail,
            ["code"] = code,
        };
        foreach (var (key, value) in extensions) body[key] = value;
        if (errors is not null) body["errors"] = errors;
        if (retryAfterSeconds is { } seconds) body["retry_after"] = seconds;
        return new ProblemResult(body, status, retryAfterSeconds, allow);
    }

    private sealed class ProblemResult(Dictionary<string, object?> body, int status, int? retryAfterSeconds, IReadOnlyList<string>? allow) : IActionResult
    {
        public Task ExecuteResultAsync(ActionContext context)
        {
            var headers = context.HttpContext.Response.Headers;
            if (retryAfterSeconds is { } seconds)
                headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
            if (allow is not null)
                headers.Allow = string.Join(", ", allow);
            if (status == StatusCodes.Status401Unauthorized)
                headers.WWWAuthenticate = "Bearer";
            return new BillingJsonResult(body, status, "application/problem+json").ExecuteResultAsync(context);
        }
    }
}
