namespace Gatehouse.Server.Tests.Support;

/// <summary>A clock that moves only when the test says so, with timers that fire when it passes their time.</summary>
/// <remarks>A timer that fell several periods behind fires once, as a real one whose callback was late would.</remarks>
public sealed class ManualTime(DateTimeOffset start) : TimeProvider
{
    private readonly Lock _lock = new();
    private readonly List<Timer> _timers = [];
    private DateTimeOffset _now = start;

    public override DateTimeOffset GetUtcNow()
    {
        lock (_lock) return _now;
    }

    public void Advance(TimeSpan by)
    {
        var due = new List<Timer>();
        lock (_lock)
        {
            _now += by;
            foreach (var t in _timers)
            {
                if (t.Next is not { } next || next > _now) continue;
                due.Add(t);
                t.Next = t.Period > TimeSpan.Zero ? _now + t.Period : null;
            }
        }
        foreach (var t in due) t.Callback(t.State);
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var t = new Timer(this, callback, state, period);
        lock (_lock)
        {
            t.Next = dueTime == Timeout.InfiniteTimeSpan ? null : _now + dueTime;
            _timers.Add(t);
        }
        return t;
    }

    private sealed class Timer(ManualTime owner, TimerCallback callback, object? state, TimeSpan period) : ITimer
    {
        public TimerCallback Callback { get; } = callback;

        public object? State { get; } = state;

        public TimeSpan Period { get; set; } = period;

        public DateTimeOffset? Next { get; set; }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            lock (owner._lock)
            {
                Period = period;
                Next = dueTime == Timeout.InfiniteTimeSpan ? null : owner._now + dueTime;
            }
            return true;
        }

        public void Dispose()
        {
            lock (owner._lock) owner._timers.Remove(this);
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
