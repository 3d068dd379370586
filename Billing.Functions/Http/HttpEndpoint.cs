using Billing.Core.Errors;
using Billing.Core.Identity;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Primitives;

namespace Billing.Functions.Http;

/// <summary>
/// What every HTTP function does around its one Core call: authenticate and authorise the caller, read a
/// bounded, strictly typed body, write the result as JSON, and send every failure through
/// <see cref="ProblemMapper"/>. Functions stay a few lines and never catch anything themselves.
/// </summary>
public sealed class HttpEndpoint(TokenValidator tokens, ILogger<HttpEndpoint> logger)
{
    public const int MaxBodyBytes = 256 * 1024;

    public Task<IActionResult> AnonymousAsync<TResult>(Func<CancellationToken, Task<TResult>> handle, Func<TResult, object> map,
        CancellationToken ct, HttpRequest? request = null) =>
        RunAsync(async () => map(await handle(ct)), request);

    public Task<IActionResult> HandleAsync<TResult>(HttpRequest request, Access access,
        Func<Caller, CancellationToken, Task<TResult>> handle, Func<TResult, object> map, CancellationToken ct) =>
        RunAsync(async () =>
        {
            var caller = await AuthenticateAsync(request, access);
            using var scope = logger.BeginScope("TenantId:{TenantId}", caller.TenantId);
            return map(await handle(caller, ct));
        }, request);

    public Task<IActionResult> HandleAsync<TBody, TResult>(HttpRequest request, Access access,
        Func<Caller, TBody, CancellationToken, Task<TResult>> handle, Func<TResult, object> map, CancellationToken ct)
        where TBody : IRequestBody, new() =>
        RunAsync(async () =>
        {
            var caller = await AuthenticateAsync(request, access);
            using var scope = logger.BeginScope("TenantId:{TenantId}", caller.TenantId);
            var body = await ReadJsonAsync<TBody>(request, ct);
            return map(await handle(caller, body, ct));
        }, request);

    /// <summary>The value of a header that may appear at most once; null when absent.</summary>
    public static string? SingleHeader(HttpRequest request, string name) => Single(request.Headers[name], name, "header");

    /// <summary>The value of a query parameter that may appear at most once; null when absent.</summary>
    public static string? SingleQuery(HttpRequest request, string name) => Single(request.Query[name], name, "query parameter");

    private static string? Single(StringValues values, string name, string what) => values.Count switch
    {
        0 => null,
        1 => values[0],
        _ => throw BillingException.Validation(name, $"is sent more than once; send this {what} once"),
    };

    /// <summary>Reads at most <see cref="MaxBodyBytes"/> of the body; beyond that the request is refused with 413.</summary>
    public static async Task<byte[]> ReadBodyAsync(HttpRequest request, CancellationToken ct)
    {
        if (request.ContentLength > MaxBodyBytes)
            throw BillingException.TooLarge(MaxBodyBytes);

        using var buffer = new MemoryStream();
        var chunk = System.Buffers.ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            int read;
            while ((read = await request.Body.ReadAsync(chunk, ct)) > 0)
            {
                if (buffer.Length + read > MaxBodyBytes)
                    throw BillingException.TooLarge(MaxBodyBytes);
                buffer.Write(chunk, 0, read);
            }
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(chunk);
        }
        return buffer.ToArray();
    }

    private async Task<Caller> AuthenticateAsync(HttpRequest request, Access access)
    {
        var header = SingleHeader(request, "Authorization");
        var caller = await tokens.AuthenticateAsync(header);
        TokenValidator.Authorize(caller, access);
        return caller;
    }

    private static async Task<T> ReadJsonAsync<T>(HttpRequest request, CancellationToken ct) where T : IRequestBody, new() =>
        RequestBody.Parse<T>(await ReadBodyAsync(request, ct));

    private async Task<IActionResult> RunAsync(Func<Task<object>> run, HttpRequest? request = null)
    {
        try
        {
            return new BillingJsonResult(await run());
        }
        catch (OperationCanceledException) when (request?.HttpContext.RequestAborted.IsCancellationRequested == true)
        {
            // The client went away; nobody is left to read an answer.
            return new EmptyResult();
        }
        catch (Exception e)
        {
            return ProblemMapper.ToResult(e, logger);
        }
    }
}
