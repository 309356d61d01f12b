using System.Reflection;
using System.Runtime.InteropServices;
using Confluent.Kafka;

namespace CouponEvent.KafkaMock;

/// <summary>
/// librdkafka's mock Kafka cluster, hosted in this process: real Kafka protocol over TCP on loopback, kept in memory.
/// Clients in other processes connect to <see cref="BootstrapServers"/>. It does not answer the admin API's
/// CreateTopics, so topics are created here. Faults: <see cref="SetBrokerDown"/> / <see cref="SetBrokerUp"/>, and
/// <see cref="DeleteRecords"/> (what retention does to a partition's oldest messages).
/// </summary>
/// <remarks>
/// librdkafka keeps the last 5 MiB or 100,000 message sets of each partition, whichever is less, and drops the oldest
/// beyond that, read or not; neither limit can be set through its API.
/// </remarks>
public sealed partial class MockKafkaCluster : IDisposable
{
    private const string Library = "librdkafka";
    private nint _client;
    private nint _cluster;
    private readonly HashSet<int> _down = [];

    static MockKafkaCluster() => NativeLibrary.SetDllImportResolver(typeof(MockKafkaCluster).Assembly, Resolve);

    private MockKafkaCluster(nint client, nint cluster, int brokers)
    {
        _client = client;
        _cluster = cluster;
        Brokers = brokers;
        BootstrapServers = Marshal.PtrToStringUTF8(rd_kafka_mock_cluster_bootstraps(cluster))
            ?? throw new InvalidOperationException("The mock cluster has no bootstrap address.");
    }

    /// <summary>Aspire's format for <c>ConnectionStrings__kafka</c>: host:port[,host:port].</summary>
    public string BootstrapServers { get; }
    public int Brokers { get; }

    public static MockKafkaCluster Start(int brokers = 1)
    {
        var error = new byte[512];
        // The cluster lives inside a librdkafka handle; a producer handle will do. Errors only in its log: it has
        // no bootstrap servers of its own and would otherwise say so at every start.
        var conf = rd_kafka_conf_new();
        rd_kafka_conf_set(conf, "log_level", "3", error, (nuint)error.Length);
        var client = rd_kafka_new(0, conf, error, (nuint)error.Length);
        if (client == 0) throw new InvalidOperationException($"rd_kafka_new failed: {System.Text.Encoding.UTF8.GetString(error).TrimEnd('\0')}");
        var cluster = WithoutSigcont(() => rd_kafka_mock_cluster_new(client, brokers));
        if (cluster == 0)
        {
            rd_kafka_destroy(client);
            throw new InvalidOperationException("rd_kafka_mock_cluster_new failed.");
        }
        return new MockKafkaCluster(client, cluster, brokers);
    }

    public void CreateTopic(string topic, int partitions)
    {
        var error = rd_kafka_mock_topic_create(_cluster, topic, partitions, Math.Min(Brokers, 3));
        if (error != 0) throw new InvalidOperationException($"Creating topic '{topic}' failed with librdkafka error {error}.");
    }

    /// <summary>
    /// Makes the broker unreachable (connections are closed and refused) until <see cref="SetBrokerUp"/>. Its
    /// partitions' leadership then moves to a replica on a broker that is up, as Kafka's controller moves it (the
    /// mock keeps one log per partition, so the new leader has every acknowledged message).
    /// </summary>
    public void SetBrokerDown(int brokerId)
    {
        lock (_down)
        {
            Check(rd_kafka_mock_broker_set_down(_cluster, brokerId), "set_down");
            _down.Add(brokerId);
            if (Brokers > 1) MoveLeadershipFrom(brokerId);
        }
    }

    /// <summary>
    /// Brings the broker back, and with it the leadership of the partitions it is the preferred leader of (their first
    /// replica), as Kafka's automatic leader rebalancing does.
    /// </summary>
    public void SetBrokerUp(int brokerId)
    {
        lock (_down)
        {
            Check(rd_kafka_mock_broker_set_up(_cluster, brokerId), "set_up");
            _down.Remove(brokerId);
            if (Brokers > 1) MoveLeadership(p => p.Replicas[0] == brokerId && p.Leader != brokerId, _ => brokerId);
        }
    }

    private void MoveLeadershipFrom(int brokerId)
    {
        var up = Enumerable.Range(1, Brokers).Except(_down).ToList();
        if (up.Count > 0) MoveLeadership(p => p.Leader == brokerId, p => p.Replicas.FirstOrDefault(up.Contains, up[0]));
    }

    private void MoveLeadership(Func<PartitionMetadata, bool> which, Func<PartitionMetadata, int> to)
    {
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = BootstrapServers }).Build();
        foreach (var topic in admin.GetMetadata(TimeSpan.FromSeconds(5)).Topics)
        {
            foreach (var partition in topic.Partitions.Where(which))
            {
                var error = rd_kafka_mock_partition_set_leader(_cluster, topic.Topic, partition.PartitionId, to(partition));
                if (error != 0) throw new InvalidOperationException($"rd_kafka_mock_partition_set_leader failed with librdkafka error {error}.");
            }
        }
    }

    private static void Check(int error, string what)
    {
        if (error != 0) throw new InvalidOperationException($"rd_kafka_mock_broker_{what} failed with librdkafka error {error}.");
    }

    /// <summary>
    /// Kafka's DeleteRecords, which the mock does not answer over the protocol: the partition's log start moves to
    /// <paramref name="beforeOffset"/> (-1: its high watermark), and every message before it is gone, read or not.
    /// </summary>
    /// <returns>The partition's watermarks before, and how many messages were deleted; null when there is no such partition.</returns>
    public DeletedRecords? DeleteRecords(string topic, int partition, long beforeOffset)
    {
        using var client = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig { BootstrapServers = BootstrapServers, GroupId = "kafka-mock" }).Build();
        WatermarkOffsets watermarks;
        try
        {
            watermarks = client.QueryWatermarkOffsets(new TopicPartition(topic, partition), TimeSpan.FromSeconds(5));
        }
        catch (KafkaException ex) when (ex.Error.Code is ErrorCode.UnknownTopicOrPart or ErrorCode.Local_UnknownPartition or ErrorCode.Local_UnknownTopic)
        {
            return null;
        }
        var before = beforeOffset == -1 ? watermarks.High.Value : beforeOffset;
        // The mock moves the log start wherever it is told, backwards too: below it, nothing is left to delete.
        // Past the end is the caller's error (the mock would refuse it too).
        if (before <= watermarks.Low.Value || before > watermarks.High.Value) return new DeletedRecords(watermarks.Low.Value, watermarks.High.Value, 0);
        var error = rd_kafka_mock_partition_delete_records(_cluster, topic, partition, before);
        if (error != 0) throw new InvalidOperationException($"rd_kafka_mock_partition_delete_records failed with librdkafka error {error}.");
        return new DeletedRecords(watermarks.Low.Value, watermarks.High.Value, before - watermarks.Low.Value);
    }

    public void Dispose()
    {
        if (_cluster != 0) rd_kafka_mock_cluster_destroy(_cluster);
        if (_client != 0) rd_kafka_destroy(_client);
        _cluster = _client = 0;
    }

    /// <summary>
    /// Loads the same file as Confluent.Kafka: the redist's librdkafka.so, or on Debian 12 (no libsasl2.so.3)
    /// the centos8 build beside it.
    /// </summary>
    private static nint Resolve(string name, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (name != Library) return 0;
        var rid = RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? "linux-arm64" : "linux-x64";
        var folders = new[] { Path.Combine(AppContext.BaseDirectory, "runtimes", rid, "native"), AppContext.BaseDirectory };
        foreach (var folder in folders)
        {
            foreach (var file in new[] { "librdkafka.so", "centos8-librdkafka.so", "alpine-librdkafka.so" })
            {
                if (NativeLibrary.TryLoad(Path.Combine(folder, file), out var handle)) return handle;
            }
        }
        return 0;
    }

    /// <summary>
    /// Runs <paramref name="start"/> with SIGCONT blocked on this thread, so that the threads it starts inherit the mask.
    /// The mock cluster's thread gives up for good when its <c>poll()</c> is interrupted, and .NET handles SIGCONT: a
    /// broker hung with SIGSTOP (the fault suite's KafkaHung) would never answer again once resumed. Stopping and
    /// resuming the process are unaffected; only the handler never runs on that thread.
    /// </summary>
    private static unsafe nint WithoutSigcont(Func<nint> start)
    {
        const int SigBlock = 0, SigSetMask = 2, Sigcont = 18;
        // glibc's sigset_t: 1,024 bits.
        var blocked = stackalloc ulong[16];
        var previous = stackalloc ulong[16];
        blocked[0] = 1UL << (Sigcont - 1);
        if (pthread_sigmask(SigBlock, blocked, previous) != 0) return start();
        try
        {
            return start();
        }
        finally
        {
            pthread_sigmask(SigSetMask, previous, null);
        }
    }

    [LibraryImport("libc")]
    private static unsafe partial int pthread_sigmask(int how, ulong* set, ulong* oldset);

    [LibraryImport(Library)]
    private static partial nint rd_kafka_new(int type, nint conf, byte[] errstr, nuint errstrSize);

    [LibraryImport(Library)]
    private static partial void rd_kafka_destroy(nint rk);

    [LibraryImport(Library)]
    private static partial nint rd_kafka_conf_new();

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int rd_kafka_conf_set(nint conf, string name, string value, byte[] errstr, nuint errstrSize);

    [LibraryImport(Library)]
    private static partial nint rd_kafka_mock_cluster_new(nint rk, int brokerCount);

    [LibraryImport(Library)]
    private static partial nint rd_kafka_mock_cluster_bootstraps(nint cluster);

    [LibraryImport(Library)]
    private static partial void rd_kafka_mock_cluster_destroy(nint cluster);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int rd_kafka_mock_topic_create(nint cluster, string topic, int partitions, int replicationFactor);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int rd_kafka_mock_partition_delete_records(nint cluster, string topic, int partition, long beforeOffset);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int rd_kafka_mock_partition_set_leader(nint cluster, string topic, int partition, int brokerId);

    [LibraryImport(Library)]
    private static partial int rd_kafka_mock_broker_set_down(nint cluster, int brokerId);

    [LibraryImport(Library)]
    private static partial int rd_kafka_mock_broker_set_up(nint cluster, int brokerId);
}

/// <param name="LowWatermark">The partition's first offset before the deletion.</param>
/// <param name="HighWatermark">Its next offset.</param>
/// <param name="Deleted">Messages deleted.</param>
public sealed record DeletedRecords(long LowWatermark, long HighWatermark, long Deleted);
