using Microsoft.AspNetCore.Http;
using System.Reflection;

namespace Billing.DevHost;

/// <summary>
/// Calls a function the way the worker does: a fresh instance from DI per invocation, parameters bound by
/// type (trigger input, <see cref="CancellationToken"/>) or by route-value name, and the result awaited.
/// </summary>
internal static class FunctionInvoker
{
    // Building a constructor call by reflection is the slow part of activation: do it once per function class.
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<Type, ObjectFactory> Factories = new();

    public static async Task<object?> InvokeAsync(
        FunctionDescriptor function, IServiceProvider services, object? triggerValue,
        IReadOnlyDictionary<string, object?> namedValues, CancellationToken ct)
    {
        var instance = function.Method.IsStatic ? null : Factories.GetOrAdd(function.Type, t => ActivatorUtilities.CreateFactory(t, []))(services, null);
        try
        {
            var args = function.Method.GetParameters().Select(p => Bind(function, p, triggerValue, namedValues, ct)).ToArray();
            object? returned;
            try
            {
                returned = function.Method.Invoke(instance, args);
            }
            catch (TargetInvocationException e) when (e.InnerException is not null)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerException).Throw();
                throw;
            }
            return await Unwrap(returned, function.Method.ReturnType);
        }
        finally
        {
            switch (instance)
            {
                case IAsyncDisposable a: await a.DisposeAsync(); break;
                case IDisposable d: d.Dispose(); break;
            }
        }
    }

    private static object? Bind(FunctionDescriptor function, ParameterInfo parameter, object? triggerValue,
        IReadOnlyDictionary<string, object?> namedValues, CancellationToken ct)
    {
        if (parameter == function.TriggerParameter) return triggerValue;
        if (parameter.ParameterType == typeof(CancellationToken)) return ct;
        if (parameter.Name is { } name && namedValues.TryGetValue(name, out var value))
        {
            return value is null || parameter.ParameterType.IsInstanceOfType(value)
                ? value
                : Convert.ChangeType(value, parameter.ParameterType, System.Globalization.CultureInfo.InvariantCulture);
        }
        throw new InvalidOperationException($"DevHost cannot bind parameter '{parameter.Name}' of function {function.Name}.");
    }

    private static async Task<object?> Unwrap(object? returned, Type declared)
    {
        switch (returned)
        {
            case null: return null;
            case Task task:
                await task;
                // An async Task method's runtime type is Task<VoidTaskResult>: trust the declared type.
                return declared.IsGenericType ? task.GetType().GetProperty(nameof(Task<object>.Result))!.GetValue(task) : null;
            case ValueTask valueTask:
                await valueTask;
                return null;
            default: return returned;
        }
    }

    public static IReadOnlyDictionary<string, object?> RouteValues(HttpContext context) =>
        context.Request.RouteValues.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.OrdinalIgnoreCase);
}
