using System.Net.Http.Json;
using System.Text.Json.Serialization;

namespace CouponEvent.ServiceDefaults;

/// <summary>Asks the token issuer for an access token (RFC 6749, section 4.4, and the Development applicant grant).</summary>
public static class TokenClient
{
    /// <summary>A token of the operators' client, with the admin scope (client credentials).</summary>
    public static Task<string> RequestAdminTokenAsync(HttpClient issuer, string clientSecret, CancellationToken cancellationToken = default) =>
        RequestAsync(issuer, new()
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = IdentityContract.AdminClientId,
            ["client_secret"] = clientSecret,
            ["scope"] = IdentityContract.AdminScope,
        }, cancellationToken);

    /// <summary>A token in the name of <paramref name="subject"/>: the local issuer's Development grant.</summary>
    public static Task<string> RequestApplicantTokenAsync(HttpClient issuer, string subject, CancellationToken cancellationToken = default) =>
        RequestAsync(issuer, new()
        {
            ["grant_type"] = IdentityContract.ApplicantGrantType,
            [IdentityContract.SubjectParameter] = subject,
        }, cancellationToken);

    private static async Task<string> RequestAsync(HttpClient issuer, Dictionary<string, string> form, CancellationToken cancellationToken)
    {
        using var response = await issuer.PostAsync(IdentityContract.TokenPath, new FormUrlEncodedContent(form), cancellationToken);
        var answer = await response.Content.ReadFromJsonAsync<TokenResponse>(cancellationToken);
        return response.IsSuccessStatusCode && answer?.AccessToken is { } token
            ? token
            : throw new HttpRequestException($"The issuer refused the token request ({(int)response.StatusCode}): {answer?.Error} {answer?.ErrorDescription}");
    }

    private sealed record TokenResponse(
        [property: JsonPropertyName("access_token")] string? AccessToken,
        [property: JsonPropertyName("error")] string? Error,
        [property: JsonPropertyName("error_description")] string? ErrorDescription);
}
