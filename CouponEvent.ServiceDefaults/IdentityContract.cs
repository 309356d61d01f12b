namespace CouponEvent.ServiceDefaults;

/// <summary>What the token issuer and the services that accept its tokens agree on (OAuth 2.0 names).</summary>
public static class IdentityContract
{
    /// <summary>The <c>aud</c> of every access token for CouponEvent's APIs.</summary>
    public const string Audience = "couponevent-api";

    /// <summary>The scope of operators: events, failed events, reconciliation reports.</summary>
    public const string AdminScope = "couponevent.admin";

    /// <summary>The scope of applicants.</summary>
    public const string ApplyScope = "couponevent.apply";

    /// <summary>The client of operator tools (the dashboard's race command, bench, tests), by client credentials.</summary>
    public const string AdminClientId = "couponevent-admin";

    /// <summary>
    /// Development only: a token for any applicant, named by the request's <see cref="SubjectParameter"/>, for the
    /// synthetic applicants of the race command, bench, tests and curl.
    /// </summary>
    public const string ApplicantGrantType = "urn:couponevent:grant-type:applicant";

    public const string SubjectParameter = "subject";

    public const string TokenPath = "/connect/token";

    /// <summary>The longest applicant (a token's <c>sub</c>) accepted: GUIDs and providers' ids fit with room to spare.</summary>
    public const int MaxSubjectLength = 128;

    /// <summary>1 to <see cref="MaxSubjectLength"/> printable ASCII characters, no spaces: safe in logs, keys and URLs.</summary>
    public static bool IsValidSubject(string? subject) =>
        subject is { Length: > 0 and <= MaxSubjectLength } && subject.All(c => c is > ' ' and <= '~');
}
