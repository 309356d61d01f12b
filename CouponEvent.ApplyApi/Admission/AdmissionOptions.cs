using System.ComponentModel.DataAnnotations;

namespace CouponEvent.ApplyApi.Admission;

/// <summary>Section <c>Admission</c>: how sure of an admission ApplyApi must be before publishing it.</summary>
public sealed class AdmissionOptions
{
    /// <summary>
    /// Replicas that must hold an admission (Redis <c>WAIT</c>) before it is published; 0 (the default) does not wait.
    /// For replicated deployments: a failover then loses no admission that was told 202, and a master cut off from
    /// its replicas admits nobody.
    /// </summary>
    [Range(0, 16)]
    public int ReplicaAcks { get; set; }

    /// <summary>How long to wait for them; an admission not acknowledged in time is released and answered 503.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "00:00:10")]
    public TimeSpan ReplicaTimeout { get; set; } = TimeSpan.FromMilliseconds(200);
}
