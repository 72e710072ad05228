using System.Text.Json;
using System.Text.RegularExpressions;
using Gatehouse.Server.Tests.Support;

namespace Gatehouse.Server.Tests.Cli;

/// <summary><c>gatehouse track</c> against live servers of one organization, and its usage errors.</summary>
public sealed class TrackCommandTests(ITestOutputHelper output)
{
    private async Task<ProcessResult> Run(params string[] args)
    {
        var r = await GatehouseCli.RunWithEnvironmentAsync(new Dictionary<string, string?> { ["GATEHOUSE_ADMIN_TOKEN"] = null }, args);
        output.WriteLine($"$ gatehouse {string.Join(' ', args)}\n{r}");
        return r;
    }

    [Fact]
    public async Task Track_prints_one_timeline_per_message_and_names_the_servers_that_did_not_answer()
    {
        await using var org = await TrackingOrganization.StartAsync(output);
        var id = await org.Message(DateTimeOffset.UtcNow.AddMinutes(-3));

        var r = await Run("track", "--message-id", $"<{id}>", "--config", org.ConfigFile, "--server", "gate2");
        Assert.Equal(0, r.ExitCode);
        var lines = r.StandardOutput.Split('\n');
        Assert.Equal($"Message-ID <{id}>  from <{TrackingOrganization.Sender}>", lines[0]);
        const string Time = @"^  \d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}Z  ";
        Assert.Matches(Time + @"gate1  RECEIVE       from 192\.0\.2\.7 \(helo client\.example\), 480 bytes$", lines[1]);
        Assert.Matches(Time + @"gate1  RESOLVE       user@ours\.example -> someone@partner\.example \(contact target\)$", lines[2]);
        Assert.Matches(Time + @"gate1  ROUTE         user@ours\.example connector gate2 cost 1 next hop server:gate2$", lines[3]);
        Assert.Matches(Time + @"gate1  TRANSFER      user@ours\.example to gate2\.ours\.example: 250 2\.0\.0 queued as G2", lines[4]);
        Assert.Matches(Time + @"gate2  RECEIVE       from 127\.0\.0\.1 \(helo gate1\.ours\.example\), 512 bytes$", lines[5]);
        Assert.Matches(Time + @"gate2  TRANSFER      someone@partner\.example to mx\.partner\.example: 250 2\.0\.0 ok$", lines[6]);
        Assert.Equal("", lines[7]);
        Assert.Equal("1 message (servers searched: gate2, gate1)", lines[8]);
        Assert.Matches(@"^unreachable: gate3 \(it has no admin endpoint", lines[9]);

        var json = await Run("track", "--sender", TrackingOrganization.Sender.ToUpperInvariant(), "--since", "10m", "--json", "--config", org.ConfigFile, "--server", "gate1");
        Assert.Equal(0, json.ExitCode);
        using (var doc = JsonDocument.Parse(json.StandardOutput))
        {
            var m = Assert.Single(doc.RootElement.GetProperty("messages").EnumerateArray());
            Assert.Equal(id, m.GetProperty("messageId").GetString());
            Assert.Equal(6, m.GetProperty("events").GetArrayLength());
        }

        var local = await Run("track", "--message-id", id, "--local", "--config", org.ConfigFile, "--server", "gate1");
        Assert.Equal(0, local.ExitCode);
        Assert.Equal(4, Regex.Matches(local.StandardOutput, "^  .* gate1  ", RegexOptions.Multiline).Count);
        Assert.DoesNotContain("gate2", local.StandardOutput.Replace("gate2.ours.example", "", StringComparison.Ordinal).Replace("server:gate2", "", StringComparison.Ordinal).Replace("connector gate2", "", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.DoesNotContain("unreachable", local.StandardOutput, StringComparison.Ordinal);

        var none = await Run("track", "--recipient", "nobody@ours.example", "--config", org.ConfigFile, "--server", "gate1");
        Assert.Equal(0, none.ExitCode);
        Assert.StartsWith("no messages found\n", none.StandardOutput, StringComparison.Ordinal);

        await org.StopAsync("gate2");
        var down = await Run("track", "--message-id", id, "--config", org.ConfigFile, "--server", "gate1");
        Assert.Equal(0, down.ExitCode);
        Assert.Equal(4, Regex.Matches(down.StandardOutput, "^  ", RegexOptions.Multiline).Count);
        Assert.Matches(@"\nunreachable: gate2 \(connection refused \(127\.[\d.]+:\d+\)\)\n", down.StandardOutput);
    }

    [Fact]
    public async Task A_server_that_cannot_be_reached_is_exit_1_and_a_bad_command_line_exit_2()
    {
        var nobody = Loopback.FreeEndpoint();
        var unreachable = await Run("track", "--message-id", "x@y", "--admin", $"http://{nobody.Address}:{nobody.Port}/");
        Assert.Equal(1, unreachable.ExitCode);
        Assert.Contains("cannot reach the admin API", unreachable.StandardError, StringComparison.Ordinal);

        await using var server = await TestServer.StartAsync(output, QueueSetup.Paused());
        var url = server.AdminUrl.ToString();
        var refused = await Run("track", "--message-id", "x@y", "--admin", url);
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("--token", refused.StandardError, StringComparison.Ordinal);

        foreach (var args in new[]
        {
            new[] { "track", "--admin", url, "--token", QueueSetup.Token },
            ["track", "--since", "yesterday", "--admin", url, "--token", QueueSetup.Token],
            ["track", "--sender", "a@b", "--limit", "0", "--admin", url, "--token", QueueSetup.Token],
        })
        {
            var r = await Run(args);
            Assert.Equal(2, r.ExitCode);
            Assert.StartsWith("gatehouse: track: ", r.StandardError, StringComparison.Ordinal);
        }
    }
}
