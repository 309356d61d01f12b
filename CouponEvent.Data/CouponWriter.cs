using CouponEvent.Data.Messages;
using CouponEvent.Data.Model;
using CouponEvent.Data.Redis;
using Microsoft.Extensions.DependencyInjection;
using MySqlConnector;

namespace CouponEvent.Data;

/// <summary>
/// Writes a batch's coupons, and failed events for the applications that cannot become one: the Consumer's batches,
/// and the coupons reconciliation issues from Redis.
/// </summary>
public sealed class CouponWriter([FromKeyedServices(DatabaseExtensions.RawSql)] MySqlDataSource dataSource, StatusChanges changes)
{
    /// <summary>
    /// One transaction: the coupons that fit under each event's quantity (<see cref="CouponIssuer"/>), and a refused
    /// failed event for each application that does not, so none is lost; redelivery repeats it harmlessly.
    /// </summary>
    /// <param name="traceParentOf">The application's span, for the refused failed event.</param>
    /// <returns>How many coupons were new, and the refused applications.</returns>
    public async Task<(int Issued, List<CouponApplication> Refused)> IssueAsync(IReadOnlyList<CouponApplication> applications,
        Func<CouponApplication, string?> traceParentOf, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(CouponIssuer.Isolation, cancellationToken);
        var (issued, refused) = await CouponIssuer.IssueAsync(connection, transaction, applications, cancellationToken);
        foreach (var application in refused)
        {
            await FailedEventStore.RecordAsync(connection, transaction, application, FailedEventStatus.Refused,
                CouponIssuer.RefusedReason(application.EventId), traceParentOf(application), cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        changes.Announce(applications.Select(a => (a.EventId, a.UserId)));
        return (issued, refused);
    }

    /// <summary>Records an application for the RetryJob. Idempotent on the application id.</summary>
    public async Task RecordFailureAsync(CouponApplication application, string error, string? traceParent, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await FailedEventStore.RecordAsync(connection, null, application, FailedEventStatus.Pending, error, traceParent, cancellationToken);
        changes.Announce([(application.EventId, application.UserId)]);
    }
}
