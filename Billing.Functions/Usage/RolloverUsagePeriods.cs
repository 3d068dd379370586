using Billing.Core.Usage;
using Microsoft.Azure.Functions.Worker;

namespace Billing.Functions.Usage;

public sealed class RolloverUsagePeriods(UsageRollover rollover)
{
    [Function(nameof(RolloverUsagePeriods))]
    public Task Run([TimerTrigger("%USAGE_ROLLOVER_SCHEDULE%")] TimerInfo timer, CancellationToken ct)
        => rollover.RunAsync(ct);
}
