using System.Diagnostics;

namespace Billing.Bench;

/// <summary>One measured run: how many operations, how long, and each operation's latency.</summary>
internal sealed record Run(int Operations, TimeSpan Elapsed, double[] LatenciesMs, int Failures = 0)
{
    public double Throughput => Operations / Elapsed.TotalSeconds;
    public double P50 => Percentile(0.50);
    public double P99 => Percentile(0.99);
    public double Max => LatenciesMs.Length == 0 ? double.NaN : LatenciesMs.Max();

    public double Percentile(double p)
    {
        if (LatenciesMs.Length == 0) return double.NaN;
        var sorted = LatenciesMs.Order().ToArray();
        return sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
    }
}

internal static class Measure
{
    /// <summary>Closed loop: <paramref name="clients"/> workers each run <paramref name="operation"/> back to back until <paramref name="total"/> are done.</summary>
    public static async Task<Run> ClosedLoopAsync(int clients, int total, Func<int, Task<bool>> operation)
    {
        var latencies = new double[total];
        var next = -1;
        var failures = 0;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, clients).Select(client => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < total)
            {
                var started = Stopwatch.GetTimestamp();
                if (!await operation(client)) Interlocked.Increment(ref failures);
                latencies[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            }
        })));
        return new Run(total, clock.Elapsed, latencies, failures);
    }

    /// <summary>Closed loop until <paramref name="stop"/> fires (or <paramref name="limit"/> operations): <paramref name="clients"/> workers back to back.</summary>
    public static async Task<Run> ClosedLoopUntilAsync(int clients, CancellationToken stop, Func<int, Task<bool>> operation, int limit = 1_000_000)
    {
        var latencies = new List<double>[clients];
        var failures = 0;
        var done = 0;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, clients).Select(client => Task.Run(async () =>
        {
            var mine = latencies[client] = [];
            while (!stop.IsCancellationRequested && Interlocked.Increment(ref done) <= limit)
            {
                var started = Stopwatch.GetTimestamp();
                if (!await operation(client)) Interlocked.Increment(ref failures);
                mine.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
        })));
        var all = latencies.SelectMany(l => l).ToArray();
        return new Run(all.Length, clock.Elapsed, all, failures);
    }

    /// <summary>
    /// Open loop at a fixed rate: request i is due at i / rate, whatever happened to earlier ones, and its
    /// latency counts from when it was due (no coordinated omission). The generator wakes about every
    /// millisecond and sends whatever has fallen due, so it does not burn a core spinning.
    /// </summary>
    public static async Task<Run> OpenLoopAsync(double ratePerSecond, int total, Func<Task<bool>> operation)
    {
        var latencies = new double[total];
        var failures = 0;
        var start = Stopwatch.GetTimestamp();
        var tasks = new Task[total];
        var i = 0;
        while (i < total)
        {
            var now = Stopwatch.GetTimestamp();
            for (; i < total; i++)
            {
                var due = start + (long)(i / ratePerSecond * Stopwatch.Frequency);
                if (due > now) break;
                var index = i;
                tasks[i] = Task.Run(async () =>
                {
                    if (!await operation()) Interlocked.Increment(ref failures);
                    latencies[index] = (Stopwatch.GetTimestamp() - due) * 1000.0 / Stopwatch.Frequency;
                });
            }
            if (i < total) await Task.Delay(1);
        }
        await Task.WhenAll(tasks);
        return new Run(total, Stopwatch.GetElapsedTime(start), latencies, failures);
    }

    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
