using System.Globalization;
using System.Reflection;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace Billing.Functions.Contract;

/// <summary>
/// The API's contract, <c>openapi/billing.yaml</c>, embedded in this assembly: served as JSON by
/// <see cref="GetOpenApiDocument"/>, and the route table the fallback function answers 404 and 405 from.
/// </summary>
public sealed partial class ApiContract
{
    public const string ResourceName = "openapi/billing.yaml";

    private static readonly Lazy<ApiContract> Embedded = new(() =>
    {
        using var stream = typeof(ApiContract).Assembly.GetManifestResourceStream(ResourceName)
                           ?? throw new InvalidOperationException($"{ResourceName} is not embedded in {typeof(ApiContract).Assembly.GetName().Name}.");
        using var reader = new StreamReader(stream);
        return Parse(reader.ReadToEnd());
    });

    private ApiContract(JsonObject document, IReadOnlyList<PathTemplate> paths)
    {
        Document = document;
        Json = JsonSerializer.SerializeToUtf8Bytes(document);
        ETag = "\"" + Convert.ToHexStringLower(SHA256.HashData(Json))[..16] + "\"";
        Paths = paths;
    }

    /// <summary>The document of this build.</summary>
    public static ApiContract Current => Embedded.Value;

    public JsonObject Document { get; }

    /// <summary>The document as UTF-8 JSON.</summary>
    public byte[] Json { get; }

    public string ETag { get; }

    /// <summary>Every path of the document with the methods it declares (upper case).</summary>
    public IReadOnlyList<PathTemplate> Paths { get; }

    /// <summary>The path of the document that <paramref name="path"/> (relative to the route prefix, no leading slash) matches, or null.</summary>
    public PathTemplate? Match(string path) => Paths.FirstOrDefault(p => p.Matches(path));

    public static ApiContract Parse(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        if (stream.Documents.Count != 1 || ToJson(stream.Documents[0].RootNode) is not JsonObject document)
            throw new InvalidDataException($"{ResourceName} must hold one YAML mapping.");

        var paths = (document["paths"] as JsonObject ?? [])
            .Select(p => new PathTemplate(p.Key, (p.Value as JsonObject ?? [])
                .Where(o => HttpMethods.Contains(o.Key))
                .Select(o => o.Key.ToUpperInvariant())
                .ToArray()))
            .ToList();
        return new ApiContract(document, paths);
    }

    private static readonly HashSet<string> HttpMethods = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

    /// <summary>YAML to JSON with YAML 1.2 core-schema typing: plain scalars may be numbers, booleans or null; quoted ones are strings.</summary>
    private static JsonNode? ToJson(YamlNode node) => node switch
    {
        YamlMappingNode map => new JsonObject(map.Children.Select(c =>
            KeyValuePair.Create(((YamlScalarNode)c.Key).Value ?? "", ToJson(c.Value)))),
        YamlSequenceNode seq => new JsonArray(seq.Children.Select(ToJson).ToArray()),
        YamlScalarNode scalar => Scalar(scalar),
        _ => throw new InvalidDataException($"Unsupported YAML node at {node.Start}."),
    };

    private static JsonNode? Scalar(YamlScalarNode scalar)
    {
        var text = scalar.Value ?? "";
        if (scalar.Style is not YamlDotNet.Core.ScalarStyle.Plain)
            return JsonValue.Create(text);
        return text switch
        {
            "null" or "~" or "" => null,
            "true" => JsonValue.Create(true),
            "false" => JsonValue.Create(false),
            _ when IntegerLiteral().IsMatch(text) => JsonValue.Create(long.Parse(text, CultureInfo.InvariantCulture)),
            _ when DecimalLiteral().IsMatch(text) => JsonValue.Create(decimal.Parse(text, CultureInfo.InvariantCulture)),
            _ => JsonValue.Create(text),
        };
    }

    [GeneratedRegex(@"^-?(0|[1-9][0-9]*)$")]
    private static partial Regex IntegerLiteral();

    [GeneratedRegex(@"^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?$")]
    private static partial Regex DecimalLiteral();
}

/// <summary>A path of the document, such as <c>/usage/{resource}/consume</c>, and the methods it answers.</summary>
public sealed record PathTemplate(string Path, IReadOnlyList<string> Methods)
{
    private readonly string[] _segments = Path.Trim('/').Split('/');

    /// <summary>Whether a request path relative to the route prefix (no leading slash) falls under this template.</summary>
    public bool Matches(string path)
    {
        var segments = path.Trim('/').Split('/');
        if (segments.Length != _segments.Length) return false;
        for (var i = 0; i < segments.Length; i++)
        {
            var template = _segments[i];
            var isParameter = template.StartsWith('{') && template.EndsWith('}');
            if (isParameter ? segments[i].Length == 0 : !string.Equals(template, segments[i], StringComparison.Ordinal))
                return false;
        }
        return true;
    }
}
