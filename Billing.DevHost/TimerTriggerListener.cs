using Cronos;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Billing.DevHost;

/// <summary>
/// Hosts one <c>[TimerTrigger]</c> function on its six-field NCRONTAB schedule (UTC), with <c>%SETTING%</c>
/// resolved from settings as the Functions host does. Runs never overlap: the next is planned after one ends.
/// </summary>
internal sealed class TimerTriggerListener(
    FunctionDescriptor function, IConfiguration configuration, IServiceScopeFactory scopes,
    TimeProvider clock, ILogger<TimerTriggerListener> logger) : BackgroundService
{
    public static string ResolveSchedule(string schedule, IConfiguration configuration) =>
        schedule.Length > 2 && schedule.StartsWith('%') && schedule.EndsWith('%')
            ? configuration[schedule[1..^1]] ?? throw new InvalidOperationException($"Setting {schedule[1..^1]} (timer schedule) is not set.")
            : schedule;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var schedule = ResolveSchedule(((TimerTriggerAttribute)function.Trigger).Schedule, configuration);
        var cron = CronExpression.Parse(schedule, CronFormat.IncludeSeconds);

        while (!stoppingToken.IsCancellationRequested)
        {
            var now = clock.GetUtcNow();
            if (cron.GetNextOccurrence(now.UtcDateTime, TimeZoneInfo.Utc) is not { } next) return;
            try
            {
                await Task.Delay(next - now.UtcDateTime, clock, stoppingToken);
                await using var scope = scopes.CreateAsyncScope();
                await TriggerRunner.RunAsync(function, scope.ServiceProvider, "", stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                logger.LogError(e, "Timer function {Function} failed; next run on schedule {Schedule}", function.Name, schedule);
            }
        }
    }
}
