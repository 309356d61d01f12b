using CouponEvent.Identity;
using CouponEvent.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddTokenIssuer();

var app = builder.Build();

app.UseExceptionHandler();
app.UseStatusCodePages();

app.MapDefaultEndpoints();
app.MapServiceIndex("The stack's OAuth 2.0 token issuer (OpenIddict).", "/.well-known/openid-configuration", $"POST {IdentityContract.TokenPath}");
app.MapTokenEndpoint();

app.Run();
