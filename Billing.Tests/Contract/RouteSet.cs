using Microsoft.Azure.Functions.Worker;
using System.Reflection;

namespace Billing.Tests.Contract;

/// <summary>An HTTP operation as "METHOD /route FunctionName", from either side of the contract.</summary>
public static class RouteSet
{
    /// <summary>Every <c>[HttpTrigger]</c> of the <c>[Function]</c>s in <paramref name="assembly"/>, except the catch-all fallback.</summary>
    public static SortedSet<string> FromFunctions(Assembly assembly, string catchAllRoute)
    {
        var set = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var method in assembly.GetTypes().SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static)))
        {
            if (method.GetCustomAttribute<FunctionAttribute>() is not { } function) continue;
            var trigger = method.GetParameters().Select(p => p.GetCustomAttribute<HttpTriggerAttribute>()).FirstOrDefault(a => a is not null);
            if (trigger is null || trigger.Route == catchAllRoute) continue;
            var route = "/" + (trigger.Route ?? function.Name);
            foreach (var verb in trigger.Methods ?? ["get", "post", "put", "patch", "delete"])
                set.Add($"{verb.ToUpperInvariant()} {route} {function.Name}");
        }
        return set;
    }

    /// <summary>Every operation of the OpenAPI document, named by its operationId.</summary>
    public static SortedSet<string> FromDocument(JsonObject document)
    {
        var set = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var (path, item) in document["paths"]!.AsObject())
            foreach (var (verb, operation) in item!.AsObject())
                if (verb is "get" or "put" or "post" or "delete" or "options" or "head" or "patch" or "trace")
                    set.Add($"{verb.ToUpperInvariant()} {path} {operation!["operationId"]?.GetValue<string>() ?? "(no operationId)"}");
        return set;
    }

    /// <summary>What one side has and the other lacks, worded for a failing test.</summary>
    public static IReadOnlyList<string> Differences(SortedSet<string> functions, SortedSet<string> document) =>
    [
        .. functions.Except(document).Select(f => $"function without an operation in openapi/billing.yaml: {f}"),
        .. document.Except(functions).Select(d => $"operation in openapi/billing.yaml without a function: {d}"),
    ];
}
