namespace Billing.Tests.Infrastructure;

/// <summary>The shared DevHost with the default test settings, as an xunit class fixture.</summary>
public sealed class DefaultHost : IAsyncLifetime
{
    public TestHost Host { get; private set; } = null!;

    public async Task InitializeAsync() => Host = await (await TestEnvironment.GetAsync()).HostAsync();

    public Task DisposeAsync() => Task.CompletedTask;
}
