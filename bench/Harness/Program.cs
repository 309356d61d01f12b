// The benchmark's tools that wrk cannot be:
//   tokens   --issuer URL --count N --out FILE
//            N applicants' access tokens (subjects bench-1..bench-N) from the stack's issuer, one per line, for wrk.
//   validate --issuer URL [--count N]
//            What one applicant token costs: N (20,000) validations of one token as JwtBearer makes them
//            (JsonWebTokenHandler, the issuer's published keys) and N reads of its claimed subject; µs each.
//   race     --api URL --token TOKEN --issuer URL|--tokens FILE --users N --quantity Q [--connections C] [--followers F]
//            N distinct users, each with its own token (minted first, not timed, or the first N lines of a tokens
//            FILE), race for Q coupons over HTTP;
//            reports the seconds from the first request to the last coupon row. With F followers, each 202's
//            applicant then reads its status and polls it as the README says (If-None-Match, Prefer: wait=30) until issued,
//            F at a time; reports their requests and when the last one saw its coupon.
//   events   --api URL --token TOKEN --count N --prefix P [--closes-in SECONDS]
//            N events of 10 coupons (ids P-1..P-N), closing SECONDS (5) from now, created 16 at a time through the admin API.
//   issuance --api URL --token TOKEN --kafka HOST:PORT --quantity N [--backlog B]
//            N applications produced straight into coupon_create, at most B (100,000) ahead of the rows;
//            reports how fast the Consumer turns them into rows.
//   burst    --url URL --users N [--issuer URL] [--connections C] [--unrelated URL] [--timeline FILE --label NAME]
//            POSTs users 1..N's applications to URL (their tokens with --issuer, else {"userId": n}) from C connections (64) while 8 more connections keep GETting the unrelated
//            page; reports answers by status, requests/s and p99 of both (bench/compare.sh, the course's designs);
//            appends "NAME,seconds,latency_ms" per unrelated request to FILE.
//   timeline --csv FILE --out PNG
//            The unrelated page's p99 per 100 ms over the burst, one line per NAME.
//   plot     --csv FILE --out DIR
//            The scaling curves (bench/results.csv) as PNGs.
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using CouponEvent.Data.Messages;

var options = Options.Parse(args.Skip(1));
try
{
    return args.FirstOrDefault() switch
    {
        "tokens" => await Tokens.RunAsync(options),
        "validate" => await Validate.RunAsync(options),
        "race" => await Race.RunAsync(options),
        "issuance" => await Issuance.RunAsync(options),
        "events" => await Events.RunAsync(options),
        "burst" => await Burst.RunAsync(options),
        "timeline" => Plots.Timeline(options),
        "plot" => Plots.Run(options),
        _ => Usage(),
    };
}
catch (ArgumentException ex)
{
    Console.Error.WriteLine(ex.Message);
    return Usage();
}

static int Usage()
{
    Console.Error.WriteLine("usage: Harness race|issuance|plot --option value ... (see the top of bench/Harness/Program.cs)");
    return 2;
}

internal sealed class Options(Dictionary<string, string> values)
{
    public static Options Parse(IEnumerable<string> args)
    {
        var values = new Dictionary<string, string>();
        using var e = args.GetEnumerator();
        while (e.MoveNext())
        {
            var name = e.Current;
            if (!name.StartsWith("--", StringComparison.Ordinal) || !e.MoveNext()) throw new ArgumentException($"Expected --name value, got '{name}'.");
            values[name[2..]] = e.Current;
        }
        return new Options(values);
    }

    public string? Optional(string name) => values.GetValueOrDefault(name);

    public string this[string name] => values.TryGetValue(name, out var value) ? value : throw new ArgumentException($"--{name} is required.");
    public int Int(string name, int? fallback = null) =>
        values.TryGetValue(name, out var value) ? int.Parse(value, CultureInfo.InvariantCulture)
        : fallback ?? throw new ArgumentException($"--{name} is required.");
}

/// <summary>The admin and read calls of the API that both scenarios need.</summary>
internal sealed class Api(string baseUrl, string token)
{
    public HttpClient Client { get; } = new(new SocketsHttpHandler { MaxConnectionsPerServer = 4096 }) { BaseAddress = new Uri(baseUrl) };

    public async Task<string> CreateEventAsync(string prefix, int quantity, string? id = null, DateTimeOffset? closesAt = null)
    {
        id ??= $"{prefix}-{Guid.NewGuid():N}"[..24];
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/events") { Content = JsonContent.Create(new { id, name = id, quantity, closesAt }) };
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        using var response = await Client.SendAsync(request);
        if (response.StatusCode != HttpStatusCode.Created) throw new InvalidOperationException($"Creating {id}: {(int)response.StatusCode}");
        return id;
    }

    /// <summary>The database the rows are counted in (bench/stack.sh passes the Consumer's); without it, the API's summary.</summary>
    private static readonly string? CouponDb = Environment.GetEnvironmentVariable("ConnectionStrings__coupondb") is { Length: > 0 } db ? db : null;

    /// <summary>The event's rows: MySQL's count itself, since the summary is answered from memory, up to a second behind.</summary>
    public async Task<long> IssuedAsync(string eventId)
    {
        if (CouponDb is null) return (await Client.GetFromJsonAsync<JsonElement>($"/api/events/{eventId}")).GetProperty("issued").GetInt64();
        await using var connection = new MySqlConnector.MySqlConnection(CouponDb);
        await connection.OpenAsync();
        await using var command = new MySqlConnector.MySqlCommand("SELECT issued FROM events WHERE id = @e", connection);
        command.Parameters.AddWithValue("@e", eventId);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }

    /// <summary>Polls the issued count until it reaches <paramref name="expected"/>; returns when the first and the last row were seen.</summary>
    public async Task<(TimeSpan First, TimeSpan Last)> WaitForRowsAsync(string eventId, long expected, Stopwatch clock, TimeSpan timeout)
    {
        TimeSpan? first = null;
        while (clock.Elapsed < timeout)
        {
            Issued = await IssuedAsync(eventId);
            if (Issued > 0) first ??= clock.Elapsed;
            if (Issued >= expected) return (first!.Value, clock.Elapsed);
            await Task.Delay(20);
        }
        throw new TimeoutException($"{eventId}: not all {expected} rows within {timeout.TotalSeconds} s.");
    }

    /// <summary>The issued count last seen by <see cref="WaitForRowsAsync"/>.</summary>
    public long Issued { get; private set; }
}

/// <summary>
/// One application as wrk sends it: a small body with its Content-Length. (PostAsJsonAsync would stream it chunked
/// through the serializer, which costs this client more than the server's answer costs the server.)
/// </summary>
internal static class Application
{
    /// <summary>CouponEvent's application: the user's token and no body. Without one, the course's designs' body.</summary>
    public static async Task<HttpResponseMessage> PostAsync(HttpClient client, string url, int userId, string? token = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url);
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        else
        {
            request.Content = new ByteArrayContent(Encoding.ASCII.GetBytes($"{{\"userId\":{userId}}}"));
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        }
        return await client.SendAsync(request);
    }
}

/// <summary>Applicants' tokens from the stack's issuer (its Development grant), minted before anything is measured.</summary>
internal static class Tokens
{
    public static async Task<string[]> MintAsync(string? issuer, int count)
    {
        var tokens = new string[count + 1];
        if (issuer is null) return tokens;
        using var client = new HttpClient { BaseAddress = new Uri(issuer) };
        await Parallel.ForEachAsync(Enumerable.Range(1, count), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (user, ct) =>
            tokens[user] = await CouponEvent.ServiceDefaults.TokenClient.RequestApplicantTokenAsync(client, $"bench-{user}", ct));
        return tokens;
    }

    /// <summary>Users 1..<paramref name="count"/>'s tokens from a file the tokens command wrote (index 0 unused, as minted).</summary>
    public static string?[] Read(string file, int count)
    {
        string?[] tokens = [null, .. File.ReadLines(file).Take(count)];
        return tokens.Length == count + 1 ? tokens : throw new ArgumentException($"{file} holds fewer than {count} tokens.");
    }

    public static async Task<int> RunAsync(Options options)
    {
        var clock = Stopwatch.StartNew();
        var tokens = await MintAsync(options["issuer"], options.Int("count"));
        await File.WriteAllLinesAsync(options["out"], tokens.Skip(1));
        Console.Error.WriteLine($"{tokens.Length - 1} tokens in {clock.Elapsed.TotalSeconds:F1} s");
        return 0;
    }
}

internal static class Validate
{
    public static async Task<int> RunAsync(Options options)
    {
        var issuer = options["issuer"].TrimEnd('/') + "/";
        var count = options.Int("count", 20_000);
        using var client = new HttpClient { BaseAddress = new Uri(issuer) };
        var token = await CouponEvent.ServiceDefaults.TokenClient.RequestApplicantTokenAsync(client, "bench-validate");
        var configuration = await new Microsoft.IdentityModel.Protocols.ConfigurationManager<Microsoft.IdentityModel.Protocols.OpenIdConnect.OpenIdConnectConfiguration>(
            $"{issuer}.well-known/openid-configuration", new Microsoft.IdentityModel.Protocols.OpenIdConnect.OpenIdConnectConfigurationRetriever(),
            new Microsoft.IdentityModel.Protocols.HttpDocumentRetriever { RequireHttps = false }).GetConfigurationAsync(CancellationToken.None);
        var parameters = new Microsoft.IdentityModel.Tokens.TokenValidationParameters
        {
            ValidIssuer = configuration.Issuer,
            ValidAudience = CouponEvent.ServiceDefaults.IdentityContract.Audience,
            IssuerSigningKeys = configuration.SigningKeys,
        };
        var handler = new Microsoft.IdentityModel.JsonWebTokens.JsonWebTokenHandler();

        async Task<double> MicrosecondsAsync(Func<Task> once)
        {
            for (var i = 0; i < 2_000; i++) await once();
            var clock = Stopwatch.StartNew();
            for (var i = 0; i < count; i++) await once();
            return clock.Elapsed.TotalMicroseconds / count;
        }

        var validate = await MicrosecondsAsync(async () =>
        {
            if (!(await handler.ValidateTokenAsync(token, parameters)).IsValid) throw new InvalidOperationException("The token did not validate.");
        });
        var parse = await MicrosecondsAsync(() =>
        {
            _ = new Microsoft.IdentityModel.JsonWebTokens.JsonWebToken(token).Subject;
            return Task.CompletedTask;
        });
        // The signature alone, with a provider made once: what of the validation is the key's arithmetic.
        var jwt = new Microsoft.IdentityModel.JsonWebTokens.JsonWebToken(token);
        var key = configuration.SigningKeys.Single(k => k.KeyId == jwt.Kid);
        var verifier = Microsoft.IdentityModel.Tokens.CryptoProviderFactory.Default.CreateForVerifying(key, jwt.Alg);
        var signed = Encoding.ASCII.GetBytes(token[..token.LastIndexOf('.')]);
        var signature = Microsoft.IdentityModel.Tokens.Base64UrlEncoder.DecodeBytes(jwt.EncodedSignature);
        var verify = await MicrosecondsAsync(() =>
        {
            if (!verifier.Verify(signed, signature)) throw new InvalidOperationException("The signature did not verify.");
            return Task.CompletedTask;
        });
        Console.WriteLine($"VALIDATE alg={jwt.Alg} token_bytes={token.Length} validate_us={validate:F1} signature_us={verify:F1} claimed_subject_us={parse:F1}");
        return 0;
    }
}

internal static class Race
{
    public static async Task<int> RunAsync(Options options)
    {
        var api = new Api(options["api"], options["token"]);
        int users = options.Int("users"), quantity = options.Int("quantity"), connections = options.Int("connections", 64);
        var eventId = await api.CreateEventAsync("race", quantity);
        var tokens = options.Optional("tokens") is { } file ? Tokens.Read(file, users) : await Tokens.MintAsync(options["issuer"], users);

        var statuses = new int[600];
        var next = 0;
        var clock = Stopwatch.StartNew();
        // The coupon rows are watched while the race runs: the last row usually lands long before the last loser is
        // answered, and each moment is a figure of its own.
        var rows = api.WaitForRowsAsync(eventId, quantity, clock, TimeSpan.FromMinutes(5));
        var winners = System.Threading.Channels.Channel.CreateUnbounded<int>();
        var followers = Follow(api.Client, eventId, tokens, winners.Reader, options.Int("followers", 0), clock);
        await Task.WhenAll(Enumerable.Range(0, connections).Select(async _ =>
        {
            int user;
            while ((user = Interlocked.Increment(ref next)) <= users)
            {
                using var response = await Application.PostAsync(api.Client, $"/api/events/{eventId}/applications", user, tokens[user]);
                Interlocked.Increment(ref statuses[(int)response.StatusCode]);
                if (response.StatusCode == HttpStatusCode.Accepted) winners.Writer.TryWrite(user);
            }
        }));
        winners.Writer.Complete();
        var answered = clock.Elapsed;
        var (_, last) = await rows;
        var (polls, followed, lastSeen) = await followers;

        var counts = string.Join(" ", statuses.Select((n, status) => (n, status)).Where(x => x.n > 0).Select(x => $"{x.status}:{x.n}"));
        var issued = await api.IssuedAsync(eventId);
        var following = followed > 0 ? $" followed={followed} status_polls={polls} last_seen_issued_s={lastSeen.TotalSeconds:F2}" : "";
        Console.WriteLine($"RACE users={users} quantity={quantity} connections={connections} answered_s={answered.TotalSeconds:F2} " +
                          $"requests_per_s={users / answered.TotalSeconds:F0} last_row_s={last.TotalSeconds:F2} issued={issued} statuses={counts}{following}");
        return statuses[202] == quantity && issued == quantity && (followed == 0 || followed == quantity) ? 0 : 1;
    }

    /// <summary>
    /// Each winner's status followed as the README tells a client to: read once, then sent again with its ETag as
    /// If-None-Match and Prefer: wait, until it reads issued. Returns the requests made and when the last follower saw it.
    /// </summary>
    private static async Task<(int Polls, int Followed, TimeSpan LastSeen)> Follow(
        HttpClient client, string eventId, string?[] tokens, System.Threading.Channels.ChannelReader<int> winners, int followers, Stopwatch clock)
    {
        int polls = 0, followed = 0;
        await Task.WhenAll(Enumerable.Range(0, followers).Select(async _ =>
        {
            await foreach (var user in winners.ReadAllAsync())
            {
                string? etag = null;
                while (true)
                {
                    Interlocked.Increment(ref polls);
                    using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/events/{eventId}/applications/me");
                    request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", tokens[user]);
                    if (etag is not null)
                    {
                        request.Headers.TryAddWithoutValidation("If-None-Match", etag);
                        request.Headers.TryAddWithoutValidation("Prefer", "wait=30");
                    }
                    using var response = await client.SendAsync(request);
                    if (response.StatusCode == HttpStatusCode.NotModified) continue;
                    if (response.StatusCode != HttpStatusCode.OK) throw new InvalidOperationException($"A status poll answered {(int)response.StatusCode}.");
                    var status = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString();
                    if (status == "issued") break;
                    etag = response.Headers.ETag?.Tag ?? throw new InvalidOperationException("A status came without an ETag.");
                }
                Interlocked.Increment(ref followed);
            }
        }));
        // The followers end with the last winner they saw issued.
        return (polls, followed, clock.Elapsed);
    }
}

internal static class Events
{
    public static async Task<int> RunAsync(Options options)
    {
        var api = new Api(options["api"], options["token"]);
        var prefix = options["prefix"];
        var closesAt = DateTimeOffset.UtcNow.AddSeconds(options.Int("closes-in", 5));
        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(1, options.Int("count")), new ParallelOptions { MaxDegreeOfParallelism = 16 },
            async (i, _) => await api.CreateEventAsync(prefix, 10, $"{prefix}-{i}", closesAt));
        Console.WriteLine($"EVENTS created={options.Int("count")} seconds={clock.Elapsed.TotalSeconds:F1}");
        return 0;
    }
}

internal static class Burst
{
    public static async Task<int> RunAsync(Options options)
    {
        using var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 4096 });
        int users = options.Int("users"), connections = options.Int("connections", 64);
        var url = options["url"];
        var tokens = await Tokens.MintAsync(options.Optional("issuer"), users);
        var statuses = new int[600];
        var latencies = new List<double>[connections];
        var unrelated = new List<(double At, double Ms)>();
        var next = 0;
        using var done = new CancellationTokenSource();
        var clock = Stopwatch.StartNew();

        // The unrelated page, read by 8 more connections for exactly as long as the burst lasts.
        var reader = options.Optional("unrelated") is { } page
            ? Task.WhenAll(Enumerable.Range(0, 8).Select(async _ =>
            {
                var mine = new List<(double, double)>();
                while (!done.IsCancellationRequested)
                {
                    var started = Stopwatch.GetTimestamp();
                    using var response = await client.GetAsync(page);
                    mine.Add((clock.Elapsed.TotalSeconds, Stopwatch.GetElapsedTime(started).TotalMilliseconds));
                }
                lock (unrelated) unrelated.AddRange(mine);
            }))
            : Task.CompletedTask;

        await Task.WhenAll(Enumerable.Range(0, connections).Select(async worker =>
        {
            var mine = latencies[worker] = [];
            int user;
            while ((user = Interlocked.Increment(ref next)) <= users)
            {
                var started = Stopwatch.GetTimestamp();
                using var response = await Application.PostAsync(client, url, user, tokens[user]);
                mine.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                Interlocked.Increment(ref statuses[(int)response.StatusCode]);
            }
        }));
        var seconds = clock.Elapsed.TotalSeconds;
        done.Cancel();
        await reader;

        if (options.Optional("timeline") is { } timeline)
        {
            File.AppendAllLines(timeline, unrelated.OrderBy(u => u.At).Select(u =>
                string.Create(CultureInfo.InvariantCulture, $"{options["label"]},{u.At:F3},{u.Ms:F2}")));
        }
        var counts = string.Join(" ", statuses.Select((n, status) => (n, status)).Where(x => x.n > 0).Select(x => $"{x.status}:{x.n}"));
        Console.WriteLine($"BURST users={users} seconds={seconds:F2} requests_per_s={users / seconds:F0} " +
                          $"p99_ms={P99(latencies.SelectMany(l => l))} unrelated_p99_ms={P99(unrelated.Select(u => u.Ms))} " +
                          $"unrelated_requests={unrelated.Count} statuses={counts}");
        return 0;
    }

    private static string P99(IEnumerable<double> values) =>
        Percentile99(values) is { } p99 ? p99.ToString("F1", CultureInfo.InvariantCulture) : "-";

    public static double? Percentile99(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? null : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(sorted.Length * 0.99) - 1)];
    }
}

internal static class Issuance
{
    public static async Task<int> RunAsync(Options options)
    {
        var api = new Api(options["api"], options["token"]);
        int quantity = options.Int("quantity"), backlog = options.Int("backlog", 100_000);
        var eventId = await api.CreateEventAsync("drain", quantity);

        using var producer = new ProducerBuilder<string, byte[]>(new ProducerConfig
        {
            BootstrapServers = options["kafka"], EnableIdempotence = true, LingerMs = 5, BatchNumMessages = 10_000,
            QueueBufferingMaxMessages = 1_000_000,
        }).Build();
        var clock = Stopwatch.StartNew();
        var rows = api.WaitForRowsAsync(eventId, quantity, clock, TimeSpan.FromMinutes(10));
        var admittedAt = DateTimeOffset.UtcNow;
        for (var user = 1; user <= quantity; user++)
        {
            if (user % 10_000 == 1 && user > backlog)
            {
                // Local mode's mock broker keeps only 5 MiB per partition: a backlog beyond that would be dropped
                // before it is read. Keep at most `backlog` queued; the consumer is never idle all the same.
                producer.Flush();
                while (user - 1 - api.Issued > backlog) await Task.Delay(20);
            }
            var application = CouponApplication.Create(Guid.CreateVersion7(), eventId, $"bench-{user}", admittedAt);
            while (true)
            {
                try
                {
                    producer.Produce(Topics.CouponCreate, new Message<string, byte[]> { Key = application.Key, Value = application.ToUtf8Json() });
                    break;
                }
                catch (ProduceException<string, byte[]> ex) when (ex.Error.Code == ErrorCode.Local_QueueFull)
                {
                    producer.Poll(TimeSpan.FromMilliseconds(50));
                }
            }
        }
        producer.Flush();
        var produced = clock.Elapsed;
        var (first, last) = await rows;
        // Under 0.1 s between the first and the last row is one or two batches: no rate to speak of.
        var seconds = (last - first).TotalSeconds;
        Console.WriteLine($"ISSUANCE quantity={quantity} produced_s={produced.TotalSeconds:F2} last_row_s={last.TotalSeconds:F2} " +
                          $"rows_per_s={(seconds >= 0.1 ? (quantity / seconds).ToString("F0", CultureInfo.InvariantCulture) : "-")} " +
                          $"end_to_end_rows_per_s={quantity / last.TotalSeconds:F0}");
        return await api.IssuedAsync(eventId) == quantity ? 0 : 1;
    }
}

internal static class Plots
{
    /// <summary>timeline CSV: label,seconds,latency_ms per unrelated request; plots the p99 of each 100 ms.</summary>
    public static int Timeline(Options options)
    {
        var plot = new ScottPlot.Plot();
        foreach (var design in File.ReadLines(options["csv"]).Select(line => line.Split(',')).GroupBy(f => f[0]))
        {
            var buckets = design
                .Select(f => (At: double.Parse(f[1], CultureInfo.InvariantCulture), Ms: double.Parse(f[2], CultureInfo.InvariantCulture)))
                .GroupBy(r => Math.Floor(r.At * 10) / 10).OrderBy(g => g.Key).ToList();
            var line = plot.Add.Scatter(buckets.Select(b => b.Key).ToArray(), buckets.Select(b => Burst.Percentile99(b.Select(r => r.Ms))!.Value).ToArray());
            line.LegendText = design.Key;
        }
        plot.Title("The unrelated page during the burst (p99 per 100 ms)");
        plot.XLabel("seconds since the burst began");
        plot.YLabel("p99 ms");
        plot.ShowLegend(ScottPlot.Alignment.UpperRight);
        plot.SavePng(options["out"], 900, 450);
        Console.WriteLine($"PLOT {options["out"]}");
        return 0;
    }

    /// <summary>results.csv: kind,scenario,x,requests_per_s,p99_ms — one PNG per kind.</summary>
    public static int Run(Options options)
    {
        var rows = File.ReadLines(options["csv"]).Skip(1).Select(line => line.Split(','))
            .Select(f => (Kind: f[0], Scenario: f[1], X: double.Parse(f[2], CultureInfo.InvariantCulture),
                Rate: double.Parse(f[3], CultureInfo.InvariantCulture), P99: double.Parse(f[4], CultureInfo.InvariantCulture)))
            .ToList();
        Directory.CreateDirectory(options["out"]);

        foreach (var kind in rows.GroupBy(r => r.Kind))
        {
            var plot = new ScottPlot.Plot();
            var connections = kind.Key == "connections";
            foreach (var scenario in kind.GroupBy(r => r.Scenario))
            {
                var points = scenario.OrderBy(r => r.X).ToList();
                var xs = points.Select(p => Math.Log10(p.X)).ToArray();
                var line = plot.Add.Scatter(xs, points.Select(p => p.Rate).ToArray());
                line.LegendText = connections ? $"{scenario.Key} (req/s)" : $"rows/s, {scenario.Key}";
                if (!connections) continue;
                var p99 = plot.Add.Scatter(xs, points.Select(p => p.P99).ToArray());
                p99.LegendText = $"{scenario.Key} p99 (ms)";
                p99.LinePattern = ScottPlot.LinePattern.Dashed;
                p99.Axes.YAxis = plot.Axes.Right;
            }
            // A log scale, labelled at the measured points only.
            var measured = kind.Select(r => r.X).Distinct().Order().ToArray();
            plot.Axes.Bottom.SetTicks(measured.Select(Math.Log10).ToArray(),
                measured.Select(x => x.ToString("N0", CultureInfo.InvariantCulture)).ToArray());
            plot.Title(connections ? "ApplyApi: throughput and p99 by concurrent connections (wrk)" : "Consumer: rows/s by quantity drained");
            plot.XLabel(connections ? "connections" : "applications queued");
            plot.YLabel(connections ? "requests/s" : "rows/s");
            if (connections) plot.Axes.Right.Label.Text = "p99 ms";
            plot.ShowLegend(ScottPlot.Alignment.UpperLeft);
            var file = Path.Combine(options["out"], $"{kind.Key}.png");
            plot.SavePng(file, 900, 500);
            Console.WriteLine($"PLOT {file}");
        }
        return 0;
    }
}
