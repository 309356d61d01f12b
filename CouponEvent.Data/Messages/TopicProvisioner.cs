using Confluent.Kafka;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CouponEvent.Data.Messages;

/// <summary>
/// Creates the missing topics before the service starts (<see cref="TopicProvisioning"/>), as
/// <see cref="DatabaseMigrator"/> migrates the database; waits for Kafka to answer. <c>Kafka:ProvisionTopics=false</c>
/// leaves topics to the operator.
/// </summary>
public sealed partial class TopicProvisioner(IConfiguration configuration, ILogger<TopicProvisioner> logger) : IHostedService
{
    private static readonly TimeSpan GiveUpAfter = TimeSpan.FromSeconds(60);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!configuration.GetValue("Kafka:ProvisionTopics", true)) return;
        var bootstrap = configuration.GetConnectionString(ConnectionNames.Kafka)
            ?? throw new InvalidOperationException($"Connection string '{ConnectionNames.Kafka}' is missing: set ConnectionStrings__{ConnectionNames.Kafka} (the AppHost does).");
        var started = DateTime.UtcNow;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var created = await TopicProvisioning.CreateMissingAsync(bootstrap, TopicProvisioning.All);
                if (created.Count > 0) LogCreated(logger, string.Join(", ", created));
                return;
            }
            catch (KafkaException ex) when (DateTime.UtcNow - started < GiveUpAfter)
            {
                LogWaiting(logger, attempt, ex.Message);
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(2000, 200 * attempt)), cancellationToken);
            }
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(1, LogLevel.Information, "Created Kafka topics {Topics}")]
    private static partial void LogCreated(ILogger logger, string topics);

    [LoggerMessage(2, LogLevel.Warning, "Kafka not reachable yet (attempt {Attempt}): {Reason}")]
    private static partial void LogWaiting(ILogger logger, int attempt, string reason);
}
