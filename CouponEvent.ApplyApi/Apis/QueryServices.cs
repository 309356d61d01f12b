using CouponEvent.ApplyApi.Admission;
using CouponEvent.Data;

namespace CouponEvent.ApplyApi.Apis;

/// <summary>What the read handlers need, passed with [AsParameters].</summary>
public sealed class QueryServices(CouponDbContext db, EventAdmission admission)
{
    public CouponDbContext Db { get; } = db;
    public EventAdmission Admission { get; } = admission;
}
