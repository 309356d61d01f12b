using System.Diagnostics;
using System.Text;
using Confluent.Kafka;
using CouponEvent.Data;
using CouponEvent.Data.Messages;
using CouponEvent.ServiceDefaults;
using Microsoft.Extensions.Options;
using MySqlConnector;

namespace CouponEvent.Consumer.Issuing;

/// <summary>
/// Reads <c>coupon_create</c> in batches and turns them into coupon rows. A batch's offsets are stored only after
/// its rows are committed, and librdkafka commits stored offsets every second (retrying a failed commit, and on
/// rebalance and close), so a crash at any point means redelivery, never loss; the unique key makes redelivery
/// harmless. While MySQL is away the same batch is retried with backoff and no offset moves.
/// </summary>
public sealed partial class CouponConsumer(
    ConsumerConfig kafkaConfig,
    IOptions<ConsumerOptions> options,
    CouponWriter writer,
    IProducer<string, byte[]> deadLetters,
    TimeProvider time,
    ILogger<CouponConsumer> logger) : BackgroundService
{
    // Consume() blocks: give the loop a thread of its own instead of a pool thread.
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.Factory.StartNew(() => RunAsync(stoppingToken), stoppingToken, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();

    private async Task RunAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        var config = new ConsumerConfig(kafkaConfig.ToDictionary(p => p.Key, p => p.Value))
        {
            GroupId = settings.GroupId,
            // Commit what we stored, in the background; a commit that fails is retried, not lost while idle.
            EnableAutoCommit = true,
            EnableAutoOffsetStore = false,
            AutoCommitIntervalMs = kafkaConfig.AutoCommitIntervalMs ?? 1000,
            AutoOffsetReset = kafkaConfig.AutoOffsetReset ?? AutoOffsetReset.Earliest,
        };
        var losses = new LossDetector();
        using var consumer = new ConsumerBuilder<string, byte[]>(config)
            .SetPartitionsAssignedHandler((c, partitions) => OnAssigned(c, partitions, losses))
            .SetErrorHandler((_, error) => LogKafkaError(logger, error.Reason))
            .SetLogHandler((_, log) => OnKafkaLog(log))
            .Build();
        consumer.Subscribe(Topics.CouponCreate);
        ConsumerTelemetry.ObserveLag(consumer);

        var batch = new List<ConsumeResult<string, byte[]>>(settings.BatchSize);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                batch.Clear();
                Fill(consumer, batch, settings, stoppingToken);
                if (batch.Count == 0) continue;

                var lost = batch.Select(r => losses.Observe(r.Partition.Value, r.Offset.Value)).OfType<LostRange>().ToList();
                await ProcessBatchAsync(batch, lost, settings, stoppingToken);
                StoreOffsets(consumer, batch);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down: an uncommitted batch is simply delivered again.
        }
        finally
        {
            ConsumerTelemetry.ObserveLag(null);
            consumer.Close();
        }
    }

    private void Fill(IConsumer<string, byte[]> consumer, List<ConsumeResult<string, byte[]>> batch, ConsumerOptions settings,
        CancellationToken stoppingToken)
    {
        try
        {
            batch.Add(consumer.Consume(stoppingToken));
            var started = time.GetTimestamp();
            while (batch.Count < settings.BatchSize)
            {
                var left = settings.BatchWindow - time.GetElapsedTime(started);
                var next = consumer.Consume(left > TimeSpan.Zero ? left : TimeSpan.Zero);
                if (next is null) break;
                batch.Add(next);
            }
        }
        catch (ConsumeException ex)
        {
            LogKafkaError(logger, ex.Error.Reason);
        }
    }

    private void OnAssigned(IConsumer<string, byte[]> consumer, List<TopicPartition> partitions, LossDetector losses)
    {
        LogAssigned(logger, string.Join(",", partitions.Select(p => p.Partition.Value)));
        try
        {
            losses.Assigned(consumer.Committed(partitions, TimeSpan.FromSeconds(10)));
        }
        catch (KafkaException ex)
        {
            // Without the committed offsets, a loss on these partitions goes unnoticed here; reconciliation still issues it.
            losses.Assigned(partitions.Select(p => new TopicPartitionOffset(p, Offset.Unset)));
            LogKafkaError(logger, ex.Error.Reason);
        }
    }

    private async Task ProcessBatchAsync(List<ConsumeResult<string, byte[]>> batch, List<LostRange> lost, ConsumerOptions settings,
        CancellationToken stoppingToken)
    {
        using var activity = ConsumerTelemetry.Source.StartActivity(ActivityKind.Consumer, links: Links(batch),
            name: $"{Topics.CouponCreate} process");
        KafkaTraceContext.SetMessagingTags(activity, "process", Topics.CouponCreate);
        activity?.SetTag("messaging.batch.message_count", batch.Count);
        activity?.SetTag("messaging.consumer.group.name", settings.GroupId);
        foreach (var range in lost)
        {
            // Acknowledged applications Kafka no longer holds: their winners are issued by reconciliation from Redis.
            LogMessagesLost(logger, range.Count, range.Partition, range.From, range.To - 1);
            ConsumerTelemetry.MessagesLost.Add(range.Count,
                new KeyValuePair<string, object?>("messaging.destination.partition.id", range.Partition));
            activity?.AddEvent(new ActivityEvent("messages lost", tags: new ActivityTagsCollection
            {
                ["messaging.destination.partition.id"] = range.Partition,
                ["coupon.lost.from_offset"] = range.From,
                ["coupon.lost.count"] = range.Count,
            }));
        }

        var applications = new List<CouponApplication>(batch.Count);
        foreach (var result in batch)
        {
            if (CouponApplication.TryParse(result.Message.Value, out var application, out var error)) applications.Add(application!);
            else await DeadLetterAsync(result, error!, stoppingToken);
        }
        ConsumerTelemetry.BatchSize.Record(batch.Count);

        var spans = ApplicationSpans(batch, activity);
        try
        {
            var delay = TimeSpan.FromMilliseconds(100);
            while (true)
            {
                try
                {
                    var issued = await WriteAsync(applications, spans, stoppingToken);
                    ConsumerTelemetry.CouponsIssued.Add(issued);
                    return;
                }
                catch (Exception ex) when (MySqlFailure.Is(ex) && !stoppingToken.IsCancellationRequested)
                {
                    LogDatabaseRetry(logger, applications.Count, delay.TotalMilliseconds, ex.Message);
                    await Task.Delay(delay, time, stoppingToken);
                    delay = TimeSpan.FromTicks(Math.Min(settings.MaxRetryDelay.Ticks, delay.Ticks * 2));
                }
            }
        }
        finally
        {
            foreach (var span in spans.Values) span.Dispose();
        }
    }

    /// <summary>
    /// One span per application in the application's own trace (its parent is the publish span in ApplyApi, from the
    /// <c>traceparent</c> header), linked to the batch span that wrote it: one trace per application, end to end.
    /// </summary>
    private static Dictionary<string, Activity> ApplicationSpans(List<ConsumeResult<string, byte[]>> batch, Activity? batchSpan)
    {
        var spans = new Dictionary<string, Activity>();
        if (batchSpan is null) return spans;
        ActivityLink[] toBatch = [new(batchSpan.Context)];
        foreach (var result in batch)
        {
            if (!KafkaTraceContext.TryExtract(result.Message.Headers, out var parent)) continue;
            var span = ConsumerTelemetry.Source.StartActivity($"{Topics.CouponCreate} process", ActivityKind.Consumer, parent, links: toBatch);
            if (span is null) continue;
            KafkaTraceContext.SetMessagingTags(span, "process", Topics.CouponCreate);
            span.SetTag("messaging.kafka.message.key", result.Message.Key);
            span.SetTag("messaging.destination.partition.id", result.Partition.Value);
            span.SetTag("messaging.kafka.offset", result.Offset.Value);
            // A message delivered twice in one batch: one span is enough.
            if (!spans.TryAdd(result.Message.Key, span)) span.Dispose();
        }
        // Starting a span makes it current; the batch's own work (the INSERT) belongs to the batch span.
        Activity.Current = batchSpan;
        return spans;
    }

    /// <summary>
    /// The whole batch in one transaction; if the data of some application is at fault, each one alone, and those
    /// that still fail become failed events. A passing failure propagates, to retry the batch.
    /// </summary>
    private async Task<int> WriteAsync(List<CouponApplication> applications, Dictionary<string, Activity> spans, CancellationToken stoppingToken)
    {
        if (applications.Count == 0) return 0;
        try
        {
            return await WriteOnceAsync(applications, spans, stoppingToken);
        }
        catch (MySqlException ex) when (CouponIssuer.IsPermanent(ex))
        {
            var issued = 0;
            foreach (var application in applications)
            {
                try
                {
                    issued += await WriteOnceAsync([application], spans, stoppingToken);
                }
                catch (MySqlException one) when (CouponIssuer.IsPermanent(one))
                {
                    // The line belongs to the application's trace, and the retry continues that trace from its span.
                    var span = spans.GetValueOrDefault(application.Key);
                    using (Under(span)) LogFailedEvent(logger, application.ApplicationId, application.EventId, application.UserId, one.Message);
                    await writer.RecordFailureAsync(application, one.Message, span?.Id, stoppingToken);
                    ConsumerTelemetry.FailedEvents.Add(1);
                }
            }
            return issued;
        }
    }

    /// <summary>One transaction of the writer; its refusals logged in each application's trace.</summary>
    private async Task<int> WriteOnceAsync(List<CouponApplication> applications, Dictionary<string, Activity> spans, CancellationToken stoppingToken)
    {
        var started = time.GetUtcNow();
        var (issued, refused) = await writer.IssueAsync(applications, a => spans.GetValueOrDefault(a.Key)?.Id, stoppingToken);
        RecordRowWrites(applications, refused, spans, started);
        foreach (var application in refused)
        {
            // A 202 that cannot be honoured: Redis admitted more than the quantity. Kept, counted, and an alarm.
            using (Under(spans.GetValueOrDefault(application.Key)))
                LogRefused(logger, application.ApplicationId, application.EventId, application.UserId);
            ConsumerTelemetry.Refused.Add(1, new KeyValuePair<string, object?>("coupon.event_id", application.EventId));
        }
        return issued;
    }

    /// <summary>
    /// The committed transaction, as a child span in each application's own trace: the batch's INSERT is one statement in
    /// the batch's trace, and a child per application is what makes the row's write visible in a winner's waterfall.
    /// </summary>
    private static void RecordRowWrites(List<CouponApplication> applications, List<CouponApplication> refused,
        Dictionary<string, Activity> spans, DateTimeOffset started)
    {
        var batch = Activity.Current;
        ActivityLink[] toBatch = batch is null ? [] : [new(batch.Context)];
        foreach (var application in applications)
        {
            if (!spans.TryGetValue(application.Key, out var parent)) continue;
            using var row = ConsumerTelemetry.Source.StartActivity("INSERT coupons", ActivityKind.Internal, parent.Context, links: toBatch, startTime: started);
            row?.SetTag("coupon.row", refused.Contains(application) ? "refused" : "written");
            row?.SetTag("coupon.batch.size", applications.Count);
        }
        Activity.Current = batch;
    }

    /// <summary>Makes <paramref name="span"/> current for a log line, and the batch's span current again afterwards.</summary>
    private static CurrentSpan Under(Activity? span)
    {
        var batch = Activity.Current;
        Activity.Current = span ?? batch;
        return new CurrentSpan(batch);
    }

    private readonly struct CurrentSpan(Activity? previous) : IDisposable
    {
        public void Dispose() => Activity.Current = previous;
    }

    /// <summary>A message that is not a valid application goes aside with its reason; the partition moves on.</summary>
    private async Task DeadLetterAsync(ConsumeResult<string, byte[]> result, string reason, CancellationToken stoppingToken)
    {
        LogPoison(logger, result.TopicPartitionOffset.ToString(), reason);
        var message = new Message<string, byte[]>
        {
            Key = result.Message.Key,
            Value = result.Message.Value,
            Headers =
            [
                new Header("dlt.reason", Encoding.UTF8.GetBytes(reason)),
                new Header("dlt.source", Encoding.UTF8.GetBytes(result.TopicPartitionOffset.ToString())),
            ],
        };
        while (true)
        {
            try
            {
                await deadLetters.ProduceAsync(Topics.CouponCreateDeadLetter, message, stoppingToken);
                break;
            }
            catch (ProduceException<string, byte[]> ex) when (!stoppingToken.IsCancellationRequested)
            {
                // Kafka away for longer than the producer's own retries: the batch waits, its offsets unstored.
                LogKafkaError(logger, ex.Error.Reason);
                await Task.Delay(TimeSpan.FromSeconds(1), time, stoppingToken);
            }
        }
        ConsumerTelemetry.PoisonMessages.Add(1);
    }

    private void StoreOffsets(IConsumer<string, byte[]> consumer, List<ConsumeResult<string, byte[]>> batch)
    {
        foreach (var partition in batch.GroupBy(r => r.TopicPartition))
        {
            try
            {
                consumer.StoreOffset(new TopicPartitionOffset(partition.Key, partition.Max(r => r.Offset.Value) + 1));
            }
            catch (KafkaException ex)
            {
                // A rebalance took the partition away: its new owner re-reads it, harmlessly.
                LogOffsetNotStored(logger, ex.Error.Reason);
            }
        }
    }

    private static IEnumerable<ActivityLink> Links(List<ConsumeResult<string, byte[]>> batch)
    {
        foreach (var result in batch)
        {
            if (KafkaTraceContext.TryExtract(result.Message.Headers, out var context)) yield return new ActivityLink(context);
        }
    }

    /// <summary>librdkafka's own log, into ours.</summary>
    private void OnKafkaLog(LogMessage log)
    {
        var level = log.Level switch
        {
            <= SyslogLevel.Error => LogLevel.Error,
            SyslogLevel.Warning => LogLevel.Warning,
            SyslogLevel.Notice or SyslogLevel.Info => LogLevel.Information,
            _ => LogLevel.Debug,
        };
        LogKafka(logger, level, log.Facility, log.Message);
    }

    [LoggerMessage(2007, LogLevel.Critical, "Kafka lost {Count} acknowledged applications of partition {Partition} (offsets {From} to {Last}): deleted before they were read (retention shorter than the consumer's outage?). Reconciliation issues their coupons from Redis")]
    private static partial void LogMessagesLost(ILogger logger, long count, int partition, long from, long last);

    [LoggerMessage(EventId = 2008, Message = "librdkafka {Facility}: {Message}")]
    private static partial void LogKafka(ILogger logger, LogLevel level, string facility, string message);

    [LoggerMessage(2001, LogLevel.Information, "Assigned partitions {Partitions}")]
    private static partial void LogAssigned(ILogger logger, string partitions);

    [LoggerMessage(2002, LogLevel.Warning, "Kafka: {Reason}")]
    private static partial void LogKafkaError(ILogger logger, string reason);

    [LoggerMessage(2003, LogLevel.Warning, "MySQL failed for a batch of {Count}; retrying in {DelayMs} ms, offsets uncommitted: {Reason}")]
    private static partial void LogDatabaseRetry(ILogger logger, int count, double delayMs, string reason);

    [LoggerMessage(2004, LogLevel.Error, "Application {ApplicationId} (user {UserId}, event {EventId}) cannot be issued now: {Reason}; recorded as a failed event")]
    private static partial void LogFailedEvent(ILogger logger, Guid applicationId, string eventId, string userId, string reason);

    [LoggerMessage(2005, LogLevel.Error, "Poison message at {Position}: {Reason}; sent to the dead-letter topic")]
    private static partial void LogPoison(ILogger logger, string position, string reason);

    [LoggerMessage(2009, LogLevel.Critical, "Application {ApplicationId} (user {UserId}, event {EventId}) refused by MySQL's quantity guard: the event's every coupon is issued, so Redis admitted more than the quantity. Kept as a refused failed event for an operator")]
    private static partial void LogRefused(ILogger logger, Guid applicationId, string eventId, string userId);

    [LoggerMessage(2006, LogLevel.Warning, "Offset not stored: {Reason}")]
    private static partial void LogOffsetNotStored(ILogger logger, string reason);
}
