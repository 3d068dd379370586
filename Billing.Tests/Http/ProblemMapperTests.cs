using Billing.Functions.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Abstractions;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using System.Net.Sockets;

namespace Billing.Tests.Http;

/// <summary>The one error mapper: a database outage is 503 whichever layer wrapped it (the drill shows it over HTTP).</summary>
public sealed class ProblemMapperTests
{
    private static NpgsqlException Refused() => new("Failed to connect to 127.0.0.1:5432", new SocketException((int)SocketError.ConnectionRefused));

    public static TheoryData<string, Exception> DatabaseOutages => new()
    {
        { "bare", Refused() },
        { "execution strategy", new InvalidOperationException("An exception has been raised that is likely due to a transient failure.", Refused()) },
        { "retries exhausted", new RetryLimitExceededException("Maximum number of retries exceeded.", Refused()) },
        { "save changes", new DbUpdateException("An error occurred while saving the entity changes.", Refused()) },
        { "task", new AggregateException(new InvalidOperationException("outer", Refused())) },
        { "command timeout", new NpgsqlException("Exception while reading from stream", new TimeoutException()) },
    };

    [Theory]
    [MemberData(nameof(DatabaseOutages))]
    public async Task Database_outage_is_503_database_unavailable_with_retry_after_however_it_is_wrapped(string how, Exception exception)
    {
        var (status, code, retryAfter) = await ExecuteAsync(ProblemMapper.ToResult(exception, NullLogger.Instance));

        Assert.True(status == 503, $"{how}: {status}");
        Assert.Equal("database_unavailable", code);
        Assert.NotNull(retryAfter);
    }

    [Fact]
    public async Task A_bug_that_merely_wraps_something_else_stays_500()
    {
        var (status, code, _) = await ExecuteAsync(ProblemMapper.ToResult(
            new InvalidOperationException("Sequence contains more than one element", new ArgumentException("x")), NullLogger.Instance));

        Assert.Equal((500, "internal_error"), (status, code));
    }

    private static async Task<(int Status, string? Code, string? RetryAfter)> ExecuteAsync(IActionResult result)
    {
        var context = new DefaultHttpContext();
        context.Response.Body = new MemoryStream();
        await result.ExecuteResultAsync(new ActionContext(context, new RouteData(), new ActionDescriptor()));
        context.Response.Body.Position = 0;
        using var body = await JsonDocument.ParseAsync(context.Response.Body);
        return (context.Response.StatusCode, body.RootElement.GetProperty("code").GetString(),
            context.Response.Headers.RetryAfter.Count > 0 ? context.Response.Headers.RetryAfter.ToString() : null);
    }
}
