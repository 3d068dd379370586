using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Billing.Tests.Contract;

/// <summary>
/// A function the document does not describe, living in the test assembly only (never hosted): the route-set
/// comparison must name it when it is given this assembly's functions.
/// </summary>
public sealed class UndocumentedFunction
{
    [Function("CancelShipmentBilling")]
    public IActionResult Run([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "shipments/{id}/cancel")] HttpRequest request)
        => new OkResult();
}
