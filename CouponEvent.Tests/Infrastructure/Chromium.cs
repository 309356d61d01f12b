using Microsoft.Playwright;

namespace CouponEvent.Tests.Infrastructure;

/// <summary>Headless Chromium from Debian's package, driven by Playwright.</summary>
public static class Chromium
{
    public static async Task<(IPlaywright, IBrowser)> LaunchAsync()
    {
        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            // This machine has no outside network: Chromium's own background connections only fail and slow it.
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync"],
        });
        return (playwright, browser);
    }
}
