namespace Aspire.Hosting.ApplicationModel;

/// <summary>Kafka in a container (containers mode): confluentinc/confluent-local, KRaft, as Aspire's Kafka integration runs it.</summary>
public sealed class KafkaServerResource(string name) : ContainerResource(name), IResourceWithConnectionString
{
    internal const string PrimaryEndpointName = "tcp";
    internal const string InternalEndpointName = "internal";

    public EndpointReference PrimaryEndpoint => field ??= new(this, PrimaryEndpointName);
    public EndpointReference InternalEndpoint => field ??= new(this, InternalEndpointName);

    public ReferenceExpression ConnectionStringExpression =>
        ReferenceExpression.Create($"{PrimaryEndpoint.Property(EndpointProperty.HostAndPort)}");
}

/// <summary>A topic to provision at start, with its partition count, and the consumer group that must read it (if any).</summary>
public sealed record KafkaTopicAnnotation(string Name, int Partitions, string? ReadBy = null) : IResourceAnnotation;
