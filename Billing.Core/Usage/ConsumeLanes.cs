using System.Collections.Concurrent;

namespace Billing.Core.Usage;

/// <summary>
/// Coalesces work per key within one process. The first request for a key runs at once; requests for the
/// same key that arrive while it is in flight wait in arrival order, and when it finishes the next batch
/// (up to <c>maxBatch</c> of them) is handed to <c>run</c> in one call. No timers: a lone request never
/// waits, and a batch is exactly what piled up behind the one before it. Each request gets its own
/// result or exception. A batch runs without the callers' cancellation: once taken, it is decided for all.
/// </summary>
internal sealed class ConsumeLanes<TKey, TRequest, TResult>(int maxBatch) where TKey : notnull
{
    private readonly ConcurrentDictionary<TKey, Lane> _lanes = new();

    /// <summary>
    /// Runs <paramref name="request"/> now if nothing is in flight for <paramref name="key"/> (on the caller's
    /// own flow, no hand-off), else queues it behind the batch in flight. A caller whose <paramref name="ct"/>
    /// fires while its request still waits in the queue is dropped from it (nothing was decided, nothing is
    /// counted); once its batch has been taken, it is decided with the batch and the caller gets the answer.
    /// </summary>
    public async Task<TResult> SubmitAsync(TKey key, TRequest request, Func<TKey, IReadOnlyList<TRequest>, Task<Outcome<TResult>[]>> run, CancellationToken ct = default)
    {
        Lane lane;
        Pending? queued = null;
        while (true)
        {
            lane = _lanes.GetOrAdd(key, static _ => new Lane());
            lock (lane)
            {
                if (lane.Retired) continue; // emptied and removed just now: take (or make) the current one
                if (lane.Busy)
                {
                    queued = new Pending(request);
                    lane.Waiting.Enqueue(queued);
                }
                else
                {
                    lane.Busy = true;
                }
                break;
            }
        }
        if (queued is not null)
        {
            await using var registration = ct.Register(() =>
            {
                lock (lane)
                {
                    if (queued.Taken) return;
                    queued.Cancelled = true;
                }
                queued.Result.TrySetCanceled(ct);
            });
            return await queued.Result.Task;
        }

        Outcome<TResult> mine;
        try
        {
            mine = (await run(key, [request]))[0];
        }
        catch (Exception e)
        {
            mine = Outcome<TResult>.Fail(e);
        }
        if (TakeNext(key, lane) is { } next)
        {
            // The batches behind this caller belong to other requests: they must not run in its logging scope or trace.
            using (ExecutionContext.SuppressFlow())
                _ = DrainAsync(key, lane, next, run);
        }
        return mine.Error is { } error ? throw error : mine.Value!;
    }

    /// <summary>Runs the batches that queued up behind a leader, one after another, until none is waiting.</summary>
    private async Task DrainAsync(TKey key, Lane lane, List<Pending> batch, Func<TKey, IReadOnlyList<TRequest>, Task<Outcome<TResult>[]>> run)
    {
        for (; batch is not null; batch = TakeNext(key, lane)!)
        {
            try
            {
                var outcomes = await run(key, batch.Select(p => p.Request).ToArray());
                for (var i = 0; i < batch.Count; i++)
                {
                    if (outcomes[i].Error is { } error) batch[i].Result.TrySetException(error);
                    else batch[i].Result.TrySetResult(outcomes[i].Value!);
                }
            }
            catch (Exception e)
            {
                foreach (var p in batch) p.Result.TrySetException(e);
            }
        }
    }

    /// <summary>The next batch (up to the bound, in arrival order), or null after retiring the idle lane.</summary>
    private List<Pending>? TakeNext(TKey key, Lane lane)
    {
        lock (lane)
        {
            var batch = new List<Pending>(Math.Min(maxBatch, lane.Waiting.Count));
            while (batch.Count < maxBatch && lane.Waiting.TryDequeue(out var next))
            {
                if (next.Cancelled) continue; // its caller left before it was decided
                next.Taken = true;
                batch.Add(next);
            }
            if (batch.Count > 0) return batch;
            lane.Busy = false;
            lane.Retired = true;
            _lanes.TryRemove(new KeyValuePair<TKey, Lane>(key, lane));
            return null;
        }
    }

    private sealed class Lane
    {
        public readonly Queue<Pending> Waiting = new();
        public bool Busy;
        public bool Retired;
    }

    private sealed class Pending(TRequest request)
    {
        public TRequest Request { get; } = request;
        // Both guarded by the lane's lock: a request is either taken into a batch or cancelled, never both.
        public bool Taken;
        public bool Cancelled;
        public TaskCompletionSource<TResult> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}

/// <summary>One request's answer within a batch: a value, or the exception that request alone gets.</summary>
internal readonly record struct Outcome<T>(T? Value, Exception? Error)
{
    public static Outcome<T> Of(T value) => new(value, null);
    public static Outcome<T> Fail(Exception error) => new(default, error);
}
