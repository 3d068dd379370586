using Billing.Core.Errors;
using System.Text.Json;

namespace Billing.Functions.Http;

/// <summary>
/// A request body type: its members (wire names) and, for each, what a client must send, in the words an
/// error answer uses (<c>"quantity": ["must be an integer from 1 to 1000"]</c>). The same rules are in the
/// body's schema in openapi/billing.yaml.
/// </summary>
public interface IRequestBody
{
    static abstract IReadOnlyDictionary<string, string> Rules { get; }
}

/// <summary>Reads a request body strictly and says exactly what is wrong with it.</summary>
public static class RequestBody
{
    /// <summary>An empty body means "all defaults"; anything else must be one JSON object of the body's shape.</summary>
    public static T Parse<T>(ReadOnlySpan<byte> bytes) where T : IRequestBody, new()
    {
        if (bytes.Trim(" \t\r\n"u8).IsEmpty)
            return new T();

        Dictionary<string, string[]> errors;
        try
        {
            using var document = JsonDocument.Parse(bytes.ToArray(), new JsonDocumentOptions { MaxDepth = BillingJson.Options.MaxDepth });
            if (document.RootElement.ValueKind != JsonValueKind.Object)
                throw BillingException.Invalid($"The request body must be a JSON object, not {Describe(document.RootElement.ValueKind)}.");
            errors = ShapeErrors<T>(document.RootElement);
        }
        catch (JsonException e)
        {
            throw BillingException.Invalid($"The request body is not valid JSON (line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1}).");
        }
        if (errors.Count > 0)
            throw BillingException.Validation(errors);

        try
        {
            return JsonSerializer.Deserialize<T>(bytes, BillingJson.Options)
                   ?? throw BillingException.Invalid("The request body must be a JSON object, not null.");
        }
        catch (JsonException e)
        {
            var field = string.IsNullOrEmpty(e.Path) || e.Path == "$" ? "body" : e.Path.TrimStart('$', '.');
            throw BillingException.Validation(field, T.Rules.TryGetValue(field, out var rule) ? rule : "has a value of the wrong type");
        }
    }

    /// <summary>Unknown and repeated members, and members whose JSON type cannot be what the rule asks for.</summary>
    private static Dictionary<string, string[]> ShapeErrors<T>(JsonElement body) where T : IRequestBody
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var known = T.Rules.Count == 0 ? "this body takes no members" : "this body takes " + string.Join(", ", T.Rules.Keys);
        foreach (var member in body.EnumerateObject())
        {
            var name = member.Name.Length > 100 ? member.Name[..100] + "…" : member.Name;
            if (!T.Rules.TryGetValue(member.Name, out var rule))
                errors[name] = [$"is not a member of this body; {known}"];
            else if (!seen.Add(member.Name))
                errors[name] = ["is sent more than once; send it once"];
        }
        return errors;
    }

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "null",
    };
}
