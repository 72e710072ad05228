using Gatehouse.Core.Directory;
using static Gatehouse.Core.Tests.Directory.Recipients;

namespace Gatehouse.Core.Tests.Directory;

public class ListExpansionTests
{
    private static ListExpansion Expand(RecipientDirectory directory, string alias) =>
        directory.Expand(Assert.IsType<DistributionListRecipient>(directory.FindAlias(alias)));

    private static string Aliases(ListExpansion e) => string.Join(",", e.Members.Select(m => m.Alias));

    [Fact]
    public void A_flat_list_expands_to_its_members_in_order()
    {
        var directory = Clean(Box("alice"), Box("bob"), Contact("partner", "SMTP:someone@partner.example"), List("team", ["bob", "PARTNER", "Alice"]));
        var e = Expand(directory, "team");
        Assert.Equal("bob,partner,alice", Aliases(e));
        Assert.Empty(e.Cycles);
    }

    [Fact]
    public void Nested_lists_expand_to_mailboxes_and_contacts_never_to_lists()
    {
        var directory = Clean(
            Box("alice"), Box("bob"), Box("carol"), Contact("partner", "X400:c=DE;s=Mueller"),
            List("all", ["sales", "eng"]),
            List("sales", ["alice", "bob"]),
            List("eng", ["carol", "devs"]),
            List("devs", ["partner"]));
        var e = Expand(directory, "all");
        Assert.Equal("alice,bob,carol,partner", Aliases(e));
        Assert.DoesNotContain(e.Members, m => m is DistributionListRecipient);
        Assert.Empty(e.Cycles);
    }

    [Fact]
    public void A_recipient_reached_twice_appears_once()
    {
        var directory = Clean(
            Box("alice"), Box("bob"),
            List("all", ["alice", "sales", "eng", "ALICE"]),
            List("sales", ["alice", "bob"]),
            List("eng", ["bob"]));
        var e = Expand(directory, "all");
        Assert.Equal("alice,bob", Aliases(e));
        Assert.Empty(e.Cycles);
    }

    // Two ways to one list (a diamond) is not a cycle: the list is expanded once and nothing is reported.
    [Fact]
    public void A_list_reached_by_two_paths_is_not_a_cycle()
    {
        var directory = Clean(
            Box("alice"),
            List("top", ["left", "right"]),
            List("left", ["bottom"]),
            List("right", ["bottom"]),
            List("bottom", ["alice"]));
        var e = Expand(directory, "top");
        Assert.Equal("alice", Aliases(e));
        Assert.Empty(e.Cycles);
    }

    [Fact]
    public void A_list_that_contains_itself_is_reported_and_not_followed()
    {
        var directory = Clean(Box("alice"), List("loop", ["loop", "alice", "LOOP"]));
        var e = Expand(directory, "loop");
        Assert.Equal("alice", Aliases(e));
        Assert.NotEmpty(e.Cycles);
        Assert.All(e.Cycles, c => Assert.Equal("loop -> loop", c));
    }

    [Fact]
    public void A_longer_cycle_is_reported_with_its_path()
    {
        var directory = Clean(
            Box("alice"), Box("bob"), Box("carol"),
            List("a", ["alice", "b"]),
            List("b", ["bob", "c"]),
            List("c", ["carol", "a"]));
        var fromA = Expand(directory, "a");
        Assert.Equal("alice,bob,carol", Aliases(fromA));
        Assert.Equal(["a -> b -> c -> a"], fromA.Cycles);

        var fromB = Expand(directory, "b");
        Assert.Equal("bob,carol,alice", Aliases(fromB));
        Assert.Equal(["b -> c -> a -> b"], fromB.Cycles);
    }

    [Fact]
    public void A_cycle_below_the_expanded_list_is_reported_from_where_it_starts()
    {
        var directory = Clean(
            Box("alice"),
            List("top", ["x"]),
            List("x", ["y", "alice"]),
            List("y", ["x"]));
        var e = Expand(directory, "top");
        Assert.Equal("alice", Aliases(e));
        Assert.Equal(["x -> y -> x"], e.Cycles);
    }

    [Fact]
    public void An_empty_list_expands_to_nothing() =>
        Assert.Empty(Expand(Clean(List("empty", [])), "empty").Members);

    [Fact]
    public void A_list_of_only_cycles_expands_to_nothing_and_terminates()
    {
        var directory = Clean(List("a", ["b"]), List("b", ["a"]));
        var e = Expand(directory, "a");
        Assert.Empty(e.Members);
        Assert.Equal(["a -> b -> a"], e.Cycles);
    }

    // Every list holds every list: exponential if followed naively; each list must be walked once.
    [Fact]
    public void A_dense_web_of_lists_terminates()
    {
        const int n = 40;
        var lists = Enumerable.Range(0, n).Select(i => (DirectoryRecipient)List("l" + i, [.. Enumerable.Range(0, n).Select(j => "l" + j), "box" + i]));
        var boxes = Enumerable.Range(0, n).Select(i => (DirectoryRecipient)Box("box" + i));
        var directory = Clean([.. lists, .. boxes]);
        var e = Expand(directory, "l0");
        Assert.Equal(n, e.Members.Count);
        Assert.NotEmpty(e.Cycles);
        Assert.All(e.Cycles, c => Assert.EndsWith(c.Split(" -> ")[0], c, StringComparison.Ordinal));
    }

    [Fact]
    public void A_deep_chain_of_lists_expands()
    {
        const int depth = 100_000; // deeper than any thread stack would take recursively
        var lists = Enumerable.Range(0, depth).Select(i => (DirectoryRecipient)List("l" + i, i + 1 < depth ? ["l" + (i + 1)] : ["bottom"]));
        var directory = Clean([.. lists, Box("bottom")]);
        Assert.Equal("bottom", Aliases(Expand(directory, "l0")));
    }

    // A directory built with errors is refused by the configuration, but expanding it must still not throw.
    [Fact]
    public void Unknown_members_are_skipped()
    {
        var directory = RecipientDirectory.Build([Box("alice"), List("team", ["ghost", "alice"])], [], out var problems);
        Assert.Single(problems);
        Assert.Equal("alice", Aliases(Expand(directory, "team")));
    }

    [Fact]
    public void Expansion_returns_the_directory_records()
    {
        var alice = Box("alice", "SMTP:alice@contoso.com");
        var directory = Clean(alice, List("team", ["alice"]));
        Assert.Same(alice, Assert.Single(Expand(directory, "team").Members));
    }
}
