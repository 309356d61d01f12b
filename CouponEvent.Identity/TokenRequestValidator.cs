using System.Security.Cryptography;
using System.Text;
using CouponEvent.ServiceDefaults;
using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace CouponEvent.Identity;

/// <summary>
/// What OpenIddict's degraded mode leaves to the application: the operators' client secret, compared in constant
/// time, and the applicant named by a Development token request.
/// </summary>
public sealed class TokenRequestValidator(IOptions<IssuerOptions> options) : IOpenIddictServerHandler<ValidateTokenRequestContext>
{
    public ValueTask HandleAsync(ValidateTokenRequestContext context)
    {
        var request = context.Request;
        if (request.IsClientCredentialsGrantType())
        {
            if (request.ClientId != IdentityContract.AdminClientId || request.ClientSecret is null
                || !CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(request.ClientSecret), Encoding.UTF8.GetBytes(options.Value.AdminClientSecret)))
                context.Reject(Errors.InvalidClient, "The client id or secret is not valid.");
        }
        else if (request.GrantType == IdentityContract.ApplicantGrantType
                 && !IdentityContract.IsValidSubject((string?)request[IdentityContract.SubjectParameter]))
        {
            context.Reject(Errors.InvalidRequest,
                $"'{IdentityContract.SubjectParameter}' names the applicant: 1 to {IdentityContract.MaxSubjectLength} printable ASCII characters, no spaces.");
        }
        return ValueTask.CompletedTask;
    }
}
