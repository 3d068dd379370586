namespace Billing.Tests.Infrastructure;

/// <summary>The run's real services (<see cref="TestEnvironment"/>) for a test class that needs nothing else set up.</summary>
public sealed class EnvironmentFixture : IAsyncLifetime
{
    public TestEnvironment Env { get; private set; } = null!;

    public async Task InitializeAsync() => Env = await TestEnvironment.GetAsync();

    public Task DisposeAsync() => Task.CompletedTask;
}
