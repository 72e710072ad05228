using Gatehouse.Server.Tests.Support;

namespace Gatehouse.Server.Tests.Cli;

/// <summary>Exit codes and messages of the <c>gatehouse</c> command for configurations it cannot use.</summary>
public sealed class CliCommandTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Config_check_on_a_bad_file_exits_2_with_file_line_and_key()
    {
        using var dir = new TempDirectory();
        var file = dir.Combine("bad.yaml");
        await File.WriteAllTextAsync(file, "accepted_domains: [localhost]\nsmtp:\n  max_recipients: lots\n  colour: blue\n");
        var r = await GatehouseCli.RunAsync("config", "check", file);
        output.WriteLine(r.ToString());
        Assert.Equal(2, r.ExitCode);
        Assert.Contains($"{file}:3: smtp.max_recipients: ", r.StandardError, StringComparison.Ordinal);
        Assert.Contains($"{file}:4: smtp.colour: unknown key", r.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Config_check_on_a_good_file_exits_0()
    {
        using var dir = new TempDirectory();
        var file = dir.Combine("good.yaml");
        await File.WriteAllTextAsync(file, TestConfig.Yaml(dir.Combine("data"), [("inbound", Loopback.FreeEndpoint())], new TestServerOptions { Smtp = ["max_recipients: 10"] }));
        var r = await GatehouseCli.RunAsync("config", "check", file);
        output.WriteLine(r.ToString());
        Assert.Equal(0, r.ExitCode);
        Assert.Contains($"{file}: OK", r.StandardOutput, StringComparison.Ordinal);
        Assert.Equal("", r.StandardError);
    }

    [Fact]
    public async Task Config_check_on_a_missing_file_exits_2()
    {
        using var dir = new TempDirectory();
        var r = await GatehouseCli.RunAsync("config", "check", dir.Combine("nosuch.yaml"));
        output.WriteLine(r.ToString());
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("nosuch.yaml:0: ", r.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_with_an_unknown_server_name_exits_2()
    {
        using var dir = new TempDirectory();
        var file = dir.Combine("gatehouse.yaml");
        await File.WriteAllTextAsync(file, TestConfig.Yaml(dir.Combine("data"), [("inbound", Loopback.FreeEndpoint())], new TestServerOptions()));
        var r = await GatehouseCli.RunAsync("serve", "--config", file, "--server", "nosuch");
        output.WriteLine(r.ToString());
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("no server named 'nosuch'", r.StandardError, StringComparison.Ordinal);
        Assert.False(Directory.Exists(dir.Combine("data")), "nothing was started, so no spool was made");
    }
}
