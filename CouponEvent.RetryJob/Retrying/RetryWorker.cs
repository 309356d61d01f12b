using CouponEvent.Data;
using Microsoft.Extensions.Options;

namespace CouponEvent.RetryJob.Retrying;

/// <summary>Every <see cref="RetryOptions.Interval"/>, runs rounds until no due row is left.</summary>
public sealed partial class RetryWorker(FailedEventRetrier retrier, IOptions<RetryOptions> options, TimeProvider time,
    ILogger<RetryWorker> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.Interval, time);
        do
        {
            try
            {
                while (await retrier.RunOnceAsync(stoppingToken) == options.Value.BatchSize)
                {
                    // A full round: more may be due right now.
                }
                await retrier.CountOpenAsync(stoppingToken);
            }
            catch (Exception ex) when (MySqlFailure.Is(ex))
            {
                LogRoundFailed(logger, ex.Message);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    [LoggerMessage(3010, LogLevel.Warning, "Retry round failed, trying again next interval: {Reason}")]
    private static partial void LogRoundFailed(ILogger logger, string reason);
}
