namespace Gatehouse.Dns.Tests.Support;

/// <summary>A clock that moves only when the test says so.</summary>
internal sealed class FakeTime : TimeProvider
{
    private DateTimeOffset _now = new(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;
}
