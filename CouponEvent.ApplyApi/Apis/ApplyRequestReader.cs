using System.Text.Json;
using CouponEvent.ApplyApi.Admission;
using CouponEvent.ApplyApi.Model;
using CouponEvent.Data.Model;
using CouponEvent.ServiceDefaults;

namespace CouponEvent.ApplyApi.Apis;

/// <summary>
/// Reads an application by hand, on the hot path: no more than a small limit is ever buffered, nothing throws for a
/// well-formed body, and every way a request can be wrong is refused with a detail that says how.
/// </summary>
internal static class ApplyRequestReader
{
    public const int MaxBodyBytes = 1024;

    /// <returns>The body, or null and the counted refusal.</returns>
    public static async ValueTask<(ApplyRequest? Request, ApplyResult Refusal)> ReadAsync(string eventId, HttpRequest request, CancellationToken cancellationToken)
    {
        if (!EventIds.IsValid(eventId)) return Refuse(ApplyOutcome.InvalidEventId, Problems.InvalidEventIdDetail(eventId));
        if (!request.HasJsonContentType()) return Refuse(ApplyOutcome.NotJson, "Content-Type must be application/json.");
        if (request.ContentLength > MaxBodyBytes) return Refuse(ApplyOutcome.RequestTooLarge, TooLarge);

        var read = await request.BodyReader.ReadAtLeastAsync(MaxBodyBytes + 1, cancellationToken);
        try
        {
            if (read.Buffer.Length > MaxBodyBytes) return Refuse(ApplyOutcome.RequestTooLarge, TooLarge);
            if (read.Buffer.IsEmpty) return Refuse(ApplyOutcome.InvalidRequest, "The body is empty: send {\"userId\": <positive integer>}.");

            var reader = new Utf8JsonReader(read.Buffer);
            var body = JsonSerializer.Deserialize(ref reader, ApiJsonContext.Default.ApplyRequest);
            return body switch
            {
                null => Refuse(ApplyOutcome.InvalidRequest, "The body must be a JSON object: {\"userId\": <positive integer>}."),
                { UserId: <= 0 } => Refuse(ApplyOutcome.InvalidRequest, "userId must be a positive 64-bit integer."),
                _ => (body, default),
            };
        }
        catch (JsonException ex)
        {
            return Refuse(ApplyOutcome.InvalidRequest, $"The body is not a valid application: {ex.Message}");
        }
        finally
        {
            request.BodyReader.AdvanceTo(read.Buffer.End);
        }

        (ApplyRequest?, ApplyResult) Refuse(ApplyOutcome outcome, string detail) => (null, ApplyUseCase.Refused(outcome, eventId, detail));
    }

    private static readonly string TooLarge = $"The body must not exceed {MaxBodyBytes} bytes.";
}
