namespace CouponEvent.ApplyApi.Admission;

/// <summary>
/// An application's id: a version 7 GUID made at its admission, so the winners' hash in Redis tells when each winner
/// was admitted (by the admitting instance's clock, to the millisecond).
/// </summary>
public static class ApplicationIds
{
    public static Guid New() => Guid.CreateVersion7();

    /// <summary>When the application was admitted; null for an id that is not version 7 (or not an id).</summary>
    public static DateTimeOffset? AdmittedAt(string? applicationId)
    {
        if (!Guid.TryParse(applicationId, out var id) || id.Version != 7) return null;
        // The first 48 bits are the unix milliseconds, big-endian.
        Span<byte> bytes = stackalloc byte[16];
        id.TryWriteBytes(bytes, bigEndian: true, out _);
        var milliseconds = ((long)bytes[0] << 40) | ((long)bytes[1] << 32) | ((long)bytes[2] << 24) | ((long)bytes[3] << 16) | ((long)bytes[4] << 8) | bytes[5];
        return DateTimeOffset.FromUnixTimeMilliseconds(milliseconds);
    }
}
