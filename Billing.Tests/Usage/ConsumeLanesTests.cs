namespace Billing.Tests.Usage;

/// <summary>The per-key coalescing on its own, with a hand-driven "statement" instead of PostgreSQL.</summary>
public sealed class ConsumeLanesTests
{
    /// <summary>A stand-in for the database: records each batch and finishes it only when the test says so.</summary>
    private sealed class Statements
    {
        public readonly List<int[]> Batches = [];
        private readonly List<TaskCompletionSource> _inFlight = [];

        public Task<Outcome<string>[]> RunAsync(string key, IReadOnlyList<int> requests)
        {
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (Batches)
            {
                Batches.Add([.. requests]);
                _inFlight.Add(done);
            }
            return done.Task.ContinueWith(_ => requests.Select(r => r < 0
                ? Outcome<string>.Fail(new InvalidOperationException($"refused {r}"))
                : Outcome<string>.Of($"{key}:{r}")).ToArray());
        }

        public int Count { get { lock (Batches) return Batches.Count; } }

        public void Finish(int batch) { lock (Batches) _inFlight[batch].SetResult(); }

        /// <summary>Waits (polling, with a deadline) until <paramref name="count"/> batches have started.</summary>
        public async Task StartedAsync(int count) =>
            Assert.True(await Eventually.TrueAsync(() => Task.FromResult(Count >= count), TimeSpan.FromSeconds(10)), $"batch {count} never started");
    }

    [Fact]
    public async Task A_lone_request_goes_out_at_once()
    {
        var statements = new Statements();
        var lanes = new ConsumeLanes<string, int, string>(maxBatch: 8);

        var answer = lanes.SubmitAsync("t1", 5, statements.RunAsync);

        Assert.Equal(1, statements.Count); // started synchronously, before anyone waited
        statements.Finish(0);
        Assert.Equal("t1:5", await answer);
    }

    [Fact]
    public async Task A_caller_that_leaves_while_queued_is_never_decided_or_counted()
    {
        var statements = new Statements();
        var lanes = new ConsumeLanes<string, int, string>(maxBatch: 8);
        using var leaving = new CancellationTokenSource();

        var first = lanes.SubmitAsync("t1", 1, statements.RunAsync);
        var gone = lanes.SubmitAsync("t1", 2, statements.RunAsync, leaving.Token);
        var staying = lanes.SubmitAsync("t1", 3, statements.RunAsync);
        leaving.Cancel(); // the client timed out while its request still waited behind the first

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => gone);
        statements.Finish(0);
        await statements.StartedAsync(2);
        statements.Finish(1);

        Assert.Equal("t1:1", await first);
        Assert.Equal("t1:3", await staying);
        Assert.Equal([[1], [3]], statements.Batches);
    }

    [Fact]
    public async Task Requests_arriving_while_one_is_in_flight_go_out_together_in_arrival_order()
    {
        var statements = new Statements();
        var lanes = new ConsumeLanes<string, int, string>(maxBatch: 8);

        var first = lanes.SubmitAsync("t1", 1, statements.RunAsync);
        var waiting = Enumerable.Range(2, 5).Select(q => lanes.SubmitAsync("t1", q, statements.RunAsync)).ToArray();
        var otherKey = lanes.SubmitAsync("t2", 9, statements.RunAsync);

        Assert.Equal(2, statements.Count); // t1's first and t2's, not the five waiting behind t1
        statements.Finish(0);
        Assert.Equal("t1:1", await first);
        await statements.StartedAsync(3);
        Assert.Equal([2, 3, 4, 5, 6], statements.Batches[2]);
        statements.Finish(2);
        Assert.Equal(["t1:2", "t1:3", "t1:4", "t1:5", "t1:6"], await Task.WhenAll(waiting));
        statements.Finish(1);
        Assert.Equal("t2:9", await otherKey);
    }

    [Fact]
    public async Task A_batch_is_bounded_and_each_request_gets_its_own_outcome()
    {
        var statements = new Statements();
        var lanes = new ConsumeLanes<string, int, string>(maxBatch: 3);

        var first = lanes.SubmitAsync("t1", 0, statements.RunAsync);
        var waiting = new[] { 1, -2, 3, 4, -5 }.Select(q => lanes.SubmitAsync("t1", q, statements.RunAsync)).ToArray();
        statements.Finish(0);
        await first;
        await statements.StartedAsync(2);
        statements.Finish(1);
        await statements.StartedAsync(3);
        statements.Finish(2);

        Assert.Equal([1, -2, 3], statements.Batches[1]);
        Assert.Equal([4, -5], statements.Batches[2]);
        Assert.Equal("t1:1", await waiting[0]);
        await Assert.ThrowsAsync<InvalidOperationException>(() => waiting[1]);
        Assert.Equal("t1:3", await waiting[2]);
        Assert.Equal("t1:4", await waiting[3]);
        await Assert.ThrowsAsync<InvalidOperationException>(() => waiting[4]);
    }

    [Fact]
    public async Task A_failed_statement_fails_only_its_batch_and_the_lane_carries_on()
    {
        var lanes = new ConsumeLanes<string, int, string>(maxBatch: 8);
        var outage = new TaskCompletionSource<Outcome<string>[]>();
        Task<Outcome<string>[]> Run(string key, IReadOnlyList<int> requests) => requests[0] == 1
            ? outage.Task
            : Task.FromResult(requests.Select(r => Outcome<string>.Of($"{key}:{r}")).ToArray());

        var failed = lanes.SubmitAsync("t1", 1, Run);
        var next = lanes.SubmitAsync("t1", 2, Run);
        outage.SetException(new TimeoutException("database down"));

        await Assert.ThrowsAsync<TimeoutException>(() => failed);
        Assert.Equal("t1:2", await next);
    }
}
