using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Gatehouse.Core.Security;

/// <summary>Salted password hashes for SMTP AUTH users: <c>pbkdf2-sha256$ITERATIONS$SALT$HASH</c> (base64).</summary>
/// <remarks>
/// PBKDF2 with SHA-256 from the BCL; the iteration count is stored in the hash so that it can be
/// raised without invalidating old hashes. Verification compares in constant time.
/// </remarks>
public static class PasswordHash
{
    public const string Scheme = "pbkdf2-sha256";
    public const int DefaultIterations = 100_000;
    private const int SaltBytes = 16;
    private const int HashBytes = 32;
    private const int MinIterations = 10_000;
    private const int MaxIterations = 10_000_000;

    public static string Create(string password, int iterations = DefaultIterations)
    {
        // A count outside what IsWellFormed accepts would make a hash that can never verify.
        ArgumentOutOfRangeException.ThrowIfLessThan(iterations, MinIterations);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(iterations, MaxIterations);
        var salt = RandomNumberGenerator.GetBytes(SaltBytes);
        var hash = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA256, HashBytes);
        return string.Create(CultureInfo.InvariantCulture, $"{Scheme}${iterations}${Convert.ToBase64String(salt)}${Convert.ToBase64String(hash)}");
    }

    /// <summary>Checks the shape of a stored hash; returns a reason when it is not one we can verify.</summary>
    public static bool IsWellFormed(string stored, out string error)
    {
        error = "";
        var parts = stored.Split('$');
        if (parts.Length != 4 || parts[0] != Scheme)
        {
            error = $"must have the form {Scheme}$ITERATIONS$SALT$HASH (make one with 'gatehouse hash-password')";
            return false;
        }
        if (!int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var it) || it is < MinIterations or > MaxIterations)
        {
            error = "iterations must be between 10000 and 10000000";
            return false;
        }
        try
        {
            if (Convert.FromBase64String(parts[2]).Length < 8 || Convert.FromBase64String(parts[3]).Length != HashBytes)
            {
                error = "salt or hash has the wrong length";
                return false;
            }
        }
        catch (FormatException)
        {
            error = "salt and hash must be base64";
            return false;
        }
        return true;
    }

    public static bool Verify(string password, string stored)
    {
        if (!IsWellFormed(stored, out _)) return false;
        var parts = stored.Split('$');
        var iterations = int.Parse(parts[1], CultureInfo.InvariantCulture);
        var salt = Convert.FromBase64String(parts[2]);
        var expected = Convert.FromBase64String(parts[3]);
        var actual = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA256, expected.Length);
        return CryptographicOperations.FixedTimeEquals(actual, expected);
    }

    /// <summary>The iteration count of a well-formed hash, or the default for anything else.</summary>
    public static int IterationsOf(string stored) =>
        IsWellFormed(stored, out _) ? int.Parse(stored.Split('$')[1], CultureInfo.InvariantCulture) : DefaultIterations;
}
