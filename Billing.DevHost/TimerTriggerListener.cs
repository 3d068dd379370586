using Cronos;
using Microsoft.Extensions.Options;

namespace Billing.DevHost;

/// <summary>
/// Hosts one <c>[TimerTrigger]</c> function on its six-field NCRONTAB schedule (UTC), with <c>%SETTING%</c>
/// resolved from settings as the Functions host does. Runs never overlap: the next is planned after one ends.
/// </summary>
internal sealed class TimerTriggerListener(
    FunctionDescriptor function, TimerSchedule schedule, IServiceScopeFactory scopes,
    TimeProvider clock, ILogger<TimerTriggerListener> logger) : BackgroundService
{
    /// <summary>
    /// The timer's schedule, with <c>%SETTING%</c> read from settings as the Functions host does. A setting that is
    /// not set, or not a six-field NCRONTAB, is a configuration error naming it (one line at start, no stack trace).
    /// </summary>
    public static TimerSchedule ParseSchedule(string functionName, string schedule, IConfiguration configuration)
    {
        var setting = schedule.Length > 2 && schedule.StartsWith('%') && schedule.EndsWith('%') ? schedule[1..^1] : null;
        var text = setting is null ? schedule : configuration[setting];
        if (string.IsNullOrWhiteSpace(text))
            throw Invalid($"{setting} is not set: it is the six-field NCRONTAB schedule of the {functionName} timer (local.settings.sample.json has a default)");
        try
        {
            return new TimerSchedule(text, CronExpression.Parse(text, CronFormat.IncludeSeconds));
        }
        catch (CronFormatException)
        {
            throw Invalid($"{setting ?? functionName} must be a six-field NCRONTAB expression (the {functionName} timer's schedule), not '{text}'");
        }

        OptionsValidationException Invalid(string message) => new(functionName, typeof(TimerSchedule), [message]);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var cron = schedule.Cron;

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
                logger.LogError(e, "Timer function {Function} failed; next run on schedule {Schedule}", function.Name, schedule.Text);
            }
        }
    }
}

/// <summary>A timer's NCRONTAB schedule as configured and as parsed.</summary>
internal sealed record TimerSchedule(string Text, CronExpression Cron);
