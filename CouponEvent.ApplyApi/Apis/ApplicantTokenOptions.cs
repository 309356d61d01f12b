using System.ComponentModel.DataAnnotations;

namespace CouponEvent.ApplyApi.Apis;

/// <summary>Section <c>ApplicantTokens</c>: how ApplyApi spares itself validating one bearer token twice (<see cref="RememberedTokens"/>).</summary>
public sealed class ApplicantTokenOptions
{
    /// <summary>
    /// Tokens remembered as valid until they expire, so that a repeat (a winner's retry, a client's resend) costs no
    /// second signature check; 0 turns it off. When full, the memory starts afresh.
    /// </summary>
    [Range(0, 1_000_000)]
    public int Remembered { get; set; } = 100_000;
}
