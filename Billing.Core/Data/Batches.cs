namespace Billing.Core.Data;

/// <summary>
/// A statement that touches at most one batch of rows, run again until a batch comes back short: each batch its
/// own short statement, so a sweep never holds many row locks or one long transaction.
/// </summary>
public static class Batches
{
    /// <summary>Runs <paramref name="sql"/> (its parameters set by <paramref name="bind"/>, again for every batch) until it affects fewer than <paramref name="batchSize"/> rows; the rows affected in all.</summary>
    public static async Task<int> RunAsync(NpgsqlDataSource db, string sql, int batchSize, Action<NpgsqlParameterCollection> bind, CancellationToken ct)
    {
        var total = 0;
        int batch;
        do
        {
            await using var command = db.CreateCommand(sql);
            bind(command.Parameters);
            batch = await command.ExecuteNonQueryAsync(ct);
            total += batch;
        } while (batch == batchSize);
        return total;
    }
}
