using Billing.Functions.Contract;
using Billing.Functions.Plans;
using System.Net.Http.Headers;

namespace Billing.Tests.Contract;

/// <summary>openapi/billing.yaml is the contract: served, equal to the functions, and what every response is checked against.</summary>
public sealed class ContractTests(DefaultHost fixture) : IClassFixture<DefaultHost>, IDisposable
{
    private readonly HttpClient _client = fixture.Host.CreateClient();

    public void Dispose() => _client.Dispose();

    private static JsonObject FileDocument() => ApiContract.Parse(File.ReadAllText(RepoPaths.Of("openapi", "billing.yaml"))).Document;

    [Fact]
    public void Http_functions_and_document_operations_are_the_same_set()
    {
        var functions = RouteSet.FromFunctions(typeof(GetPlans).Assembly, RouteFallback.CatchAllRoute);
        var document = RouteSet.FromDocument(FileDocument());

        Assert.NotEmpty(functions);
        Assert.True(RouteSet.Differences(functions, document).Count == 0, string.Join("\n", RouteSet.Differences(functions, document)));
    }

    [Fact]
    public void A_function_missing_from_the_document_is_named()
    {
        var functions = RouteSet.FromFunctions(typeof(GetPlans).Assembly, RouteFallback.CatchAllRoute);
        functions.UnionWith(RouteSet.FromFunctions(typeof(UndocumentedFunction).Assembly, RouteFallback.CatchAllRoute));

        var differences = RouteSet.Differences(functions, RouteSet.FromDocument(FileDocument()));

        Assert.Equal(["function without an operation in openapi/billing.yaml: POST /shipments/{id}/cancel CancelShipmentBilling"], differences);
    }

    [Fact]
    public void An_operation_without_a_function_is_named()
    {
        var document = FileDocument();
        document["paths"]!["/usage/{resource}/refund"] = new JsonObject { ["post"] = new JsonObject { ["operationId"] = "RefundUsage" } };

        var differences = RouteSet.Differences(RouteSet.FromFunctions(typeof(GetPlans).Assembly, RouteFallback.CatchAllRoute), RouteSet.FromDocument(document));

        Assert.Equal(["operation in openapi/billing.yaml without a function: POST /usage/{resource}/refund RefundUsage"], differences);
    }

    [Fact]
    public async Task Openapi_json_serves_the_yaml_document_anonymously_and_cacheably()
    {
        var response = await _client.GetAsync("/api/v1/billing/openapi.json");

        var served = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(JsonNode.DeepEquals(FileDocument(), served), "the served document differs from openapi/billing.yaml");
        Assert.Equal("3.1.0", served["openapi"]!.GetValue<string>());
        Assert.True(response.Headers.CacheControl?.Public);
        Assert.NotNull(response.Headers.ETag);

        var again = new HttpRequestMessage(HttpMethod.Get, "/api/v1/billing/openapi.json");
        again.Headers.IfNoneMatch.Add(response.Headers.ETag!);
        Assert.Equal(HttpStatusCode.NotModified, (await _client.SendAsync(again)).StatusCode);
    }

    [Theory]
    [InlineData("GET", "/api/v1/billing/plan")]
    [InlineData("POST", "/api/v1/billing/usage/shipments/consume/now")]
    [InlineData("GET", "/api/v1/billing")]
    [InlineData("DELETE", "/api/v1/billing/nothing/here")]
    public async Task Unknown_route_under_the_prefix_is_404_not_found_naming_it(string method, string path)
    {
        var response = await _client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));

        var problem = await Api.ProblemAsync(response, HttpStatusCode.NotFound, "not_found");
        Assert.Contains(path, problem.GetProperty("detail").GetString());
    }

    [Theory]
    [InlineData("DELETE", "/api/v1/billing/plans", "GET")]
    [InlineData("POST", "/api/v1/billing/plans", "GET")]
    [InlineData("GET", "/api/v1/billing/checkout", "POST")]
    [InlineData("PUT", "/api/v1/billing/usage/shipments/consume", "POST")]
    [InlineData("PATCH", "/api/v1/billing/webhooks", "POST")]
    public async Task Known_route_with_another_method_is_405_with_allow(string method, string path, string allowed)
    {
        var response = await _client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path) { Content = new StringContent("{}", Encoding.UTF8, "application/json") });

        var problem = await Api.ProblemAsync(response, HttpStatusCode.MethodNotAllowed, "method_not_allowed");
        Assert.Equal([allowed], response.Content.Headers.Allow);
        Assert.Contains(path, problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Every_response_is_counted_by_the_validator()
    {
        var before = ContractValidator.Validated;

        await _client.GetAsync("/api/v1/billing/plans");

        Assert.True(ContractValidator.Validated > before);
        Assert.True(ContractValidator.Coverage.ContainsKey("GetPlans 200"));
    }

    [Fact]
    public void Validator_rejects_a_body_the_document_does_not_allow()
    {
        var response = new HttpResponseMessage(HttpStatusCode.OK)
        {
            Content = new StringContent("""{"plans":[{"tier":"gold","name":"Gold"}],"extra":1}""", Encoding.UTF8, "application/json"),
        };
        response.Headers.CacheControl = new CacheControlHeaderValue { NoStore = true };
        response.Headers.Add("X-Content-Type-Options", "nosniff");

        var problems = ContractValidator.Check(HttpMethod.Get, "/api/v1/billing/plans", response, """{"plans":[{"tier":"gold","name":"Gold"}],"extra":1}""", record: false);

        Assert.Single(problems);
        Assert.Contains("/plans/0/tier", problems[0]);
        Assert.Contains("extra", problems[0]);
    }

    [Fact]
    public void Validator_rejects_an_undeclared_status_and_a_503_without_retry_after()
    {
        const string body = """{"type":"urn:loginexus:billing:error:database_unavailable","title":"Service unavailable","status":503,"detail":"Down.","code":"database_unavailable"}""";
        var response = new HttpResponseMessage(HttpStatusCode.ServiceUnavailable) { Content = new StringContent(body, Encoding.UTF8, "application/problem+json") };

        var unavailable = ContractValidator.Check(HttpMethod.Get, "/api/v1/billing/usage", response, body, record: false);
        var undeclared = ContractValidator.Check(HttpMethod.Get, "/api/v1/billing/plans", response, body, record: false);

        Assert.Contains(unavailable, p => p.Contains("header Retry-After is required"));
        Assert.Contains(unavailable, p => p.Contains("retry_after"));
        Assert.Equal(["GET /api/v1/billing/plans -> 503: GetPlans does not declare status 503"], undeclared);
    }
}
