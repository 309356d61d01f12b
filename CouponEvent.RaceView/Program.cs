using CouponEvent.RaceView;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();

app.UseExceptionHandler();
app.UseStatusCodePages();

app.MapDefaultEndpoints();
app.UseDefaultFiles();
app.UseStaticFiles();
// Outside Development, the race's data is for operators (a token with the admin scope); the page asks for one.
app.UseAuthentication();
app.UseAuthorization();
app.MapRaceApi(requireAdmin: !app.Environment.IsDevelopment());

app.Run();
