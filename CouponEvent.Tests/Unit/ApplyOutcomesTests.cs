using System.Text.RegularExpressions;
using CouponEvent.ApplyApi.Admission;
using CouponEvent.ApplyApi.Apis;
using CouponEvent.ServiceDefaults;
using CouponEvent.Tests.Infrastructure;

namespace CouponEvent.Tests.Unit;

/// <summary>The one table of apply outcomes, the problem catalogue, and what docs/api.md says of both.</summary>
public sealed partial class ApplyOutcomesTests
{
    [Fact]
    public void Every_outcome_has_one_row_and_only_an_admission_answers_without_a_problem()
    {
        Assert.Equal(Enum.GetValues<ApplyOutcome>().Order(), ApplyOutcomes.All.Select(a => a.Outcome).Order());
        Assert.All(ApplyOutcomes.All, a => Assert.Equal(a.Outcome == ApplyOutcome.Admitted, a.Problem is null));
        Assert.All(ApplyOutcomes.All.Where(a => a.Problem is not null), a => Assert.InRange(a.Status, 400, 599));
    }

    [Fact]
    public void The_docs_outcome_table_is_the_code_table_row_for_row()
    {
        var readme = OutcomeRow().Matches(Readme.DocSection("api.md", "Outcomes of an application"))
            .Select(m => (m.Groups["outcome"].Value, int.Parse(m.Groups["status"].Value), m.Groups["type"].Value, m.Groups["metric"].Value))
            .ToList();
        var code = ApplyOutcomes.All.Select(a => (a.Outcome.ToString(), a.Status, a.Problem?.Name ?? "", a.Metric)).ToList();

        Assert.Equal(code, readme);
    }

    [Fact]
    public void The_docs_list_every_problem_type_of_the_catalogue_and_no_other()
    {
        var api = Readme.DocSection("api.md", "Errors");
        const string intro = "whose `type` is `urn:couponevent:<name>`:";
        var start = api.IndexOf(intro, StringComparison.Ordinal) + intro.Length;
        var listed = Backticked().Matches(api[start..api.IndexOf("(`ProblemTypes`", start, StringComparison.Ordinal)]).Select(m => m.Groups[1].Value);

        Assert.Equal(ProblemTypes.All.Select(t => t.Name).Order(), listed.Order());
        Assert.Equal(ProblemTypes.All.Count, ProblemTypes.All.Select(t => t.Name).Distinct().Count());
    }

    [Theory]
    [MemberData(nameof(Refusals))]
    public void Each_refusal_answers_with_its_rows_status_and_type_and_a_detail_free_of_internals(ApplyOutcome outcome)
    {
        var answer = ApplyOutcomes.Of(outcome);
        var problem = Problems.For(new ApplyResult(outcome, "black-friday", "42", Guid.CreateVersion7(), Detail: "as read")).Value;

        Assert.Equal(answer.Status, problem.Status);
        Assert.Equal(answer.Problem!.Uri, problem.Type);
        Assert.Equal(answer.Problem.Title, problem.Title);
        Assert.False(string.IsNullOrWhiteSpace(problem.Detail));
        Assert.DoesNotMatch("CouponEvent\\.|System\\.|Exception|   at ", problem.Detail);
    }

    public static TheoryData<ApplyOutcome> Refusals() => [.. ApplyOutcomes.All.Where(a => a.Problem is not null).Select(a => a.Outcome)];

    [Fact]
    public void The_race_view_draws_each_per_event_count_once_and_never_one_without_an_event()
    {
        var series = ApplyOutcomes.PerEventSeries.Select(a => a.Metric).ToList();

        Assert.Equal(series.Distinct(), series);
        Assert.Equal(["admitted", "not_open", "closed", "duplicate", "sold_out", "unavailable"], series);
        Assert.Equal("410 sold out", ApplyOutcomes.Of(ApplyOutcome.SoldOut).Label);
    }

    [GeneratedRegex(@"^\| (?<outcome>[A-Za-z]+) \| (?<status>\d{3}) \| *`?(?<type>[a-z-]*)`? *\| `(?<metric>[a-z_]+)` \|", RegexOptions.Multiline)]
    private static partial Regex OutcomeRow();

    [GeneratedRegex("`([^`]+)`")]
    private static partial Regex Backticked();
}
