using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using CouponEvent.Tests.Infrastructure;

namespace CouponEvent.Tests.Unit;

/// <summary>The contract in three places that must agree: the handlers' types, the OpenAPI document and the README.</summary>
public sealed partial class OpenApiDocumentTests
{
    [Fact]
    public async Task Each_operation_in_the_READMEs_API_table_lists_exactly_its_statuses_in_the_OpenAPI_document()
    {
        await using var factory = new OfflineApplyApiFactory();
        using var client = factory.CreateClient();
        var paths = (await client.GetFromJsonAsync<JsonElement>("/openapi/v1.json")).GetProperty("paths");
        var documented = paths.EnumerateObject()
            .SelectMany(path => path.Value.EnumerateObject().Select(operation => (
                Operation: $"{operation.Name.ToUpperInvariant()} {path.Name.TrimEnd('/')}",
                Statuses: operation.Value.GetProperty("responses").EnumerateObject().Select(r => int.Parse(r.Name)).Order().ToList())))
            .ToDictionary(o => o.Operation, o => o.Statuses);

        var readme = ReadmeApiTable();

        Assert.Equal(readme.Keys.Order(), documented.Keys.Order());
        Assert.All(readme, row => Assert.True(row.Value.SequenceEqual(documented[row.Key]),
            $"{row.Key}: the README says {string.Join(", ", row.Value)}; the OpenAPI document {string.Join(", ", documented[row.Key])}"));
    }

    /// <summary>"METHOD /path" → the bold statuses of its row, from the README's API section (health endpoints aside).</summary>
    private static Dictionary<string, List<int>> ReadmeApiTable()
    {
        return Row().Matches(Readme.Section("API"))
            .ToDictionary(m => $"{m.Groups["method"].Value} {m.Groups["path"].Value.TrimEnd('/')}",
                m => Status().Matches(m.Groups["answers"].Value).Select(s => int.Parse(s.Groups[1].Value)).Order().ToList());
    }

    [GeneratedRegex(@"^\| `(?<method>[A-Z]+) (?<path>/api/[^ ?`]*)[^|]*\| (?<answers>.*) \|$", RegexOptions.Multiline)]
    private static partial Regex Row();

    [GeneratedRegex(@"\*\*(\d{3})\*\*")]
    private static partial Regex Status();
}
