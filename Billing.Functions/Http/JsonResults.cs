using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace Billing.Functions.Http;

/// <summary>
/// A JSON response written with <see cref="BillingJson.Options"/>. It needs nothing from MVC's services, so
/// the Functions host and Billing.DevHost execute it the same way.
/// </summary>
public sealed class BillingJsonResult(object value, int statusCode = StatusCodes.Status200OK, string contentType = "application/json") : IActionResult
{
    public object Value { get; } = value;
    public int StatusCode { get; } = statusCode;

    public Task ExecuteResultAsync(ActionContext context)
    {
        var response = context.HttpContext.Response;
        response.StatusCode = StatusCode;
        // Tenant data and problems alike: never stored by a cache, never read as anything but JSON (openapi/billing.yaml).
        response.Headers.CacheControl = "no-store";
        response.Headers.XContentTypeOptions = "nosniff";
        return response.WriteAsJsonAsync(Value, Value.GetType(), BillingJson.Options, contentType, context.HttpContext.RequestAborted);
    }
}
