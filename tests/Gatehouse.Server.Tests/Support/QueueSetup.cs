using System.Net;
using System.Net.Http.Headers;

namespace Gatehouse.Server.Tests.Support;

/// <summary>Servers whose queue keeps what it is given, for the admin API and <c>gatehouse queue</c> tests.</summary>
/// <remarks>
/// Loopback clients may relay, and an internet connector named <c>out</c> carries every outside
/// domain. <see cref="Deferring"/> points its smart host at a closed loopback port and retries hourly,
/// so a message is tried once, deferred and stays; <see cref="Paused"/> switches delivery off, so a
/// message is queued and never tried.
/// </remarks>
public static class QueueSetup
{
    public const string Token = "queue-test-token-4f1c9a7e";

    public const string Sender = "sender@client.example";

    public const string Recipient = "bob@example.org";

    /// <param name="smartHost">Where the connector sends; default a loopback port nobody listens on.</param>
    public static TestServerOptions Deferring(IPEndPoint? smartHost = null, string? token = Token) => new()
    {
        WithAdmin = true,
        AdminToken = token,
        ExtraYaml = Common(smartHost ?? Loopback.FreeEndpoint()) + "delivery:\n  retry_schedule: [1h]\n  mark_down_after: 1000\n",
    };

    public static TestServerOptions Paused(string? token = Token) => new()
    {
        WithAdmin = true,
        AdminToken = token,
        ExtraYaml = Common(Loopback.FreeEndpoint()) + "delivery:\n  enabled: false\n",
    };

    private static string Common(IPEndPoint smartHost) => $"""
        relay:
          allow_clients: [127.0.0.0/8]
        connectors:
          - name: out
            type: internet
            servers: [test]
            smart_host: "{smartHost.Address}:{smartHost.Port}"
            address_spaces:
              - {"{"}type: SMTP, pattern: "*"{"}"}

        """;

    /// <summary>Sends one message from <see cref="Sender"/> to <paramref name="to"/> and returns its queue id.</summary>
    public static async Task<string> SendAsync(TestServer server, string to = Recipient, string subject = "queued")
    {
        await using var c = await server.ConnectAsync();
        await c.Expect("220");
        await c.Ehlo();
        var id = await c.SendMessage(Sender, [to], $"From: <{Sender}>\r\nTo: <{to}>\r\nSubject: {subject}\r\nMessage-ID: <{Guid.NewGuid():N}@client.example>\r\n\r\nHello.\r\n");
        await c.Send("QUIT");
        return id;
    }

    /// <summary>A client of the server's admin API, with the token when one is given.</summary>
    public static HttpClient Admin(TestServer server, string? token = Token)
    {
        var http = new HttpClient { BaseAddress = server.AdminUrl, Timeout = TimeSpan.FromSeconds(30) };
        if (token is not null) http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return http;
    }

    /// <summary>Waits until the message has had <paramref name="attempts"/> attempts and none is under way.</summary>
    public static Task AttemptedAsync(TestServer server, string id, int attempts = 1) =>
        Eventually.True(() => server.Server.Queue.Show(id) is { InFlight: false } m && m.Attempts >= attempts, $"{id} attempted {attempts} time(s)");
}
