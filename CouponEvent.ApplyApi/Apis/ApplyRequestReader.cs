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
        if (!EventIds.IsValid(eventId)) return Refuse(ApplyOutcome.InvalidEventId, Problems.InvalidEventIdDetail(eventId), "eventId");
        if (request.ContentLength == 0) return null;
        if (request.ContentLength > MaxBodyBytes) return Refuse(ApplyOutcome.RequestTooLarge, TooLarge);

        var read = await request.BodyReader.ReadAtLeastAsync(MaxBodyBytes + 1, cancellationToken);
        try
        {
            if (read.Buffer.IsEmpty) return null;
            if (!request.HasJsonContentType()) return Refuse(ApplyOutcome.NotJson, "Content-Type must be application/json, or send no body.");
            if (read.Buffer.Length > MaxBodyBytes) return Refuse(ApplyOutcome.RequestTooLarge, TooLarge);
            return Check(read.Buffer) is ({ } field, { } detail) ? Refuse(ApplyOutcome.InvalidRequest, detail, field) : null;
        }
        finally
        {
            request.BodyReader.AdvanceTo(read.Buffer.End);
        }

        ApplyResult Refuse(ApplyOutcome outcome, string detail, string? field = null) => ApplyUseCase.Refused(outcome, eventId, detail, field);
    }

    /// <summary>Nulls for an empty JSON object; else the field at fault (a member's exact name, or <c>body</c>) and what is wrong.</summary>
    private static (string? Field, string? Detail) Check(ReadOnlySequence<byte> body)
    {
        var reader = new Utf8JsonReader(body);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return ("body", "The body must be empty or the JSON object {}.");
            if (!reader.Read()) return ("body", "The body is not valid JSON: the object is not closed.");
            if (reader.TokenType == JsonTokenType.PropertyName)
            {
                // Names are matched exactly, as in every body of this API: "userid" is an unknown member, refused all the same.
                var name = reader.GetString()!;
                if (name == "userId") return (name, IdentityDetail);
                var shown = name.Length <= 40 ? name : name[..40];
                return (shown, $"Unknown member '{shown}{(shown.Length < name.Length ? "…" : "")}': the body must be empty or {{}}.");
            }
            // The object is closed: nothing may follow it.
            return reader.Read() ? ("body", "The body must hold one JSON object and nothing after it.") : (null, null);
        }
        catch (JsonException)
        {
            return ("body", "The body is not valid JSON: send no body, or {}.");
        }
    }

    private static readonly string TooLarge = $"The body must not exceed {MaxBodyBytes} bytes.";
}
