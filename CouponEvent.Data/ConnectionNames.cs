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

/// <summary>Header names of the HTTP contract, shared by ApplyApi, the AppHost's commands and the tests.</summary>
public static class ApiHeaders
{
    /// <summary>The admin API's key.</summary>
    public const string AdminKey = "X-Api-Key";
}
