using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;

namespace Billing.DevHost;

/// <summary>
/// Hosts one <c>[QueueTrigger]</c> function the way the Functions host does, with host.json's settings:
/// polls with backoff up to <c>maxPollingInterval</c>, takes up to <c>batchSize</c> messages at a time and the
/// next batch once those in flight drop to <c>newBatchThreshold</c>,
/// deletes a message once the function succeeds, makes a failed one visible again after
/// <c>visibilityTimeout</c>, and moves it to <c>&lt;queue&gt;-poison</c> after <c>maxDequeueCount</c> tries.
/// A message being worked on stays invisible for <see cref="QueueSettings.LeaseTime"/>: if DevHost dies
/// mid-way, it reappears then and is tried again.
/// </summary>
internal sealed class QueueTriggerListener(
    FunctionDescriptor function, QueueServiceClient storage, QueueSettings settings,
    IServiceScopeFactory scopes, ILogger<QueueTriggerListener> logger) : BackgroundService
{
    private static readonly TimeSpan MinPollingInterval = TimeSpan.FromMilliseconds(100);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var trigger = (QueueTriggerAttribute)function.Trigger;
        if (trigger.Connection is { Length: > 0 } connection && connection != "AzureWebJobsStorage")
            throw new InvalidOperationException($"DevHost only knows the AzureWebJobsStorage connection; {function.Name} asks for {connection}.");
        var queue = storage.GetQueueClient(trigger.QueueName);
        var poison = storage.GetQueueClient(trigger.QueueName + "-poison");
        var idle = MinPollingInterval;
        var queuesExist = false;
        var inFlight = new List<Task>();

        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                inFlight.RemoveAll(t => t.IsCompleted);
                if (inFlight.Count > settings.Threshold)
                {
                    await Task.WhenAny(inFlight);
                    continue;
                }
                if (!queuesExist)
                {
                    await queue.CreateIfNotExistsAsync(cancellationToken: stoppingToken);
                    await poison.CreateIfNotExistsAsync(cancellationToken: stoppingToken);
                    queuesExist = true;
                }
                QueueMessage[] messages = await queue.ReceiveMessagesAsync(settings.BatchSize, settings.LeaseTime, stoppingToken);
                if (messages.Length == 0)
                {
                    await Task.WhenAny(inFlight.Append(Task.Delay(idle, stoppingToken)));
                    idle = TimeSpan.FromTicks(Math.Min(idle.Ticks * 2, settings.MaxPollingInterval.Ticks));
                    continue;
                }
                idle = MinPollingInterval;
                inFlight.AddRange(messages.Select(m => ProcessLoggedAsync(queue, poison, m, stoppingToken)));
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                await Task.WhenAll(inFlight);
                return;
            }
            catch (Exception e)
            {
                queuesExist = false; // storage may have come back empty: make sure of the queues again
                logger.LogWarning(e, "Polling {Queue} for {Function} failed; trying again in {Delay}", trigger.QueueName, function.Name, settings.MaxPollingInterval);
                await Task.Delay(settings.MaxPollingInterval, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }

    /// <summary>A message runs on its own, so a failure to settle it (delete, retry, poison) is logged here; it reappears when its lease ends.</summary>
    private async Task ProcessLoggedAsync(QueueClient queue, QueueClient poison, QueueMessage message, CancellationToken ct)
    {
        try
        {
            await ProcessAsync(queue, poison, message, ct);
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            logger.LogWarning(e, "Settling message {MessageId} of {Queue} failed; it reappears when its lease ends", message.MessageId, queue.Name);
        }
        catch (Exception) when (ct.IsCancellationRequested)
        {
            // Shutting down: the message reappears when its lease ends.
        }
    }

    private async Task ProcessAsync(QueueClient queue, QueueClient poison, QueueMessage message, CancellationToken ct)
    {
        var body = message.Body.ToString();
        try
        {
            await using (var scope = scopes.CreateAsyncScope())
                await TriggerRunner.RunAsync(function, scope.ServiceProvider, body, ct);
            await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt, CancellationToken.None);
        }
        catch (Exception) when (ct.IsCancellationRequested)
        {
            // Shutting down: the message reappears when its lease ends.
        }
        catch (Exception e) when (message.DequeueCount >= settings.MaxDequeueCount)
        {
            logger.LogError(e, "{Function} failed on message {MessageId} for the {DequeueCount}th time; moving it to {PoisonQueue}",
                function.Name, message.MessageId, message.DequeueCount, poison.Name);
            await poison.SendMessageAsync(body, CancellationToken.None);
            await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt, CancellationToken.None);
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "{Function} failed on message {MessageId} (try {DequeueCount} of {MaxDequeueCount}); retrying in {VisibilityTimeout}",
                function.Name, message.MessageId, message.DequeueCount, settings.MaxDequeueCount, settings.VisibilityTimeout);
            await queue.UpdateMessageAsync(message.MessageId, message.PopReceipt, visibilityTimeout: settings.VisibilityTimeout, cancellationToken: CancellationToken.None);
        }
    }
}
