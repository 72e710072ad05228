using System.Diagnostics;
using Gatehouse.Core.Configuration;
using Gatehouse.Core.Tracking;
using Gatehouse.Server.Tests.Support;
using Gatehouse.Server.Tracking;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace Gatehouse.Server.Tests.Tracking;

/// <summary>The writer takes every event without waiting, writes them in batches, forgets old ones, and survives a log it cannot write.</summary>
public sealed class TrackingWriterTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2030, 5, 6, 12, 0, 0, TimeSpan.Zero);

    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static TrackingEvent Event(DateTimeOffset time, string id) =>
        new(time, "gate1", TrackingEventType.Receive, "Q" + id, id + "@client.example", "alice@client.example", null, new Dictionary<string, string> { ["client_ip"] = "192.0.2.7" });

    private static long Count(TrackingStore store)
    {
        using var c = store.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT count(*) FROM events";
        return (long)cmd.ExecuteScalar()!;
    }

    [Fact]
    public async Task Events_are_written_in_batches()
    {
        var store = TrackingStore.InDataDirectory(_dir.Path);
        var log = new ListLogger();
        var writer = new TrackingWriter(store, TrackingConfig.Default, log);
        for (var i = 0; i < 2000; i++) writer.Record(Event(DateTimeOffset.UtcNow, i.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        await writer.FlushAsync();
        Assert.Equal((2000, 0), (writer.Written, writer.Dropped));
        // At most BatchSize events a transaction: 2000 events took at least four.
        Assert.InRange(writer.BatchCount, 2000 / TrackingWriter.BatchSize + 1, 2000);
        await writer.DisposeAsync();
        Assert.Equal(2000, Count(store));
        Assert.True(writer.Healthy);
        Assert.DoesNotContain(log.Events, e => e.Level >= LogLevel.Warning);
    }

    [Fact]
    public async Task A_full_queue_drops_and_counts_and_never_waits()
    {
        var store = TrackingStore.InDataDirectory(_dir.Path);
        using (store.Open())
        {
        }
        // Another process holds the write lock: the writer's batch waits on it, and the queue behind it fills.
        using var holder = new SqliteConnection($"Data Source={store.Path};Pooling=False");
        holder.Open();
        using (var begin = holder.CreateCommand())
        {
            begin.CommandText = "BEGIN EXCLUSIVE";
            begin.ExecuteNonQuery();
        }
        var log = new ListLogger();
        var writer = new TrackingWriter(store, new TrackingConfig(true, TimeSpan.FromDays(30), 100), log);
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < 2000; i++) writer.Record(Event(DateTimeOffset.UtcNow, "m" + i));
        var recording = clock.Elapsed;

        // The writer can hold one batch in hand and the queue 100 more; everything else was dropped, at once.
        Assert.True(writer.Dropped >= 2000 - 100 - TrackingWriter.BatchSize, $"dropped {writer.Dropped}");
        Assert.True(recording < TimeSpan.FromSeconds(2), $"recording 2000 events took {recording}");
        using (var rollback = holder.CreateCommand())
        {
            rollback.CommandText = "ROLLBACK";
            rollback.ExecuteNonQuery();
        }
        await writer.DisposeAsync();
        Assert.Equal(2000, writer.Written + writer.Dropped);
        // Once the lock is gone, what the queue held is written.
        Assert.True(writer.Written > 0);
        Assert.Equal(writer.Written, Count(store));
        Assert.Single(log.Events, e => e.Id == 5004);
    }

    [Fact]
    public async Task A_log_that_cannot_be_opened_is_reported_once_and_every_event_is_counted_not_thrown()
    {
        // A file where the directory of the log should be.
        File.WriteAllText(Path.Combine(_dir.Path, "tracking"), "not a directory");
        var store = TrackingStore.InDataDirectory(_dir.Path);
        var time = new ManualTime(T0);
        var log = new ListLogger();
        var writer = new TrackingWriter(store, TrackingConfig.Default, log, time);
        for (var i = 0; i < 100; i++) writer.Record(Event(T0, "a" + i));
        await writer.FlushAsync();
        Assert.Equal((0, 100), (writer.Written, writer.Dropped));
        Assert.False(writer.Healthy);

        // Later it is tried again, fails again, and says nothing new.
        time.Advance(TrackingWriter.RetryAfter + TimeSpan.FromSeconds(1));
        for (var i = 0; i < 50; i++) writer.Record(Event(T0, "b" + i));
        await writer.FlushAsync();
        Assert.Equal((0, 150), (writer.Written, writer.Dropped));
        Assert.Single(log.Events, e => e.Id == 5001);

        // Repaired: the next attempt after the pause writes again and says so.
        File.Delete(Path.Combine(_dir.Path, "tracking"));
        time.Advance(TrackingWriter.RetryAfter + TimeSpan.FromSeconds(1));
        writer.Record(Event(T0, "c"));
        await writer.FlushAsync();
        Assert.Equal((1, 150), (writer.Written, writer.Dropped));
        Assert.True(writer.Healthy);
        Assert.Single(log.Events, e => e.Id == 5002);
        await writer.DisposeAsync();
        writer.Record(Event(T0, "after the end"));
        Assert.Equal(151, writer.Dropped);
    }

    [Fact]
    public async Task Events_past_their_retention_are_deleted_at_start_and_every_hour()
    {
        var store = TrackingStore.InDataDirectory(_dir.Path);
        store.Insert([Event(T0 - TimeSpan.FromDays(40), "old"), Event(T0 - TimeSpan.FromDays(29.5), "older"), Event(T0, "new")]);
        var time = new ManualTime(T0);
        var log = new ListLogger();
        await using var writer = new TrackingWriter(store, TrackingConfig.Default with { Retention = TimeSpan.FromDays(30) }, log, time);

        await writer.FlushAsync();
        Assert.Equal(2, Count(store));
        time.Advance(TimeSpan.FromHours(11));
        await writer.FlushAsync();
        Assert.Equal(2, Count(store));
        // Thirty days old at 12:00 the next day; the hourly pass after that deletes it.
        time.Advance(TimeSpan.FromHours(2));
        await writer.FlushAsync();
        Assert.Equal(1, Count(store));
        var left = Assert.Single(await store.SearchAsync(new TrackingQuery(null, "alice@client.example", null, null, null)));
        Assert.Equal("new@client.example", left.MessageId);
        Assert.Equal(2, log.Events.Count(e => e.Id == 5003));
    }

    /// <summary>Keeps what is logged, with its event id.</summary>
    private sealed class ListLogger : ILogger
    {
        private readonly List<(int Id, LogLevel Level, string Message)> _events = [];

        public IReadOnlyList<(int Id, LogLevel Level, string Message)> Events
        {
            get
            {
                lock (_events) return _events.ToArray();
            }
        }

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (_events) _events.Add((eventId.Id, logLevel, formatter(state, exception)));
        }
    }
}
