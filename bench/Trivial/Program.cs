// The fastest this machine serves HTTP: every other figure in the benchmark is a ratio to this one.
var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.ClearProviders();
var app = builder.Build();
app.MapGet("/", () => "ok");
app.Run();
