using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace CouponEvent.Tests.Infrastructure;

/// <summary>
/// ApplyApi in the test process with no servers behind it: connection strings to a closed port and no background
/// services, so that what needs no server (the OpenAPI document, the problem writer) is tested without the stack.
/// </summary>
public sealed class OfflineApplyApiFactory : WebApplicationFactory<CouponEvent.ApplyApi.Admission.ApplyUseCase>
{
    private const string Nowhere = "127.0.0.1:1";

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Development");
        builder.UseSetting("ConnectionStrings:redis", $"{Nowhere},abortConnect=false");
        builder.UseSetting("ConnectionStrings:kafka", Nowhere);
        builder.UseSetting("ConnectionStrings:coupondb", "Server=127.0.0.1;Port=1;Database=coupondb;User ID=none");
        builder.UseSetting("Authentication:Schemes:Bearer:Authority", $"http://{Nowhere}/");
        builder.UseSetting("Authentication:Schemes:Bearer:RequireHttpsMetadata", "false");
        builder.ConfigureServices(services => services.RemoveAll<IHostedService>());
    }
}
