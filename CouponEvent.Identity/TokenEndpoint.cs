using System.Security.Claims;
using CouponEvent.ServiceDefaults;
using Microsoft.AspNetCore;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace CouponEvent.Identity;

public static class TokenEndpoint
{
    /// <summary>
    /// <c>POST /connect/token</c>, once OpenIddict has validated the request: the operators' client gets a token for
    /// itself, with the scopes it asked for; in Development, an applicant gets one in their own name.
    /// </summary>
    public static void MapTokenEndpoint(this IEndpointRouteBuilder app) =>
        app.MapPost(IdentityContract.TokenPath, (HttpContext http) =>
        {
            var request = http.GetOpenIddictServerRequest()!;
            var subject = request.IsClientCredentialsGrantType() ? request.ClientId! : (string)request[IdentityContract.SubjectParameter]!;
            var identity = new ClaimsIdentity(TokenValidationParameters.DefaultAuthenticationType, Claims.Name, Claims.Role);
            identity.SetClaim(Claims.Subject, subject);
            identity.SetScopes(request.IsClientCredentialsGrantType() ? request.GetScopes() : [IdentityContract.ApplyScope]);
            identity.SetResources(IdentityContract.Audience);
            identity.SetDestinations(_ => [Destinations.AccessToken]);
            return Results.SignIn(new ClaimsPrincipal(identity), authenticationScheme: OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
        }).ExcludeFromDescription();
}
