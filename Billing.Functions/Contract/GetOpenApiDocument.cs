using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Billing.Functions.Contract;

/// <summary>Serves <c>openapi/billing.yaml</c> as JSON: anonymous, cacheable, the same in DevHost and in Azure.</summary>
public sealed class GetOpenApiDocument
{
    [Function(nameof(GetOpenApiDocument))]
    public IActionResult Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "openapi.json")] HttpRequest request)
        => new OpenApiDocumentResult(ApiContract.Current);

    private sealed class OpenApiDocumentResult(ApiContract contract) : IActionResult
    {
        public async Task ExecuteResultAsync(ActionContext context)
        {
            var request = context.HttpContext.Request;
            var response = context.HttpContext.Response;
            response.Headers.CacheControl = "public, max-age=300";
            response.Headers.ETag = contract.ETag;
            if (request.Headers.IfNoneMatch.Contains(contract.ETag))
            {
                response.StatusCode = StatusCodes.Status304NotModified;
                return;
            }
            response.StatusCode = StatusCodes.Status200OK;
            response.ContentType = "application/json";
            response.ContentLength = contract.Json.Length;
            await response.Body.WriteAsync(contract.Json, context.HttpContext.RequestAborted);
        }
    }
}
