using CouponEvent.ServiceDefaults;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Server;

namespace CouponEvent.Identity;

/// <summary>
/// The local stack's OpenID Connect issuer, on OpenIddict's server: discovery, signing keys and a token endpoint, for
/// the clients that CouponEvent itself needs. Production points the services at any other provider instead.
/// </summary>
/// <remarks>
/// OpenIddict's degraded mode: no database of applications and tokens, since its two clients are configuration and its
/// tokens are never revoked or introspected (they are short-lived JWTs, validated by their signature). The signing key
/// lives as long as the process; the services fetch the new one from the discovery document when it restarts.
/// </remarks>
public static class IssuerExtensions
{
    public static void AddTokenIssuer(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<IssuerOptions>().BindConfiguration(IssuerOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        var development = builder.Environment.IsDevelopment();

        builder.Services.AddOpenIddict().AddServer(server =>
        {
            server.SetTokenEndpointUris(IdentityContract.TokenPath.TrimStart('/'));
            server.AllowClientCredentialsFlow();
            server.RegisterScopes(IdentityContract.AdminScope, IdentityContract.ApplyScope);
            if (development)
            {
                server.AllowCustomFlow(IdentityContract.ApplicantGrantType);
                // An applicant's token is asked for without a client secret: the grant exists only in Development.
                server.AcceptAnonymousClients();
            }
            server.AddEphemeralEncryptionKey().AddEphemeralSigningKey(
                builder.Configuration[$"{IssuerOptions.SectionName}:{nameof(IssuerOptions.SigningAlgorithm)}"] ?? SecurityAlgorithms.RsaSha256);
            // Access tokens are JWTs any resource server can validate (RFC 9068), not OpenIddict's encrypted format.
            server.DisableAccessTokenEncryption();
            server.EnableDegradedMode();
            server.UseAspNetCore()
                .EnableTokenEndpointPassthrough()
                // Plain HTTP on loopback, as every service of the local stack.
                .DisableTransportSecurityRequirement();
            server.AddEventHandler<OpenIddictServerEvents.ValidateTokenRequestContext>(handler =>
                handler.UseSingletonHandler<TokenRequestValidator>());
        });
        builder.Services.AddOptions<OpenIddictServerOptions>().Configure<IOptions<IssuerOptions>>((server, issuer) =>
        {
            server.AccessTokenLifetime = issuer.Value.AccessTokenLifetime;
            // One issuer name whichever address a client used (localhost or 127.0.0.1, Aspire's proxy or the process).
            server.Issuer = issuer.Value.Url;
        });
    }
}
