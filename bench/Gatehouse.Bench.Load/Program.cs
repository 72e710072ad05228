// gatehouse-load: pushes N messages over C concurrent SMTP connections into a running server and
// reports messages/s accepted, latency per message, and (with --metrics) spool syncs per message.
// Each connection sends EHLO once, then MAIL+RCPT+DATA pipelined per message (RFC 2920), the
// content, and waits for the 250 before the next message, like an MTA delivering a queue.
using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;

var opts = Options.Parse(args);
if (opts is null)
{
    Console.Error.WriteLine("usage: gatehouse-load --server HOST:PORT [--messages N] [--concurrency C] [--size BYTES] [--to ADDR] [--metrics URL]");
    return 2;
}

var body = MakeBody(opts.Size);
var before = await Metrics.ReadAsync(opts.MetricsUrl);
var latencies = new double[opts.Messages];
var next = -1;
var failures = 0;
var sw = Stopwatch.StartNew();
await Task.WhenAll(Enumerable.Range(0, opts.Concurrency).Select(async _ =>
{
    using var client = new TcpClient { NoDelay = true };
    await client.ConnectAsync(opts.Host, opts.Port);
    var stream = client.GetStream();
    var reader = new StreamReader(stream, Encoding.ASCII);
    await Expect(reader, "220");
    await stream.WriteAsync("EHLO load.example\r\n"u8.ToArray());
    await Expect(reader, "250");
    var command = Encoding.ASCII.GetBytes($"MAIL FROM:<load@example.org> SIZE={body.Length}\r\nRCPT TO:<{opts.To}>\r\nDATA\r\n");
    int i;
    while ((i = Interlocked.Increment(ref next)) < opts.Messages)
    {
        var t0 = Stopwatch.GetTimestamp();
        await stream.WriteAsync(command);
        await Expect(reader, "250");
        await Expect(reader, "250");
        await Expect(reader, "354");
        await stream.WriteAsync(body);
        var ok = await Expect(reader, "250", throwOnMismatch: false);
        if (!ok) Interlocked.Increment(ref failures);
        latencies[i] = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
    }
    await stream.WriteAsync("QUIT\r\n"u8.ToArray());
    await Expect(reader, "221", throwOnMismatch: false);
}));
sw.Stop();
var after = await Metrics.ReadAsync(opts.MetricsUrl);

Array.Sort(latencies);
var rate = opts.Messages / sw.Elapsed.TotalSeconds;
var syncs = after.Syncs - before.Syncs;
var inv = CultureInfo.InvariantCulture;
var summary = string.Create(inv,
    $"messages={opts.Messages} concurrency={opts.Concurrency} size={opts.Size} seconds={sw.Elapsed.TotalSeconds:0.00} accepted_per_s={rate:0} p50_ms={Percentile(latencies, 0.50):0.00} p99_ms={Percentile(latencies, 0.99):0.00} failures={failures}");
if (opts.MetricsUrl is not null) summary += string.Create(inv, $" syncs={syncs} syncs_per_message={(double)syncs / opts.Messages:0.000}");
Console.WriteLine(summary);
return failures == 0 ? 0 : 1;

static double Percentile(double[] sorted, double p) => sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)(p * sorted.Length))];

static byte[] MakeBody(int size)
{
    var sb = new StringBuilder();
    sb.Append("From: load@example.org\r\nTo: postmaster@localhost\r\nSubject: load test\r\nMessage-ID: <load@example.org>\r\n\r\n");
    var line = new string('x', 76) + "\r\n";
    while (sb.Length + line.Length <= size) sb.Append(line);
    sb.Append(new string('y', Math.Max(0, size - sb.Length - 2))).Append("\r\n.\r\n");
    return Encoding.ASCII.GetBytes(sb.ToString());
}

static async Task<bool> Expect(StreamReader reader, string code, bool throwOnMismatch = true)
{
    while (true)
    {
        var line = await reader.ReadLineAsync() ?? throw new IOException("connection closed");
        if (line.Length >= 4 && line[3] == '-') continue;
        if (line.StartsWith(code, StringComparison.Ordinal)) return true;
        if (throwOnMismatch) throw new IOException($"expected {code}, got: {line}");
        return false;
    }
}

internal sealed record Options(string Host, int Port, int Messages, int Concurrency, int Size, string To, string? MetricsUrl)
{
    public static Options? Parse(string[] args)
    {
        string? server = null, to = "postmaster@localhost", metrics = null;
        int messages = 1000, concurrency = 10, size = 1024;
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            var v = args[i + 1];
            switch (args[i])
            {
                case "--server": server = v; break;
                case "--messages": messages = int.Parse(v, CultureInfo.InvariantCulture); break;
                case "--concurrency": concurrency = int.Parse(v, CultureInfo.InvariantCulture); break;
                case "--size": size = int.Parse(v, CultureInfo.InvariantCulture); break;
                case "--to": to = v; break;
                case "--metrics": metrics = v; break;
                default: return null;
            }
        }
        if (server is null || args.Length % 2 != 0) return null;
        var colon = server.LastIndexOf(':');
        return new Options(server[..colon], int.Parse(server[(colon + 1)..], CultureInfo.InvariantCulture), messages, concurrency, size, to, metrics);
    }
}

internal sealed record Metrics(long Syncs)
{
    public static async Task<Metrics> ReadAsync(string? url)
    {
        if (url is null) return new Metrics(0);
        using var http = new HttpClient();
        var text = await http.GetStringAsync(new Uri(url));
        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith("gatehouse_spool_syncs_total ", StringComparison.Ordinal)) return new Metrics(long.Parse(line.Split(' ')[1], CultureInfo.InvariantCulture));
        }
        return new Metrics(0);
    }
}
