using Gatehouse.Server.Delivery;

namespace Gatehouse.Server.Tests.Delivery;

/// <summary>When a next hop is marked down and up again, and what routing is told.</summary>
public sealed class NextHopHealthTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Marked_down_after_the_configured_failures_in_a_row_and_up_by_one_success()
    {
        var h = new NextHopHealth();
        Assert.False(h.Report("server:gate2", success: false, markDownAfter: 3, Now));
        Assert.False(h.Report("server:gate2", success: false, markDownAfter: 3, Now));
        var v = h.Version;
        Assert.True(h.Report("server:gate2", success: false, markDownAfter: 3, Now));
        Assert.True(h.Version > v);
        Assert.True(h.ToRouting().IsServerDown("gate2"));
        Assert.False(h.Report("server:gate2", success: false, markDownAfter: 3, Now)); // already down: no change
        Assert.True(h.Report("server:gate2", success: true, markDownAfter: 3, Now));
        Assert.False(h.ToRouting().IsServerDown("gate2"));
        Assert.Empty(h.Down);
    }

    [Fact]
    public void A_success_resets_the_count_of_failures()
    {
        var h = new NextHopHealth();
        h.Report("connector:internet", false, 2, Now);
        Assert.False(h.Report("connector:internet", true, 2, Now));
        Assert.False(h.Report("connector:internet", false, 2, Now));
        Assert.True(h.Report("connector:internet", false, 2, Now));
        Assert.True(h.ToRouting().IsConnectorDown("internet"));
        Assert.False(h.ToRouting().IsServerDown("internet"));
    }
}
