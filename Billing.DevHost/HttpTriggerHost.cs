using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Abstractions;
using Microsoft.AspNetCore.Routing;

namespace Billing.DevHost;

/// <summary>Maps each <c>[HttpTrigger]</c> to its route under the prefix, with the methods the attribute names.</summary>
internal static class HttpTriggerHost
{
    public static void MapHttpTriggers(this IEndpointRouteBuilder endpoints, FunctionCatalog catalog, string routePrefix)
    {
        foreach (var function in catalog.Functions.Values.Where(f => f.IsHttp))
        {
            var trigger = (HttpTriggerAttribute)function.Trigger;
            var route = string.IsNullOrEmpty(trigger.Route) ? function.Name : trigger.Route;
            var pattern = string.IsNullOrEmpty(routePrefix) ? route : $"{routePrefix}/{route}";
            var methods = (trigger.Methods ?? ["get", "post", "put", "patch", "delete"]).Select(m => m.ToUpperInvariant()).ToArray();

            endpoints.MapMethods(pattern, methods, context => InvokeAsync(function, context))
                .WithName(function.Name);
        }
    }

    private static async Task InvokeAsync(FunctionDescriptor function, HttpContext context)
    {
        var result = await FunctionInvoker.InvokeAsync(function, context.RequestServices, context.Request,
            FunctionInvoker.RouteValues(context), context.RequestAborted);

        switch (result)
        {
            case IActionResult action:
                await action.ExecuteResultAsync(new ActionContext(context, context.GetRouteData(), new ActionDescriptor()));
                break;
            case null:
                break;
            default:
                throw new InvalidOperationException($"Function {function.Name} returned {result.GetType().Name}; DevHost executes IActionResult.");
        }
    }
}
