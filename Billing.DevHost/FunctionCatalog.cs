using System.Reflection;

namespace Billing.DevHost;

/// <summary>One <c>[Function]</c> method and the trigger that starts it, found by reflection.</summary>
internal sealed record FunctionDescriptor(string Name, Type Type, MethodInfo Method, ParameterInfo TriggerParameter, Attribute Trigger)
{
    public bool IsHttp => Trigger is HttpTriggerAttribute;
}

/// <summary>
/// Every function of an assembly, as the Functions host would index it. Adding a function to
/// Billing.Functions needs nothing here: the triggers are read from the attributes the host reads too.
/// </summary>
internal sealed class FunctionCatalog
{
    private static readonly Type[] TriggerTypes = [typeof(HttpTriggerAttribute), typeof(QueueTriggerAttribute), typeof(TimerTriggerAttribute)];

    public FunctionCatalog(Assembly assembly)
    {
        Functions = assembly.GetTypes()
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly))
            .Select(m => (Method: m, Function: m.GetCustomAttribute<FunctionAttribute>()))
            .Where(x => x.Function is not null)
            .Select(x => Describe(x.Function!.Name, x.Method))
            .ToDictionary(f => f.Name, StringComparer.OrdinalIgnoreCase);
    }

    public IReadOnlyDictionary<string, FunctionDescriptor> Functions { get; }

    private static FunctionDescriptor Describe(string name, MethodInfo method)
    {
        var triggers = method.GetParameters()
            .SelectMany(p => p.GetCustomAttributes().Where(a => TriggerTypes.Contains(a.GetType())).Select(a => (Parameter: p, Attribute: a)))
            .ToList();
        if (triggers.Count != 1)
            throw new InvalidOperationException($"Function {name} must have exactly one trigger that DevHost supports (HTTP, queue or timer); it has {triggers.Count}.");
        return new FunctionDescriptor(name, method.DeclaringType!, method, triggers[0].Parameter, triggers[0].Attribute);
    }
}
