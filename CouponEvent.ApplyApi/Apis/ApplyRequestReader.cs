using System.Buffers;
using System.Text.Json;
using CouponEvent.ApplyApi.Admission;
using CouponEvent.Data.Model;
using CouponEvent.ServiceDefaults;

namespace CouponEvent.ApplyApi.Apis;

/// <summary>
/// Checks an application's shape by hand, on the hot path. The applicant is its token's subject, so the body is
/// empty or <c>{}</c>; no more than a small limit is ever buffered, nothing throws, and every way a request can be
/// wrong is refused with a detail that says how.
/// </summary>
internal static class ApplyRequestReader
{
    public const int MaxBodyBytes = 1024;

    public const string IdentityDetail =
        "userId is not for the client to say: the applicant is the subject of the access token in the Authorization header. Send no body, or {}.";

    /// <returns>The counted refusal, or null for a well-formed application.</returns>
    public static async ValueTask<ApplyResult?> ReadAsync(string eventId, HttpRequest request, CancellationToken cancellationToken)
    {
        if (!EventIds.IsValid(eventId)) return Refuse(ApplyOutcome.InvalidEventId, Problems.InvalidEventIdDetail(eventId));
        if (request.ContentLength == 0) return null;
        if (request.ContentLength > MaxBodyBytes) return Refuse(ApplyOutcome.RequestTooLarge, TooLarge);

        var read = await request.BodyReader.ReadAtLeastAsync(MaxBodyBytes + 1, cancellationToken);
        try
        {
            if (read.Buffer.IsEmpty) return null;
            if (!request.HasJsonContentType()) return Refuse(ApplyOutcome.NotJson, "Content-Type must be application/json, or send no body.");
            if (read.Buffer.Length > MaxBodyBytes) return Refuse(ApplyOutcome.RequestTooLarge, TooLarge);
            return Check(read.Buffer) is { } detail ? Refuse(ApplyOutcome.InvalidRequest, detail) : null;
        }
        finally
        {
            request.BodyReader.AdvanceTo(read.Buffer.End);
        }

        ApplyResult Refuse(ApplyOutcome outcome, string detail) => ApplyUseCase.Refused(outcome, eventId, detail);
    }

    /// <summary>Null for an empty JSON object; else what is wrong with the body.</summary>
    private static string? Check(ReadOnlySequence<byte> body)
    {
        var reader = new Utf8JsonReader(body);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return "The body must be empty or the JSON object {}.";
            if (!reader.Read()) return "The body is not valid JSON: the object is not closed.";
            if (reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.GetString()!;
                return name.Equals("userId", StringComparison.OrdinalIgnoreCase)
                    ? IdentityDetail
                    : $"Unknown member '{(name.Length <= 40 ? name : name[..40] + "…")}': the body must be empty or {{}}.";
            }
            // The object is closed: nothing may follow it.
            return reader.Read() ? "The body must hold one JSON object and nothing after it." : null;
        }
        catch (JsonException)
        {
            return "The body is not valid JSON: send no body, or {}.";
        }
    }

    private static readonly string TooLarge = $"The body must not exceed {MaxBodyBytes} bytes.";
}
