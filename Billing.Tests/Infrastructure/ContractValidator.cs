using Billing.Functions.Contract;
using Json.Schema;
using System.Globalization;

namespace Billing.Tests.Infrastructure;

/// <summary>
/// The one check that every HTTP response the end-to-end tests receive conforms to openapi/billing.yaml: the
/// status is declared for the operation, the content type is the declared one, required headers are there and
/// match their schemas, and the body validates against its JSON Schema (JsonSchema.Net, draft 2020-12, formats
/// checked). Unknown paths under the prefix must be the document's <c>RouteNotFound</c> answer, other methods
/// its <c>MethodNotAllowed</c> answer. Every <see cref="TestHost"/> client sends through it, so no test can skip it.
/// </summary>
public static class ContractValidator
{
    public const string Prefix = "/api/v1/billing";

    private static readonly Lazy<JsonObject> Document = new(() =>
        ApiContract.Parse(File.ReadAllText(RepoPaths.Of("openapi", "billing.yaml"))).Document);

    private static readonly ConcurrentDictionary<string, JsonSchema> Schemas = new();
    private static readonly ConcurrentDictionary<string, int> Seen = new();
    private static int _validated;

    private static readonly EvaluationOptions Evaluation = new() { OutputFormat = OutputFormat.List, RequireFormatValidation = true };

    static ContractValidator() => AppDomain.CurrentDomain.ProcessExit += (_, _) => WriteReport();

    /// <summary>How many responses have been validated in this test run.</summary>
    public static int Validated => Volatile.Read(ref _validated);

    /// <summary>Each operation (or fallback answer) and status validated, with how often.</summary>
    public static IReadOnlyDictionary<string, int> Coverage => Seen;

    /// <summary>Every way <paramref name="response"/> departs from the document; empty when it conforms.</summary>
    /// <param name="record">false for the validator's own tests, which feed it made-up responses.</param>
    public static IReadOnlyList<string> Check(HttpMethod method, string escapedPath, HttpResponseMessage response, string body, bool record = true)
    {
        var problems = new List<string>();
        var status = ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture);
        var relative = escapedPath[Prefix.Length..];
        var paths = Document.Value["paths"]!.AsObject();
        var template = paths.Select(p => p.Key).FirstOrDefault(t => Matches(t, relative));

        string where;
        JsonObject? declared;
        if (template is null)
        {
            where = "RouteNotFound";
            declared = status == "404" ? Resolve(Component("responses", "RouteNotFound")) : null;
            if (declared is null) problems.Add($"an unknown path must answer 404 not_found, not {status}");
        }
        else if (paths[template]![method.Method.ToLowerInvariant()] is not JsonObject operation)
        {
            where = "MethodNotAllowed";
            declared = status == "405" ? Resolve(Component("responses", "MethodNotAllowed")) : null;
            if (declared is null) problems.Add($"{method} is not an operation of {template}: the answer must be 405, not {status}");
            var allow = response.Content.Headers.Allow.Concat(response.Headers.TryGetValues("Allow", out var a) ? a : []).ToList();
            var expected = paths[template]!.AsObject().Select(o => o.Key.ToUpperInvariant()).Where(m => m is "GET" or "POST" or "PUT" or "PATCH" or "DELETE" or "HEAD").Order();
            var actual = allow.SelectMany(v => v.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)).Order();
            if (!expected.SequenceEqual(actual))
                problems.Add($"Allow must list {string.Join(", ", expected)}, not '{string.Join(", ", allow)}'");
        }
        else
        {
            where = operation["operationId"]!.GetValue<string>();
            declared = Resolve(operation["responses"]?[status]);
            if (declared is null)
                problems.Add($"{where} does not declare status {status}");
        }

        if (declared is not null)
        {
            CheckHeaders(declared, response, problems);
            CheckContent(declared, method, response, body, $"{where}:{status}", problems);
        }

        if (record)
        {
            Interlocked.Increment(ref _validated);
            Seen.AddOrUpdate($"{where} {status}", 1, (_, n) => n + 1);
        }
        return problems.Select(p => $"{method} {escapedPath} -> {status}: {p}").ToList();
    }

    private static void CheckHeaders(JsonObject declared, HttpResponseMessage response, List<string> problems)
    {
        foreach (var (name, node) in declared["headers"] as JsonObject ?? [])
        {
            var header = Resolve(node)!;
            var values = response.Headers.TryGetValues(name, out var h) ? h.ToList()
                : response.Content.Headers.TryGetValues(name, out var c) ? c.ToList() : [];
            if (values.Count == 0)
            {
                if (header["required"]?.GetValue<bool>() == true) problems.Add($"header {name} is required");
                continue;
            }
            var schema = header["schema"]!.AsObject();
            var text = string.Join(", ", values);
            JsonNode? instance = schema["type"]?.GetValue<string>() == "integer" && long.TryParse(text, CultureInfo.InvariantCulture, out var n)
                ? JsonValue.Create(n) : JsonValue.Create(text);
            var result = SchemaFor($"header:{name}:{schema.ToJsonString()}", schema).Evaluate(ToElement(instance), Evaluation);
            if (!result.IsValid) problems.Add($"header {name} '{text}' does not match its schema{Errors(result)}");
        }
    }

    private static void CheckContent(JsonObject declared, HttpMethod method, HttpResponseMessage response, string body, string key, List<string> problems)
    {
        var content = declared["content"] as JsonObject;
        var mediaType = response.Content.Headers.ContentType?.MediaType;
        if (content is null || method == HttpMethod.Head)
        {
            if (content is null && body.Length > 0) problems.Add("declares no body but one was sent");
            return;
        }
        if (mediaType is null || content[mediaType] is not JsonObject media)
        {
            problems.Add($"content type '{mediaType}' is not one of {string.Join(", ", content.Select(c => c.Key))}");
            return;
        }

        JsonElement instance;
        try
        {
            using var parsed = JsonDocument.Parse(body);
            instance = parsed.RootElement.Clone();
        }
        catch (JsonException e)
        {
            problems.Add($"body is not JSON: {e.Message}");
            return;
        }
        var result = SchemaFor($"{key}:{mediaType}", media["schema"]!.AsObject()).Evaluate(instance, Evaluation);
        if (!result.IsValid) problems.Add($"body does not match its schema{Errors(result)}\n{body}");
    }

    /// <summary>
    /// A schema of the document made self-contained: the document's component schemas ride along as <c>$defs</c>,
    /// with their references rewritten to point there.
    /// </summary>
    private static JsonSchema SchemaFor(string key, JsonObject schema) => Schemas.GetOrAdd(key, _ =>
    {
        var root = (JsonObject)Rewrite(schema.DeepClone())!;
        root["$schema"] = "https://json-schema.org/draft/2020-12/schema";
        root["$defs"] = Rewrite(Document.Value["components"]!["schemas"]!.DeepClone());
        return JsonSchema.Build(ToElement(root), new BuildOptions(), new Uri($"urn:billing-contract:{Schemas.Count}:{Guid.NewGuid():N}"));
    });

    private static JsonNode? Rewrite(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (name, child) in obj.ToList())
                {
                    if (name == "$ref" && child!.GetValue<string>() is var target && target.StartsWith("#/components/schemas/", StringComparison.Ordinal))
                        obj["$ref"] = "#/$defs/" + target["#/components/schemas/".Length..];
                    else
                        Rewrite(child);
                }
                break;
            case JsonArray array:
                foreach (var child in array) Rewrite(child);
                break;
        }
        return node;
    }

    /// <summary>A response or header of the document, following its <c>$ref</c> (to components) if it has one.</summary>
    private static JsonObject? Resolve(JsonNode? node)
    {
        while (node is JsonObject obj && obj["$ref"]?.GetValue<string>() is { } target)
        {
            var parts = target.TrimStart('#', '/').Split('/');
            node = parts.Aggregate((JsonNode?)Document.Value, (n, part) => n?[part.Replace("~1", "/").Replace("~0", "~")]);
        }
        return node as JsonObject;
    }

    private static JsonNode Component(string kind, string name) => Document.Value["components"]![kind]![name]!;

    private static bool Matches(string template, string path)
    {
        var t = template.Trim('/').Split('/');
        var p = path.Trim('/').Split('/');
        return t.Length == p.Length && t.Zip(p).All(x => x.First.StartsWith('{') ? x.Second.Length > 0 : x.First == x.Second);
    }

    private static JsonElement ToElement(JsonNode? node)
    {
        using var doc = JsonDocument.Parse(node?.ToJsonString() ?? "null");
        return doc.RootElement.Clone();
    }

    private static string Errors(EvaluationResults result) =>
        string.Concat((result.Details ?? []).Where(d => d.Errors is { Count: > 0 })
            .SelectMany(d => d.Errors!.Select(e => $"\n  at {d.InstanceLocation} ({d.EvaluationPath}): {e.Key}: {e.Value}")));

    private static void WriteReport()
    {
        if (Environment.GetEnvironmentVariable("BILLING_TEST_CONTRACT_REPORT") is not { Length: > 0 } path) return;
        var lines = Seen.OrderBy(s => s.Key, StringComparer.Ordinal).Select(s => $"  {s.Key}: {s.Value}");
        File.WriteAllLines(path, [$"{Validated} responses validated against openapi/billing.yaml (operation status: count):", .. lines]);
    }
}

/// <summary>Sends through <see cref="ContractValidator"/>: a response that departs from the contract fails the test that got it.</summary>
public sealed class ContractValidatingHandler() : DelegatingHandler(new SocketsHttpHandler())
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
    {
        var response = await base.SendAsync(request, ct);
        var path = request.RequestUri!.AbsolutePath;
        if (request.Method == HttpMethod.Options || !(path == ContractValidator.Prefix || path.StartsWith(ContractValidator.Prefix + "/", StringComparison.Ordinal)))
            return response; // CORS preflights (answered by the host or the platform) and DevHost's admin endpoints are not the API.

        await response.Content.LoadIntoBufferAsync(ct);
        var body = await response.Content.ReadAsStringAsync(ct);
        var problems = ContractValidator.Check(request.Method, path, response, body);
        if (problems.Count > 0)
            throw new ContractViolationException(string.Join("\n", problems));
        return response;
    }
}

public sealed class ContractViolationException(string message) : Exception("Response departs from openapi/billing.yaml:\n" + message);
