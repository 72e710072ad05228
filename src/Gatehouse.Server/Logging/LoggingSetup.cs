using Gatehouse.Core.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace Gatehouse.Server.Logging;

/// <summary>Builds the logger factory from the logging section: one line per event on standard output.</summary>
public static class LoggingSetup
{
    public static ILoggerFactory Create(LoggingConfig config) => LoggerFactory.Create(b =>
    {
        b.SetMinimumLevel(Enum.Parse<LogLevel>(config.Level, ignoreCase: true));
        b.AddFilter("Microsoft", LogLevel.Warning);
        if (config.Format == "json")
        {
            b.AddJsonConsole(o =>
            {
                o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffzzz";
                o.UseUtcTimestamp = false;
            });
        }
        else
        {
            b.AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fff ";
                o.ColorBehavior = LoggerColorBehavior.Disabled;
            });
        }
    });
}
