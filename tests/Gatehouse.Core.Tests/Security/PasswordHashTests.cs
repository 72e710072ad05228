using Gatehouse.Core.Security;

namespace Gatehouse.Core.Tests.Security;

public class PasswordHashTests
{
    // The lowest accepted count keeps the tests fast; the algorithm is the same at any count.
    private const int Fast = 10_000;

    private static readonly Lazy<string> Secret = new(() => PasswordHash.Create("correct horse", Fast));

    [Fact]
    public void Created_hash_verifies_the_same_password_only()
    {
        Assert.True(PasswordHash.Verify("correct horse", Secret.Value));
        Assert.False(PasswordHash.Verify("correct horse ", Secret.Value));
        Assert.False(PasswordHash.Verify("Correct horse", Secret.Value));
        Assert.False(PasswordHash.Verify("", Secret.Value));
    }

    [Fact]
    public void Created_hash_is_well_formed_and_names_its_scheme_and_iterations()
    {
        var parts = Secret.Value.Split('$');
        Assert.Equal(["pbkdf2-sha256", "10000"], parts[..2]);
        Assert.Equal(16, Convert.FromBase64String(parts[2]).Length);
        Assert.Equal(32, Convert.FromBase64String(parts[3]).Length);
        Assert.True(PasswordHash.IsWellFormed(Secret.Value, out var error), error);
        Assert.Equal("", error);
    }

    [Fact]
    public void Each_hash_has_its_own_salt()
    {
        var again = PasswordHash.Create("correct horse", Fast);
        Assert.NotEqual(Secret.Value, again);
        Assert.True(PasswordHash.Verify("correct horse", again));
    }

    [Theory]
    [InlineData("")]
    [InlineData("pässwörd ✓")]
    [InlineData("with$dollar$signs")]
    [InlineData("  spaces  ")]
    public void Any_password_round_trips(string password)
    {
        var stored = PasswordHash.Create(password, Fast);
        Assert.True(PasswordHash.Verify(password, stored));
        Assert.False(PasswordHash.Verify(password + "x", stored));
    }

    // A hash whose iteration count Verify refuses would lock its user out without a word.
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(9_999)]
    [InlineData(10_000_001)]
    [InlineData(-100_000)]
    public void Create_refuses_iteration_counts_that_could_never_verify(int iterations) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => PasswordHash.Create("x", iterations));

    public static TheoryData<string> Malformed()
    {
        const string Salt = "AAECAwQFBgcICQoLDA0ODw==";
        const string Hash = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
        return new TheoryData<string>
        {
            "",
            "plain-text-password",
            "pbkdf2-sha256$",
            "pbkdf2-sha256$100000$" + Salt,
            "pbkdf2-sha256$100000$" + Salt + "$" + Hash + "$extra",
            "pbkdf2-sha1$100000$" + Salt + "$" + Hash,
            "PBKDF2-SHA256$100000$" + Salt + "$" + Hash,
            "pbkdf2-sha256$abc$" + Salt + "$" + Hash,
            "pbkdf2-sha256$$" + Salt + "$" + Hash,
            "pbkdf2-sha256$9999$" + Salt + "$" + Hash,
            "pbkdf2-sha256$10000001$" + Salt + "$" + Hash,
            "pbkdf2-sha256$-100000$" + Salt + "$" + Hash,
            "pbkdf2-sha256$+100000$" + Salt + "$" + Hash,
            "pbkdf2-sha256$ 100000$" + Salt + "$" + Hash,
            "pbkdf2-sha256$99999999999$" + Salt + "$" + Hash,
            "pbkdf2-sha256$100000$!!!!$" + Hash,
            "pbkdf2-sha256$100000$" + Salt + "$not base64",
            "pbkdf2-sha256$100000$AAEC$" + Hash,
            "pbkdf2-sha256$100000$" + Salt + "$AAECAwQFBgcICQoLDA0ODw==",
            "pbkdf2-sha256$100000$$" + Hash,
        };
    }

    [Theory]
    [MemberData(nameof(Malformed))]
    public void Malformed_hashes_are_explained_and_never_verify(string stored)
    {
        Assert.False(PasswordHash.IsWellFormed(stored, out var error));
        Assert.NotEqual("", error);
        Assert.False(PasswordHash.Verify("anything", stored));
    }

    [Fact]
    public void A_tampered_hash_does_not_verify()
    {
        var parts = Secret.Value.Split('$');
        var hash = Convert.FromBase64String(parts[3]);
        hash[0] ^= 1;
        var tampered = string.Join('$', parts[0], parts[1], parts[2], Convert.ToBase64String(hash));
        Assert.True(PasswordHash.IsWellFormed(tampered, out _));
        Assert.False(PasswordHash.Verify("correct horse", tampered));
    }
}
