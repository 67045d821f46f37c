using CoppiceMonitor.Portal.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace CoppiceMonitor.Portal;

public static class PortalApplicationBuilderExtensions
{
    private static readonly Lazy<byte[]> Stylesheet = new(() =>
    {
        using var stream = typeof(PortalApplicationBuilderExtensions).Assembly.GetManifestResourceStream("CoppiceMonitor.Portal.portal.css")
            ?? throw new InvalidOperationException("portal.css is not embedded");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    });

    /// <summary>The portal's middleware and endpoints: HSTS, security headers, sign-in, the pages, /health and /assets.</summary>
    public static WebApplication MapCoppicePortal(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseExceptionHandler("/error");
        app.UseStatusCodePagesWithReExecute("/error", "?code={0}");
        app.UseHsts();
        app.Use(SecurityHeaders.Apply);
        app.UseRouting();
        app.UseAuthentication();
        app.Use(RequireSecondFactorSetUp);
        app.UseAuthorization();

        app.MapGet("/health", HealthAsync).AllowAnonymous();
        app.MapGet("/assets/portal.css", () => Results.Bytes(Stylesheet.Value, "text/css; charset=utf-8")).AllowAnonymous();
        app.MapRazorPages();
        return app;
    }

    /// <summary>No personal data: whether the portal runs and reaches its database.</summary>
    private static async Task<IResult> HealthAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            return Results.Text("ok: portal running, database reachable\n", "text/plain; charset=utf-8");
        }
        catch (NpgsqlException)
        {
            return Results.Text("degraded: database unreachable\n", "text/plain; charset=utf-8", statusCode: StatusCodes.Status503ServiceUnavailable);
        }
    }

    /// <summary>HR, the headteacher, the DPO and ICT must set up the second factor before anything else.</summary>
    private static Task RequireSecondFactorSetUp(HttpContext context, Func<Task> next)
    {
        var path = context.Request.Path;
        if (context.User.HasClaim(c => c.Type == PortalClaims.NeedsSecondFactor)
            && !path.StartsWithSegments("/account", StringComparison.OrdinalIgnoreCase)
            && !path.StartsWithSegments("/assets", StringComparison.Ordinal)
            && !path.StartsWithSegments("/health", StringComparison.Ordinal)
            && !path.StartsWithSegments("/error", StringComparison.Ordinal))
        {
            context.Response.Redirect("/account/two-factor");
            return Task.CompletedTask;
        }

        return next();
    }
}
