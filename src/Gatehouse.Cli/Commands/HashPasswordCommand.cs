using System.CommandLine;
using Gatehouse.Core.Security;

namespace Gatehouse.Cli.Commands;

/// <summary><c>gatehouse hash-password</c>: reads a password on standard input and prints the hash for users[].password_hash.</summary>
internal static class HashPasswordCommand
{
    public static Command Create()
    {
        var iterations = new Option<int>("--iterations") { Description = "PBKDF2 iterations.", DefaultValueFactory = _ => PasswordHash.DefaultIterations };
        var cmd = new Command("hash-password", "Read a password from standard input (one line) and print its salted hash.") { iterations };
        cmd.SetAction(parse =>
        {
            var n = parse.GetValue(iterations);
            if (n is < 10_000 or > 10_000_000)
            {
                Console.Error.WriteLine("gatehouse: --iterations must be between 10000 and 10000000");
                return ExitCodes.Usage;
            }
            var line = Console.In.ReadLine();
            if (string.IsNullOrEmpty(line))
            {
                Console.Error.WriteLine("gatehouse: no password on standard input");
                return ExitCodes.Usage;
            }
            Console.WriteLine(PasswordHash.Create(line, n));
            return ExitCodes.Ok;
        });
        return cmd;
    }
}
