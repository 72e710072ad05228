using Gatehouse.Core.Queue;

namespace Gatehouse.Core.Tests.Queue;

public class QueueIdGeneratorTests
{
    private static readonly DateTimeOffset NewYear2024 = new(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>A clock that only moves when the test moves it.</summary>
    private sealed class ManualClock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }

    [Fact]
    public void Id_is_milliseconds_then_sequence_in_crockford_base32()
    {
        var ids = new QueueIdGenerator(new ManualClock(NewYear2024));
        // 1704067200000 ms since the epoch; the sequence starts after sequenceStart.
        Assert.Equal("01HK153X00" + "0001", ids.Next());
        Assert.Equal("01HK153X00" + "0002", ids.Next());
    }

    [Fact]
    public void Ids_have_the_valid_shape()
    {
        var ids = new QueueIdGenerator(new ManualClock(NewYear2024), sequenceStart: 12345);
        for (var i = 0; i < 1000; i++)
        {
            var id = ids.Next();
            Assert.Equal(14, id.Length);
            Assert.True(QueueIdGenerator.IsValid(id), id);
            Assert.DoesNotContain(id, c => c is 'I' or 'L' or 'O' or 'U' || char.IsLower(c));
        }
    }

    [Fact]
    public void Ids_are_unique_and_sorted_when_the_clock_stands_still()
    {
        var ids = new QueueIdGenerator(new ManualClock(NewYear2024));
        var made = Enumerable.Range(0, 10_000).Select(_ => ids.Next()).ToList();
        Assert.Equal(made.Count, made.Distinct().Count());
        Assert.Equal(made, made.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Sequence_wrap_within_one_millisecond_moves_time_forward()
    {
        var ids = new QueueIdGenerator(new ManualClock(NewYear2024), sequenceStart: 0xFFFFD);
        var made = Enumerable.Range(0, 5).Select(_ => ids.Next()).ToList();
        Assert.Equal(["01HK153X00ZZZY", "01HK153X00ZZZZ", "01HK153X010000", "01HK153X010001", "01HK153X010002"], made);
    }

    [Fact]
    public void Ids_stay_sorted_when_the_clock_goes_backwards()
    {
        var clock = new ManualClock(NewYear2024);
        var ids = new QueueIdGenerator(clock);
        var first = ids.Next();
        clock.Now = NewYear2024.AddSeconds(-30); // NTP stepped the clock back
        var second = ids.Next();
        Assert.True(string.CompareOrdinal(first, second) < 0, $"{first} !< {second}");
        Assert.StartsWith("01HK153X00", second);
    }

    [Fact]
    public void Ids_follow_the_clock_and_sort_by_arrival()
    {
        var clock = new ManualClock(NewYear2024);
        var ids = new QueueIdGenerator(clock, sequenceStart: 0xFFFF0);
        var made = new List<string>();
        for (var i = 0; i < 200; i++)
        {
            made.Add(ids.Next());
            clock.Now = clock.Now.AddMilliseconds(i % 3); // sometimes several ids in one millisecond
        }
        Assert.Equal(made.Count, made.Distinct().Count());
        Assert.Equal(made, made.Order(StringComparer.Ordinal));
        var later = new QueueIdGenerator(new ManualClock(NewYear2024.AddMilliseconds(1)), sequenceStart: 0).Next();
        Assert.True(string.CompareOrdinal(made[0], later) < 0);
    }

    [Fact]
    public void Negative_sequence_start_is_masked_into_range()
    {
        var id = new QueueIdGenerator(new ManualClock(NewYear2024), sequenceStart: -1).Next();
        Assert.True(QueueIdGenerator.IsValid(id), id);
    }

    [Fact]
    public void Ids_are_unique_across_threads()
    {
        var ids = new QueueIdGenerator(new ManualClock(NewYear2024));
        var made = new System.Collections.Concurrent.ConcurrentBag<string>();
        Parallel.For(0, 4, _ =>
        {
            for (var i = 0; i < 5000; i++) made.Add(ids.Next());
        });
        Assert.Equal(20_000, made.Distinct().Count());
    }

    [Theory]
    [InlineData("01HK153X000001", true)]
    [InlineData("ZZZZZZZZZZZZZZ", true)]
    [InlineData("00000000000000", true)]
    [InlineData("", false)]
    [InlineData("01HK153X00000", false)]
    [InlineData("01HK153X0000011", false)]
    [InlineData("01hk153x000001", false)]
    [InlineData("01HK153X0000I1", false)]
    [InlineData("01HK153X0000L1", false)]
    [InlineData("01HK153X0000O1", false)]
    [InlineData("01HK153X0000U1", false)]
    [InlineData("../../etc/pass", false)]
    [InlineData("01HK153X00/001", false)]
    [InlineData("01HK153X00\0001", false)]
    [InlineData("01HK153X00 001", false)]
    public void Validates_the_shape_of_an_id(string id, bool valid) =>
        Assert.Equal(valid, QueueIdGenerator.IsValid(id));
}
