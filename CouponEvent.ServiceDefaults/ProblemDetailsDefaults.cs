using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace CouponEvent.ServiceDefaults;

/// <summary>
/// Every error of every service, in every environment, is RFC 7807 problem details of a <c>urn:couponevent:*</c> type:
/// the answers a handler writes, the empty ones of routing (404, 405, 415) and the binding failures of ASP.NET Core
/// (a malformed body, a value that does not parse, a body too large), which otherwise give a 500 in Development and an
/// empty 400 in Production. Each service's pipeline starts with <c>UseExceptionHandler()</c> and <c>UseStatusCodePages()</c>.
/// </summary>
public static partial class ProblemDetailsDefaults
{
    public const string TypePrefix = "urn:couponevent:";

    public static IServiceCollection AddDefaultProblemDetails(this IServiceCollection services)
    {
        services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
        {
            var problem = context.ProblemDetails;
            if (problem.Type?.StartsWith(TypePrefix, StringComparison.Ordinal) == true) return;
            problem.Type = ProblemTypes.ForStatus(problem.Status).Uri;
            problem.Detail ??= problem.Status switch
            {
                StatusCodes.Status404NotFound => $"Nothing is at {context.HttpContext.Request.Path}.",
                StatusCodes.Status405MethodNotAllowed => $"{context.HttpContext.Request.Method} is not allowed on {context.HttpContext.Request.Path}.",
                StatusCodes.Status413PayloadTooLarge => "The body is larger than this endpoint accepts.",
                StatusCodes.Status415UnsupportedMediaType => "Content-Type must be application/json.",
                _ => null,
            };
        });
        // Binding failures throw in every environment, so that the handler below can answer them with the field's name.
        services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        services.AddExceptionHandler<BadRequestHandler>();
        return services;
    }

    /// <summary>
    /// A request ASP.NET Core could not bind: the problem says which parameter (or which field of a JSON body) and why.
    /// Handled exceptions are not logged as errors (.NET 10), so bad input cannot fill the logs with server errors.
    /// </summary>
    private sealed partial class BadRequestHandler(IProblemDetailsService problems) : IExceptionHandler
    {
        public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
        {
            if (exception is not BadHttpRequestException bad) return false;

            var problem = bad.StatusCode == StatusCodes.Status400BadRequest ? Invalid(bad) : new ProblemDetails { Detail = bad.Message };
            problem.Status = bad.StatusCode;
            problem.Type = ProblemTypes.ForStatus(bad.StatusCode).Uri;
            context.Response.StatusCode = bad.StatusCode;
            return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = problem });
        }

        /// <summary>A 400 naming its field: the JSON path inside a body, else the route or query parameter.</summary>
        private static HttpValidationProblemDetails Invalid(BadHttpRequestException bad)
        {
            var (field, reason) = bad.InnerException switch
            {
                // System.Text.Json's own words name .NET types; the field and what is wrong with it are what a client needs.
                JsonException { Path: { Length: > 2 } path } json when json.Message.Contains("could not be mapped", StringComparison.Ordinal)
                    => (path[2..], "Unknown field."),
                JsonException { Path: { Length: > 2 } path } json when json.Message.StartsWith("The JSON value could not be converted", StringComparison.Ordinal)
                    => (path[2..], "Not a value of this field's type (see the OpenAPI document)."),
                JsonException { Path: { Length: > 2 } path } json when json.Message.Contains("Duplicate", StringComparison.OrdinalIgnoreCase)
                    => (path[2..], "Given more than once."),
                // Its other words (positions, type names) are not the client's business: the body as a whole is at fault.
                JsonException => ("body", "Not valid JSON, or not the JSON object this endpoint takes (see the OpenAPI document)."),
                _ when bad.Message.Contains("body", StringComparison.Ordinal) => ("body", "A JSON object is required."),
                _ when ParameterName().Match(bad.Message) is { Success: true } match => (match.Groups["name"].Value, NotAValue(match)),
                _ => ("request", "The request could not be read."),
            };
            return new HttpValidationProblemDetails(new Dictionary<string, string[]> { [field] = [reason] })
            {
                Title = ProblemTypes.InvalidRequest.Title,
                Detail = $"{field}: {reason}",
            };
        }

        /// <summary>What is wrong with a route or query value, in the client's words rather than .NET's type names.</summary>
        private static string NotAValue(Match match)
        {
            var value = match.Groups["value"].Success ? match.Groups["value"].Value : "";
            var shown = value.Length <= 40 ? value : value[..40] + "…";
            return match.Groups["type"].Value is var type && (type.Contains("int", StringComparison.OrdinalIgnoreCase) || type.Contains("long", StringComparison.OrdinalIgnoreCase))
                ? $"Must be a whole number; got '{shown}'."
                : $"Not a valid value; got '{shown}'.";
        }

        // ASP.NET Core's messages name the parameter as "{type} {name}" in quotes: "Failed to bind parameter "long id" from "x"."
        [GeneratedRegex("parameter \"(?:(?<type>[^\" ]+) )?(?<name>[^\" ]+)\"(?: from \"(?<value>[^\"]*)\")?")]
        private static partial Regex ParameterName();
    }
}
