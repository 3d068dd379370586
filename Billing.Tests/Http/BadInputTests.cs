namespace Billing.Tests.Http;

/// <summary>Bad bodies, headers and routes give a 4xx problem, never a 500.</summary>
public sealed class BadInputTests(DefaultHost fixture) : IClassFixture<DefaultHost>, IDisposable
{
    private readonly HttpClient _client = fixture.Host.CreateClient();
    private readonly string _token = TestTokens.For(Guid.NewGuid());

    public void Dispose() => _client.Dispose();

    [Theory]
    [InlineData("{\"quantity\":")]
    [InlineData("[1,2,3]")]
    [InlineData("null")]
    [InlineData("\"quantity\"")]
    [InlineData("{\"quantity\":\"5\"}")]
    [InlineData("{\"quantity\":1.5}")]
    [InlineData("{\"quantity\":true}")]
    [InlineData("{\"quantity\":99999999999999999999999}")]
    [InlineData("{\"quantity\":0}")]
    [InlineData("{\"quantity\":1001}")]
    [InlineData("{\"quantity\":-3}")]
    [InlineData("{\"quantity\":1,\"quantity\":500}")]
    [InlineData("{\"qty\":1}")]
    [InlineData("{\"quantity\":{\"$gt\":0}}")]
    public async Task Malformed_consume_body_is_400(string body)
    {
        var response = await _client.SendAsync(Api.Request(HttpMethod.Post, "/api/v1/billing/usage/shipments/consume", _token, body));

        var problem = await Api.JsonAsync(response, HttpStatusCode.BadRequest);
        Assert.Contains(problem.GetProperty("code").GetString(), new[] { "invalid_request", "validation_failed" });
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Validation_error_names_the_field()
    {
        var response = await _client.SendAsync(Api.Request(HttpMethod.Post, "/api/v1/billing/usage/shipments/consume", _token, """{"quantity":"many"}"""));

        var problem = await Api.ProblemAsync(response, HttpStatusCode.BadRequest, "validation_failed");
        Assert.True(problem.GetProperty("errors").TryGetProperty("quantity", out _));
    }

    [Theory]
    [InlineData("""{"quantity":"many"}""", "quantity", "must be an integer from 1 to 1000")]
    [InlineData("""{"quantity":2.5}""", "quantity", "must be an integer from 1 to 1000")]
    [InlineData("""{"quantity":0}""", "quantity", "must be an integer from 1 to 1000")]
    [InlineData("""{"qty":1}""", "qty", "is not a member of this body; this body takes quantity")]
    [InlineData("""{"quantity":1,"quantity":2}""", "quantity", "is sent more than once; send it once")]
    public async Task Bad_consume_body_names_the_field_and_what_it_must_be(string body, string field, string rule)
    {
        var response = await _client.SendAsync(Api.Request(HttpMethod.Post, "/api/v1/billing/usage/shipments/consume", _token, body));

        var problem = await Api.ProblemAsync(response, HttpStatusCode.BadRequest, "validation_failed");
        Assert.Equal([rule], problem.GetProperty("errors").GetProperty(field).EnumerateArray().Select(e => e.GetString()));
        Assert.Contains($"{field} {rule}", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Checkout_body_of_the_wrong_type_names_the_field()
    {
        var response = await _client.SendAsync(Api.Request(HttpMethod.Post, "/api/v1/billing/checkout", TestTokens.For(Guid.NewGuid(), "admin"), """{"plan_tier":5}"""));

        var problem = await Api.ProblemAsync(response, HttpStatusCode.BadRequest, "validation_failed");
        Assert.Equal("must be a string: must be pro or enterprise", problem.GetProperty("errors").GetProperty("plan_tier")[0].GetString());
    }

    [Fact]
    public async Task Body_that_is_not_json_says_where_it_breaks()
    {
        var response = await _client.SendAsync(Api.Request(HttpMethod.Post, "/api/v1/billing/usage/shipments/consume", _token, "{\"quantity\": 1,}"));

        var problem = await Api.ProblemAsync(response, HttpStatusCode.BadRequest, "invalid_request");
        Assert.Contains("not valid JSON (line 1", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Body_over_256_KiB_is_413()
    {
        var huge = "{\"quantity\":1,\"pad\":\"" + new string('x', 300 * 1024) + "\"}";
        var response = await _client.SendAsync(Api.Request(HttpMethod.Post, "/api/v1/billing/usage/shipments/consume", _token, huge));

        await Api.ProblemAsync(response, HttpStatusCode.RequestEntityTooLarge, "payload_too_large");
    }

    [Fact]
    public async Task Chunked_body_over_256_KiB_is_413()
    {
        var request = Api.Request(HttpMethod.Post, "/api/v1/billing/usage/shipments/consume", _token);
        request.Content = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(new string(' ', 300 * 1024) + "{}")));
        request.Headers.TransferEncodingChunked = true;

        await Api.ProblemAsync(await _client.SendAsync(request), HttpStatusCode.RequestEntityTooLarge, "payload_too_large");
    }

    [Theory]
    [InlineData("containers")]
    [InlineData("SHIPMENTS")]
    [InlineData("%E2%98%83")]
    public async Task Unknown_resource_is_404(string resource)
    {
        var response = await _client.SendAsync(Api.Request(HttpMethod.Post, $"/api/v1/billing/usage/{resource}/consume", _token, "{}"));
        await Api.ProblemAsync(response, HttpStatusCode.NotFound, "not_found");
    }

    [Theory]
    [InlineData("")]
    [InlineData("key with spaces")]
    [InlineData("key\twith-tab")]
    public async Task Bad_idempotency_key_is_400(string key)
    {
        var request = Api.Request(HttpMethod.Post, "/api/v1/billing/usage/shipments/consume", _token, "{}");
        request.Headers.TryAddWithoutValidation("Idempotency-Key", key);

        await Api.ProblemAsync(await _client.SendAsync(request), HttpStatusCode.BadRequest, "validation_failed");
    }

    [Theory]
    [InlineData(null, "Idempotency-Key is required: the Idempotency-Key of the consume to give back.")]
    [InlineData("key with spaces", "Idempotency-Key must be 1 to 255 printable ASCII characters, without spaces.")]
    public async Task Release_with_a_missing_or_bad_key_says_what_to_send_in_one_sentence(string? key, string expected)
    {
        var request = Api.Request(HttpMethod.Post, "/api/v1/billing/usage/shipments/release", _token);
        if (key is not null) request.Headers.TryAddWithoutValidation("Idempotency-Key", key);

        var problem = await Api.ProblemAsync(await _client.SendAsync(request), HttpStatusCode.BadRequest, "validation_failed");

        Assert.Equal($"The request has invalid fields: {expected}", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Overlong_idempotency_key_is_400()
    {
        var request = Api.Request(HttpMethod.Post, "/api/v1/billing/usage/shipments/consume", _token, "{}");
        request.Headers.Add("Idempotency-Key", new string('k', 256));

        await Api.ProblemAsync(await _client.SendAsync(request), HttpStatusCode.BadRequest, "validation_failed");
    }

    [Fact]
    public async Task Two_authorization_headers_are_refused()
    {
        var request = Api.Request(HttpMethod.Get, "/api/v1/billing/usage");
        request.Headers.TryAddWithoutValidation("Authorization", ["Bearer " + _token, "Bearer " + TestTokens.For(Guid.NewGuid())]);

        var response = await _client.SendAsync(request);

        Assert.True(response.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.Unauthorized, $"got {(int)response.StatusCode}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }
}
