namespace CouponEvent.ApplyApi.Apis;

/// <summary>Section <c>Admin</c>.</summary>
public sealed class AdminOptions
{
    /// <summary>Key for the admin endpoints, sent as header <c>X-Api-Key</c>. Unset: admin endpoints answer 403.</summary>
    public string? ApiKey { get; set; }
}
