using System.CommandLine;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Gatehouse.Server.Hosting;

namespace Gatehouse.Cli.Commands;

/// <summary>An admin API's answer: its status and its body as text.</summary>
internal sealed record AdminResponse(HttpStatusCode Status, string Body)
{
    public bool Ok => (int)Status is >= 200 and < 300;

    /// <summary>The <c>error</c> of a JSON error body, or the status line when the body is something else.</summary>
    public string Error
    {
        get
        {
            try
            {
                if (JsonSerializer.Deserialize(Body, AdminJson.Default.AdminError)?.Error is { } e) return e;
            }
            catch (JsonException)
            {
            }
            return $"{(int)Status} {Status}";
        }
    }
}

/// <summary>The options every command that talks to a running server takes, and the client they make.</summary>
/// <remarks>
/// Either <c>--config FILE [--server NAME]</c>, whose <c>servers[].admin</c> section gives the address,
/// port and token, or <c>--admin URL</c> with <c>--token</c> or GATEHOUSE_ADMIN_TOKEN. A token on the
/// command line shows in the process list; the environment variable or the file do not.
/// </remarks>
internal sealed class AdminOptions
{
    public const string TokenVariable = "GATEHOUSE_ADMIN_TOKEN";

    private readonly Option<string?> _config = new("--config") { Description = "Organization configuration file: the admin endpoint and token come from the server's admin section." };
    private readonly Option<string?> _server = new("--server") { Description = "Which server of the configuration to ask (needed when it lists several)." };
    private readonly Option<string?> _admin = new("--admin") { Description = "The admin API's URL, e.g. http://127.0.0.1:8025, instead of --config." };
    private readonly Option<string?> _token = new("--token") { Description = $"Bearer token for the admin API (default: servers.admin.token with --config, else ${TokenVariable})." };

    public void AddTo(Command command)
    {
        command.Options.Add(_config);
        command.Options.Add(_server);
        command.Options.Add(_admin);
        command.Options.Add(_token);
    }

    /// <summary>The client for the server the options name; null after printing why not (a usage or configuration error, exit 2).</summary>
    public AdminClient? Resolve(ParseResult parse)
    {
        var url = parse.GetValue(_admin);
        var file = parse.GetValue(_config);
        var token = parse.GetValue(_token);
        if (url is not null)
        {
            if (file is not null || parse.GetValue(_server) is not null)
            {
                Console.Error.WriteLine("gatehouse: give either --admin URL or --config FILE [--server NAME], not both");
                return null;
            }
            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            {
                Console.Error.WriteLine($"gatehouse: --admin '{url}' is not an http:// or https:// URL");
                return null;
            }
            return new AdminClient(uri, token ?? Environment.GetEnvironmentVariable(TokenVariable));
        }
        var cfg = ConfigLoading.Load(file);
        if (cfg is null) return null;
        var me = ConfigLoading.PickServer(cfg, parse.GetValue(_server));
        if (me is null) return null;
        if (me.Admin is not { } admin)
        {
            Console.Error.WriteLine(file is null
                ? "gatehouse: the built-in configuration has no admin endpoint; give --config FILE (with servers[].admin.port) or --admin URL"
                : $"gatehouse: {file}: server {me.Name} has no admin endpoint; add `admin: {{port: 8025}}` to it (key servers.admin.port), restart it, or give --admin URL");
            return null;
        }
        // A wildcard bind is reached on loopback, which is also where an admin API answers by default.
        var address = admin.Address.Equals(IPAddress.Any) ? IPAddress.Loopback : admin.Address.Equals(IPAddress.IPv6Any) ? IPAddress.IPv6Loopback : admin.Address;
        var host = address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{address}]" : address.ToString();
        return new AdminClient(new Uri($"http://{host}:{admin.Port}/"), token ?? admin.Token ?? Environment.GetEnvironmentVariable(TokenVariable));
    }
}

/// <summary>Sends one request to a server's admin API and reports failures the way every queue command does.</summary>
internal sealed class AdminClient(Uri baseUrl, string? token) : IDisposable
{
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };

    public Uri BaseUrl { get; } = baseUrl.AbsoluteUri.EndsWith('/') ? baseUrl : new Uri(baseUrl.AbsoluteUri + "/");

    /// <summary>The answer, or null after printing that the server could not be reached (exit 1).</summary>
    public async Task<AdminResponse?> SendAsync(HttpMethod method, string path, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, new Uri(BaseUrl, path.TrimStart('/')));
        if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        try
        {
            using var response = await _http.SendAsync(request, ct);
            return new AdminResponse(response.StatusCode, await response.Content.ReadAsStringAsync(ct));
        }
        catch (Exception e) when ((e is HttpRequestException or TaskCanceledException) && !ct.IsCancellationRequested)
        {
            var why = e is TaskCanceledException ? $"no answer within {_http.Timeout.TotalSeconds:0} s" : e.Message;
            Console.Error.WriteLine($"gatehouse: cannot reach the admin API at {BaseUrl} ({why}); is the server running with servers.admin set?");
            return null;
        }
    }

    /// <summary>Prints why a request failed and returns the exit code; <paramref name="id"/> names the message a 404 is about.</summary>
    public int Fail(AdminResponse r, string? id = null)
    {
        var message = r.Status switch
        {
            HttpStatusCode.NotFound when id is not null => $"no message {id} in the queue",
            HttpStatusCode.Unauthorized => $"the admin API at {BaseUrl} refused the request: {r.Error}; give the token with --token, ${AdminOptions.TokenVariable} or servers.admin.token",
            HttpStatusCode.Forbidden => $"the admin API at {BaseUrl} refused the request: {r.Error}",
            _ => $"the admin API at {BaseUrl} answered {(int)r.Status}: {r.Error}",
        };
        Console.Error.WriteLine("gatehouse: " + message);
        return ExitCodes.Failure;
    }

    public void Dispose() => _http.Dispose();
}
