using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using System.Text.Json;

namespace Billing.DevHost;

/// <summary>
/// <c>POST /admin/functions/{name}</c> with <c>{"input":"…"}</c>: runs a queue or timer function now, as the
/// Functions host's admin API does. Loopback callers only; answers 202 and runs in the background.
/// </summary>
internal static class AdminEndpoints
{
    public static void MapAdminEndpoints(this IEndpointRouteBuilder endpoints) =>
        endpoints.MapPost("admin/functions/{name}", async (string name, HttpContext context, FunctionCatalog catalog,
            IServiceScopeFactory scopes, IHostApplicationLifetime lifetime, ILoggerFactory loggers) =>
        {
            if (context.Connection.RemoteIpAddress is not { } remote || !System.Net.IPAddress.IsLoopback(remote))
                return Results.StatusCode(StatusCodes.Status403Forbidden);
            if (!catalog.Functions.TryGetValue(name, out var function) || function.IsHttp)
                return Results.NotFound();

            string input;
            try
            {
                using var body = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
                input = body.RootElement.TryGetProperty("input", out var value) && value.ValueKind == JsonValueKind.String ? value.GetString()! : "";
            }
            catch (JsonException)
            {
                return Results.BadRequest();
            }

            var logger = loggers.CreateLogger("Billing.DevHost.Admin");
            _ = Task.Run(async () =>
            {
                try
                {
                    await using var scope = scopes.CreateAsyncScope();
                    await TriggerRunner.RunAsync(function, scope.ServiceProvider, input, lifetime.ApplicationStopping);
                    logger.LogInformation("Admin run of {Function} finished", function.Name);
                }
                catch (Exception e)
                {
                    logger.LogError(e, "Admin run of {Function} failed", function.Name);
                }
            });
            return Results.Accepted();
        });
}

/// <summary>Runs a non-HTTP function once with the given input, binding its trigger the way the worker would.</summary>
internal static class TriggerRunner
{
    public static Task<object?> RunAsync(FunctionDescriptor function, IServiceProvider services, string input, CancellationToken ct)
    {
        object? trigger = function.Trigger switch
        {
            TimerTriggerAttribute => new TimerInfo(),
            QueueTriggerAttribute when function.TriggerParameter.ParameterType == typeof(BinaryData) => BinaryData.FromString(input),
            QueueTriggerAttribute when function.TriggerParameter.ParameterType == typeof(string) => input,
            _ => throw new InvalidOperationException($"DevHost cannot bind the trigger of {function.Name} ({function.TriggerParameter.ParameterType.Name})."),
        };
        return FunctionInvoker.InvokeAsync(function, services, trigger, new Dictionary<string, object?>(), ct);
    }
}
