using System.Reflection;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc;

namespace CouponEvent.ApplyApi.Apis;

/// <summary>The statuses one operation can answer with a problem: its handler's, and those of the middleware in front of it.</summary>
public interface IProblemStatuses
{
    static abstract int[] Statuses { get; }
}

/// <summary>
/// A problem-details answer whose every possible status is part of the handler's type, so that the OpenAPI document
/// lists each one. (<c>Results&lt;...&gt;</c> takes six types, and ASP.NET Core has no typed result with a body for
/// 403, 410, 413, 415, 429 or 503.) A <see cref="ProblemBody"/>, when given, writes the bytes it serialized once.
/// </summary>
public sealed class Problem<TStatuses> : IResult, IEndpointMetadataProvider, IStatusCodeHttpResult,
    IValueHttpResult<ProblemDetails>, IValueHttpResult, IContentTypeHttpResult
    where TStatuses : IProblemStatuses
{
    private readonly ProblemBody? _serialized;

    public Problem(ProblemDetails problem) => Value = problem;

    public Problem(ProblemBody serialized) : this(serialized.Problem) => _serialized = serialized;

    public ProblemDetails Value { get; }
    object? IValueHttpResult.Value => Value;
    public int? StatusCode => Value.Status;
    public string ContentType => "application/problem+json";

    public Task ExecuteAsync(HttpContext httpContext) =>
        _serialized?.WriteAsync(httpContext) ?? TypedResults.Problem(Value).ExecuteAsync(httpContext);

    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder)
    {
        foreach (var status in TStatuses.Statuses)
            builder.Metadata.Add(new ProducesResponseTypeMetadata(status, typeof(ProblemDetails), ["application/problem+json"]));
    }
}
