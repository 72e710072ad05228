namespace Gatehouse.Dns.Tests.Resolver;

public class ResolvConfTests
{
    // One line per case: the file (\n between lines), then the servers ("|" between them), timeout seconds and attempts.
    [Theory]
    [InlineData("", "127.0.0.1:53", 5, 2)]
    [InlineData("nameserver 192.0.2.1", "192.0.2.1:53", 5, 2)]
    [InlineData("nameserver\t192.0.2.1\t", "192.0.2.1:53", 5, 2)]
    [InlineData("nameserver 192.0.2.1\r\nnameserver 192.0.2.2\r\n", "192.0.2.1:53|192.0.2.2:53", 5, 2)]
    [InlineData("nameserver 192.0.2.1\nnameserver 2001:db8::53\nnameserver 192.0.2.3", "192.0.2.1:53|[2001:db8::53]:53|192.0.2.3:53", 5, 2)]
    [InlineData("nameserver 1.1.1.1\nnameserver 2.2.2.2\nnameserver 3.3.3.3\nnameserver 4.4.4.4", "1.1.1.1:53|2.2.2.2:53|3.3.3.3:53", 5, 2)] // MAXNS 3
    [InlineData("nameserver fe80::1%2", "[fe80::1%2]:53", 5, 2)]
    [InlineData("nameserver ::1", "[::1]:53", 5, 2)]
    [InlineData("nameserver 192.0.2.1 # the office resolver", "192.0.2.1:53", 5, 2)]
    [InlineData("# nameserver 192.0.2.9\n; nameserver 192.0.2.8\nnameserver 192.0.2.1", "192.0.2.1:53", 5, 2)]
    [InlineData("  nameserver 192.0.2.1", "192.0.2.1:53", 5, 2)]
    [InlineData("nameserver", "127.0.0.1:53", 5, 2)]
    [InlineData("nameserver dns.example.com", "127.0.0.1:53", 5, 2)]
    [InlineData("nameserver 192.0.2.300\nnameserver 192.0.2.1", "192.0.2.1:53", 5, 2)]
    [InlineData("nameserver 192.0.2.1:5353", "127.0.0.1:53", 5, 2)]
    [InlineData("NAMESERVER 192.0.2.1", "127.0.0.1:53", 5, 2)] // keywords are case-sensitive in glibc
    [InlineData("search example.com\ndomain example.com\nnameserver 192.0.2.1", "192.0.2.1:53", 5, 2)]
    [InlineData("options timeout:1 attempts:3", "127.0.0.1:53", 1, 3)]
    [InlineData("options ndots:2 timeout:3 rotate attempts:1 edns0", "127.0.0.1:53", 3, 1)]
    [InlineData("options timeout:1\noptions attempts:4", "127.0.0.1:53", 1, 4)]
    [InlineData("options timeout:1\noptions timeout:7", "127.0.0.1:53", 7, 2)]
    [InlineData("options timeout:99 attempts:99", "127.0.0.1:53", 30, 5)]
    [InlineData("options timeout:99999999999999 attempts:99999999999999", "127.0.0.1:53", 30, 5)]
    [InlineData("options timeout:0 attempts:0", "127.0.0.1:53", 1, 1)]
    [InlineData("options timeout: attempts:x timeout:-1 attempts:+2", "127.0.0.1:53", 5, 2)]
    [InlineData("options TIMEOUT:9", "127.0.0.1:53", 5, 2)]
    [InlineData("options timeout:2 # attempts:4", "127.0.0.1:53", 2, 2)]
    [InlineData("# options timeout:2", "127.0.0.1:53", 5, 2)]
    [InlineData("garbage line\n\n\nnameserver 192.0.2.1 extra words", "192.0.2.1:53", 5, 2)]
    public void Parse(string text, string servers, int timeoutSeconds, int attempts)
    {
        var conf = ResolvConf.Parse(text);
        Assert.Equal(servers, string.Join('|', conf.Servers.Select(s => s.ToString())));
        Assert.Equal(TimeSpan.FromSeconds(timeoutSeconds), conf.Options.Timeout);
        Assert.Equal(attempts, conf.Options.Attempts);
    }

    [Fact]
    public void Load_reads_a_file()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, "nameserver 192.0.2.53\noptions timeout:2\n");
            var conf = ResolvConf.Load(path);
            Assert.Equal("192.0.2.53:53", Assert.Single(conf.Servers).ToString());
            Assert.Equal(TimeSpan.FromSeconds(2), conf.Options.Timeout);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Load_of_a_missing_file_gives_glibc_defaults()
    {
        var conf = ResolvConf.Load(Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N"), "resolv.conf"));
        Assert.Equal("127.0.0.1:53", Assert.Single(conf.Servers).ToString());
        Assert.Equal(new DnsResolverOptions(), conf.Options);
    }

    [Fact]
    public void Resolver_takes_servers_and_options_from_the_file()
    {
        var resolver = DnsStubResolver.FromResolvConf(ResolvConf.Parse("nameserver 192.0.2.1\nnameserver 192.0.2.2"));
        Assert.Equal(["192.0.2.1:53", "192.0.2.2:53"], resolver.Servers.Select(s => s.ToString()));
    }
}
