using Billing.Core.Errors;
using Billing.Functions.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;

namespace Billing.Functions.Contract;

/// <summary>
/// Every request under the route prefix that no other function takes: literal routes win over this catch-all
/// (in the Functions host as in DevHost), so it sees only unknown paths (404 <c>not_found</c>) and known paths
/// with a method they do not answer (405 <c>method_not_allowed</c> with <c>Allow</c>). The route table is the
/// contract's: a contract test keeps it equal to the functions' routes. It is not an operation of the contract.
/// </summary>
public sealed class RouteFallback(ILogger<RouteFallback> logger)
{
    public const string CatchAllRoute = "{*path}";

    [Function(nameof(RouteFallback))]
    public IActionResult Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", "post", "put", "patch", "delete", "head", Route = CatchAllRoute)] HttpRequest request,
        string? path)
    {
        var shown = request.Path.Value ?? "/";
        if (ApiContract.Current.Match(path ?? "") is not { } known)
        {
            return ProblemMapper.ToResult(BillingException.NotFound(
                $"No route {shown}. See /api/v1/billing/openapi.json for the routes."), logger);
        }
        var allow = string.Join(", ", known.Methods);
        return ProblemMapper.MethodNotAllowed($"{shown} answers {allow}, not {request.Method}.", known.Methods);
    }
}
