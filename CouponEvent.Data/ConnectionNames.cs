namespace CouponEvent.Data;

/// <summary>
/// The AppHost's resources that services connect to, by name: each service reads <c>ConnectionStrings__{name}</c>.
/// </summary>
public static class ConnectionNames
{
    public const string Redis = "redis";
    public const string Kafka = "kafka";
    public const string CouponDb = "coupondb";
}
