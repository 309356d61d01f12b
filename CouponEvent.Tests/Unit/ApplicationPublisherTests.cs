using Confluent.Kafka;
using CouponEvent.ApplyApi.Admission;

namespace CouponEvent.Tests.Unit;

/// <summary>Which failed publishes may free their slot. The end-to-end proof is FaultInjectionTests' KafkaHung.</summary>
public sealed class ApplicationPublisherTests
{
    [Theory]
    // librdkafka's status after a message timeout, even for a request in flight that a hung broker writes later.
    [InlineData(ErrorCode.Local_MsgTimedOut, PersistenceStatus.NotPersisted)]
    [InlineData(ErrorCode.Local_MsgTimedOut, PersistenceStatus.PossiblyPersisted)]
    [InlineData(ErrorCode.NotEnoughReplicasAfterAppend, PersistenceStatus.PossiblyPersisted)]
    public void A_publish_that_may_yet_be_written_keeps_its_slot(ErrorCode code, PersistenceStatus status) =>
        Assert.Equal(PublishOutcome.Unknown, ApplicationPublisher.Outcome(new Error(code), status));

    [Theory]
    [InlineData(ErrorCode.Local_QueueFull)]
    [InlineData(ErrorCode.MsgSizeTooLarge)]
    [InlineData(ErrorCode.NotEnoughReplicas)]
    public void A_publish_the_brokers_refused_or_never_got_frees_its_slot(ErrorCode code) =>
        Assert.Equal(PublishOutcome.NotPersisted, ApplicationPublisher.Outcome(new Error(code), PersistenceStatus.NotPersisted));
}
