using System.Text.Json;
using Gatehouse.Server.Tests.Support;

namespace Gatehouse.Server.Tests.Cli;

/// <summary><c>gatehouse queue</c> as an administrator runs it against a live server, and its usage errors.</summary>
public sealed class QueueCommandTests(ITestOutputHelper output)
{
    private async Task<ProcessResult> Run(params string[] args)
    {
        // The token comes from the file or --token in these tests, never from the environment of whoever runs them.
        var r = await GatehouseCli.RunWithEnvironmentAsync(new Dictionary<string, string?> { ["GATEHOUSE_ADMIN_TOKEN"] = null }, args);
        output.WriteLine($"$ gatehouse {string.Join(' ', args)}\n{r}");
        return r;
    }

    [Fact]
    public async Task List_show_and_summary_print_the_deferred_message()
    {
        await using var server = await TestServer.StartAsync(output, QueueSetup.Deferring());
        var id = await QueueSetup.SendAsync(server);
        await QueueSetup.AttemptedAsync(server, id);
        var file = server.WriteConfigFile();

        var list = await Run("queue", "list", "--config", file);
        Assert.Equal(0, list.ExitCode);
        var lines = list.StandardOutput.Split('\n');
        Assert.StartsWith("-Queue ID-", lines[0], StringComparison.Ordinal);
        Assert.Matches($@"^{id} +\d+ \w{{3}} \w{{3}} [ \d]\d \d\d:\d\d:\d\d  {QueueSetup.Sender}$", lines[1]);
        Assert.Matches($@"^    {QueueSetup.Recipient}  \[host:127\.[\d.]+:\d+ via out\]  \(.+\)$", lines[2]);
        Assert.Equal("1 message, 1 recipient waiting", list.StandardOutput.TrimEnd().Split('\n')[^1]);

        var json = await Run("queue", "list", "--config", file, "--json");
        Assert.Equal(0, json.ExitCode);
        using (var doc = JsonDocument.Parse(json.StandardOutput))
        {
            Assert.Equal(id, doc.RootElement.GetProperty("messages")[0].GetProperty("id").GetString());
        }

        var show = await Run("queue", "show", id, "--config", file);
        Assert.Equal(0, show.ExitCode);
        Assert.Contains($"id:           {id}\n", show.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("state:        deferred\n", show.StandardOutput, StringComparison.Ordinal);
        Assert.Matches($@"\n  pending   {QueueSetup.Recipient}  \[host:", show.StandardOutput);

        var summary = await Run("queue", "summary", "--config", file);
        Assert.Equal(0, summary.ExitCode);
        var table = summary.StandardOutput.TrimEnd().Split('\n').Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToArray();
        Assert.Equal(["T", "5", "10", "20", "40", "80", "160", "320", "640", "1280", "1280+"], table[0]);
        Assert.Equal(["TOTAL", "1", "1", "0", "0", "0", "0", "0", "0", "0", "0", "0"], table[1]);
        Assert.Equal("1", table[2][^11]);
        Assert.Equal(3, table.Length);

        var summaryJson = await Run("queue", "summary", "--config", file, "--json");
        using (var doc = JsonDocument.Parse(summaryJson.StandardOutput))
        {
            Assert.Equal(1, doc.RootElement.GetProperty("rows")[0].GetProperty("total").GetInt32());
        }
    }

    [Fact]
    public async Task Hold_release_retry_and_delete_act_on_the_server()
    {
        await using var server = await TestServer.StartAsync(output, QueueSetup.Deferring());
        var id = await QueueSetup.SendAsync(server);
        await QueueSetup.AttemptedAsync(server, id);
        var file = server.WriteConfigFile();

        var hold = await Run("queue", "hold", id, "--config", file);
        Assert.Equal((0, $"{id}: held\n"), (hold.ExitCode, hold.StandardOutput));
        Assert.True(server.Server.Queue.Show(id)!.Held);
        var list = await Run("queue", "list", "--config", file);
        Assert.Contains($"\n{id}! ", list.StandardOutput, StringComparison.Ordinal);

        var release = await Run("queue", "release", id, "--config", file);
        Assert.Equal(0, release.ExitCode);
        Assert.False(server.Server.Queue.Show(id)!.Held);
        await QueueSetup.AttemptedAsync(server, id, attempts: 2);

        var retry = await Run("queue", "retry", id, "--config", file);
        Assert.Equal((0, $"{id}: attempting it now\n"), (retry.ExitCode, retry.StandardOutput));
        await QueueSetup.AttemptedAsync(server, id, attempts: 3);
        var all = await Run("queue", "retry", "--all", "--config", file);
        Assert.Equal((0, "1 message attempted now\n"), (all.ExitCode, all.StandardOutput));
        await QueueSetup.AttemptedAsync(server, id, attempts: 4);
        var elsewhere = await Run("queue", "retry", "--destination", "nowhere.example", "--config", file);
        Assert.Equal((0, "0 messages attempted now\n"), (elsewhere.ExitCode, elsewhere.StandardOutput));

        var delete = await Run("queue", "delete", id, "--bounce", "--config", file);
        Assert.Equal(0, delete.ExitCode);
        Assert.Contains("deleted", delete.StandardOutput, StringComparison.Ordinal);
        var after = await Run("queue", "list", "--config", file);
        Assert.DoesNotContain(id, after.StandardOutput, StringComparison.Ordinal);
        Assert.Matches(@"\n[0-9A-Z]{14}\*? +\d+ .{20} <>\n    " + QueueSetup.Sender.Replace(".", @"\.", StringComparison.Ordinal), after.StandardOutput);

        var gone = await Run("queue", "show", id, "--config", file);
        Assert.Equal(1, gone.ExitCode);
        Assert.Equal($"gatehouse: no message {id} in the queue\n", gone.StandardError);
        foreach (var verb in new[] { "hold", "release", "retry", "delete" })
        {
            var r = await Run("queue", verb, id, "--config", file);
            Assert.Equal((1, $"gatehouse: no message {id} in the queue\n"), (r.ExitCode, r.StandardError));
        }
    }

    [Fact]
    public async Task Admin_url_with_a_token_from_the_option_or_the_environment()
    {
        await using var server = await TestServer.StartAsync(output, QueueSetup.Paused());
        var url = server.AdminUrl.ToString();

        var withOption = await Run("queue", "list", "--admin", url, "--token", QueueSetup.Token);
        Assert.Equal((0, "0 messages, 0 recipients waiting\n"), (withOption.ExitCode, withOption.StandardOutput));

        var withEnvironment = await GatehouseCli.RunWithEnvironmentAsync(new Dictionary<string, string?> { ["GATEHOUSE_ADMIN_TOKEN"] = QueueSetup.Token }, "queue", "list", "--admin", url);
        output.WriteLine(withEnvironment.ToString());
        Assert.Equal(0, withEnvironment.ExitCode);

        var without = await Run("queue", "list", "--admin", url);
        Assert.Equal(1, without.ExitCode);
        Assert.Contains($"the admin API at {url} refused the request", without.StandardError, StringComparison.Ordinal);
        Assert.Contains("--token", without.StandardError, StringComparison.Ordinal);

        var wrong = await Run("queue", "list", "--admin", url, "--token", "not-the-token-0000");
        Assert.Equal(1, wrong.ExitCode);
        Assert.Contains("not the one in servers.admin.token", wrong.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unreachable_server_is_a_runtime_failure_that_names_the_url()
    {
        var closed = Loopback.FreeEndpoint();
        var r = await Run("queue", "list", "--admin", $"http://{closed}");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains($"cannot reach the admin API at http://{closed}/", r.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Usage_and_configuration_errors_exit_2()
    {
        using var dir = new TempDirectory();
        var file = dir.Combine("gatehouse.yaml");
        await File.WriteAllTextAsync(file, TestConfig.Yaml(dir.Combine("data"), [("inbound", Loopback.FreeEndpoint())], new TestServerOptions()));

        var noAdmin = await Run("queue", "list", "--config", file);
        Assert.Equal(2, noAdmin.ExitCode);
        Assert.Contains("server test has no admin endpoint", noAdmin.StandardError, StringComparison.Ordinal);
        Assert.Contains("servers.admin.port", noAdmin.StandardError, StringComparison.Ordinal);

        var builtIn = await Run("queue", "summary");
        Assert.Equal(2, builtIn.ExitCode);
        Assert.Contains("built-in configuration has no admin endpoint", builtIn.StandardError, StringComparison.Ordinal);

        var neither = await Run("queue", "retry", "--admin", "http://127.0.0.1:1");
        Assert.Equal(2, neither.ExitCode);
        Assert.Contains("exactly one of ID, --destination D or --all", neither.StandardError, StringComparison.Ordinal);
        var both = await Run("queue", "retry", "0000000000000A", "--all", "--admin", "http://127.0.0.1:1");
        Assert.Equal(2, both.ExitCode);

        var noId = await Run("queue", "show", "--admin", "http://127.0.0.1:1");
        Assert.Equal(2, noId.ExitCode);
        var badUrl = await Run("queue", "list", "--admin", "ftp://127.0.0.1:1");
        Assert.Equal(2, badUrl.ExitCode);
        Assert.Contains("is not an http:// or https:// URL", badUrl.StandardError, StringComparison.Ordinal);
        var mixed = await Run("queue", "list", "--admin", "http://127.0.0.1:1", "--config", file);
        Assert.Equal(2, mixed.ExitCode);
        Assert.Contains("not both", mixed.StandardError, StringComparison.Ordinal);
        var unknownServer = await Run("queue", "list", "--config", file, "--server", "nosuch");
        Assert.Equal(2, unknownServer.ExitCode);
        Assert.Contains("no server named 'nosuch'", unknownServer.StandardError, StringComparison.Ordinal);
    }
}
