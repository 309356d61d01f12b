using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace CouponEvent.KafkaMock;

/// <summary>
/// librdkafka's mock cluster listens on ports of its own choosing, so clients bootstrap through this relay on the
/// port Aspire allocated, to the first broker that accepts (one taken down, the next). The metadata they receive
/// names the brokers' own addresses, so only bootstrap connections pass through here; produce and fetch traffic goes
/// to the brokers directly.
/// </summary>
public sealed partial class BootstrapRelay(MockKafkaCluster cluster, IOptions<KafkaMockOptions> options, ILogger<BootstrapRelay> logger)
    : BackgroundService, IHealthCheck
{
    private readonly TaskCompletionSource _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var brokers = cluster.BootstrapServers.Split(',')
            .Select(b => (Host: b[..b.LastIndexOf(':')], Port: int.Parse(b[(b.LastIndexOf(':') + 1)..])))
            .ToArray();

        using var listener = new TcpListener(IPAddress.Loopback, options.Value.Port);
        listener.Start();
        _listening.TrySetResult();
        Log.Listening(logger, options.Value.Port, cluster.BootstrapServers);
        while (!stoppingToken.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await listener.AcceptTcpClientAsync(stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            _ = RelayAsync(client, brokers, stoppingToken);
        }
    }

    private static async Task RelayAsync(TcpClient client, (string Host, int Port)[] brokers, CancellationToken stoppingToken)
    {
        using (client)
        {
            foreach (var (host, port) in brokers)
            {
                using var broker = new TcpClient();
                try
                {
                    await broker.ConnectAsync(host, port, stoppingToken);
                }
                catch (SocketException)
                {
                    continue;
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                try
                {
                    var (fromClient, fromBroker) = (client.GetStream(), broker.GetStream());
                    // Either side closing ends the pair, as a direct connection would end.
                    await Task.WhenAny(fromClient.CopyToAsync(fromBroker, stoppingToken), fromBroker.CopyToAsync(fromClient, stoppingToken));
                }
                catch (Exception ex) when (ex is SocketException or IOException or OperationCanceledException)
                {
                    // A broker taken down, or a client gone: the client sees its connection close, as with Kafka.
                }
                return;
            }
            // Every broker down: the client's connection closes, as with a Kafka cluster that is all down.
        }
    }

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(_listening.Task.IsCompletedSuccessfully
            ? HealthCheckResult.Healthy($"Bootstrap {options.Value.Port} → {cluster.BootstrapServers}")
            : HealthCheckResult.Unhealthy("Not listening yet."));

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Kafka (librdkafka's mock cluster) bootstraps on 127.0.0.1:{Port}; brokers at {Brokers}")]
        public static partial void Listening(ILogger logger, int port, string brokers);
    }
}
