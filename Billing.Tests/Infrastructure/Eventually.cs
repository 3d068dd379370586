namespace Billing.Tests.Infrastructure;

/// <summary>Polls with a deadline, for effects that happen asynchronously (a queue consumer, a timer). Never a bare delay.</summary>
public static class Eventually
{
    /// <summary>
    /// The probe's value once <paramref name="done"/> holds, or its last value at the deadline, for the caller to
    /// assert on. A database that is not reachable yet (a drill just restarted it) counts as "not yet".
    /// </summary>
    public static async Task<T> ValueAsync<T>(Func<Task<T>> probe, Func<T, bool> done, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (true)
        {
            T value;
            try { value = await probe(); }
            catch (NpgsqlException) when (DateTime.UtcNow < deadline) { await Task.Delay(50); continue; }
            if (done(value) || DateTime.UtcNow > deadline) return value;
            await Task.Delay(50);
        }
    }

    public static Task<bool> TrueAsync(Func<Task<bool>> probe, TimeSpan within) => ValueAsync(probe, ok => ok, within);
}

public static class Ports
{
    /// <summary>A loopback port nothing listens on (it was free a moment ago).</summary>
    public static int Free()
    {
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
