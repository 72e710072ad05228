using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;

namespace Gatehouse.Server.Hosting;

/// <summary>Aggregates the instruments of one <see cref="Meter"/> and writes them in the Prometheus text exposition format 0.0.4.</summary>
/// <remarks>
/// <para>What it does: a <see cref="MeterListener"/> that listens to the instruments of exactly one
/// meter object (another server in the same process has its own meter of the same name), sums
/// counters and up-down counters per tag set, keeps the last value of a synchronous gauge, counts
/// histogram measurements into the instrument's fixed buckets (its
/// <see cref="InstrumentAdvice{T}.HistogramBucketBoundaries"/>), and polls the observable instruments
/// at each scrape. Counters and observable counters are <c>counter</c>, histograms <c>histogram</c>,
/// everything else <c>gauge</c>; an instrument's name is its metric name and its description the HELP
/// text.</para>
/// <para>What it does not: rename (names are chosen Prometheus-style where the instruments are made),
/// keep units, timestamps or exemplars, or forget a tag set once seen (the tag values of our
/// synchronous instruments are a small fixed set).</para>
/// <para>Cost on the recording thread: an unlabelled counter is one interlocked add; a labelled one
/// builds its label text (one string) and looks it up; a histogram takes a short lock so that its
/// buckets, sum and count always agree.</para>
/// </remarks>
internal sealed class MetricsExporter : IDisposable
{
    private static readonly double[] DefaultBounds = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    private readonly Meter _meter;
    private readonly MeterListener _listener;
    private readonly ConcurrentDictionary<Instrument, Family> _families = new();
    private readonly Lock _scrape = new();
    private int _order;

    public MetricsExporter(Meter meter)
    {
        _meter = meter;
        _listener = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (!ReferenceEquals(instrument.Meter, _meter)) return;
                var family = _families.GetOrAdd(instrument, i => new Family(i, Interlocked.Increment(ref _order)));
                listener.EnableMeasurementEvents(instrument, family);
            },
        };
        _listener.SetMeasurementEventCallback<long>(static (_, value, tags, state) => ((Family)state!).Add(value, tags));
        _listener.SetMeasurementEventCallback<int>(static (_, value, tags, state) => ((Family)state!).Add(value, tags));
        _listener.SetMeasurementEventCallback<double>(static (_, value, tags, state) => ((Family)state!).Add(value, tags));
        _listener.SetMeasurementEventCallback<float>(static (_, value, tags, state) => ((Family)state!).Add(value, tags));
        _listener.Start();
    }

    /// <summary>Makes the series of <paramref name="instrument"/> with these tags exist (at zero) before anything is recorded.</summary>
    /// <remarks>Prometheus's rate() needs the zero: a series that first appears at 1 hides its first event.</remarks>
    public void Declare(Instrument instrument, params ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (_families.TryGetValue(instrument, out var family)) family.SeriesFor(tags);
    }

    /// <summary>Polls the observable instruments and writes every family, in the order the instruments were made.</summary>
    public string Render()
    {
        var sb = new StringBuilder(4096);
        lock (_scrape)
        {
            foreach (var f in _families.Values) if (f.Observable) f.Clear();
            _listener.RecordObservableInstruments();
            foreach (var f in _families.Values.OrderBy(f => f.Order)) f.Write(sb);
        }
        return sb.ToString();
    }

    public void Dispose() => _listener.Dispose();

    /// <summary>A metric value as Prometheus reads it: integers without a point, so that a plain integer parser reads a counter.</summary>
    internal static string FormatValue(double v)
    {
        if (double.IsNaN(v)) return "NaN";
        if (double.IsPositiveInfinity(v)) return "+Inf";
        if (double.IsNegativeInfinity(v)) return "-Inf";
        if (v == Math.Floor(v) && Math.Abs(v) < 1e15) return ((long)v).ToString(CultureInfo.InvariantCulture);
        return v.ToString("R", CultureInfo.InvariantCulture);
    }

    /// <summary>A label value between double quotes: backslash, double quote and line feed escaped (format 0.0.4).</summary>
    internal static void AppendLabelValue(StringBuilder sb, string value)
    {
        foreach (var c in value)
        {
            switch (c)
            {
                case '\\': sb.Append("\\\\"); break;
                case '"': sb.Append("\\\""); break;
                case '\n': sb.Append("\\n"); break;
                default: sb.Append(c); break;
            }
        }
    }

    /// <summary>HELP text: backslash and line feed escaped; a double quote stays as it is (format 0.0.4).</summary>
    private static void AppendHelp(StringBuilder sb, string help)
    {
        foreach (var c in help)
        {
            switch (c)
            {
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                default: sb.Append(c); break;
            }
        }
    }

    /// <summary>A metric or label name with every character outside [a-zA-Z0-9_:] (label names: [a-zA-Z0-9_]) made an underscore.</summary>
    internal static string SanitizeName(string name, bool label)
    {
        var sb = new StringBuilder(name.Length + 1);
        if (name.Length == 0 || char.IsAsciiDigit(name[0])) sb.Append('_');
        foreach (var c in name) sb.Append(char.IsAsciiLetterOrDigit(c) || c == '_' || (c == ':' && !label) ? c : '_');
        return sb.ToString();
    }

    private enum Kind
    {
        Counter,
        Gauge,
        LastValue,
        Histogram,
    }

    /// <summary>One instrument: its metric family and its series, by label text.</summary>
    private sealed class Family
    {
        private readonly ConcurrentDictionary<string, Series> _series = new(StringComparer.Ordinal);
        private readonly Kind _kind;
        private readonly double[] _bounds = [];
        private readonly string _name;
        private readonly string _help;
        private Series? _unlabelled;

        public Family(Instrument instrument, int order)
        {
            Order = order;
            _name = SanitizeName(instrument.Name, label: false);
            _help = instrument.Description ?? instrument.Name;
            var type = instrument.GetType();
            var generic = type.IsGenericType ? type.GetGenericTypeDefinition() : type;
            Observable = instrument.IsObservable;
            _kind = generic == typeof(Counter<>) || generic == typeof(ObservableCounter<>) ? Kind.Counter
                : generic == typeof(Histogram<>) ? Kind.Histogram
                : generic == typeof(Gauge<>) || Observable ? Kind.LastValue
                : Kind.Gauge;
            if (_kind == Kind.Histogram) _bounds = Bounds(instrument);
        }

        public int Order { get; }

        public bool Observable { get; }

        private static double[] Bounds(Instrument instrument) => instrument switch
        {
            Histogram<double> h when h.Advice?.HistogramBucketBoundaries is { Count: > 0 } b => [.. b],
            Histogram<long> h when h.Advice?.HistogramBucketBoundaries is { Count: > 0 } b => [.. b.Select(x => (double)x)],
            Histogram<int> h when h.Advice?.HistogramBucketBoundaries is { Count: > 0 } b => [.. b.Select(x => (double)x)],
            _ => DefaultBounds,
        };

        public void Clear()
        {
            _series.Clear();
            _unlabelled = null;
        }

        public Series SeriesFor(ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            if (tags.Length == 0) return _unlabelled ??= _series.GetOrAdd("", _ => new Series(_bounds.Length));
            var labels = Labels(tags);
            return _series.TryGetValue(labels, out var s) ? s : _series.GetOrAdd(labels, _ => new Series(_bounds.Length));
        }

        public void Add(long value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var s = SeriesFor(tags);
            switch (_kind)
            {
                case Kind.Histogram: s.Observe(value, _bounds); break;
                case Kind.LastValue: s.Set(value); break;
                default: s.Add(value); break;
            }
        }

        public void Add(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var s = SeriesFor(tags);
            switch (_kind)
            {
                case Kind.Histogram: s.Observe(value, _bounds); break;
                case Kind.LastValue: s.Set(value); break;
                default: s.Add(value); break;
            }
        }

        /// <summary>Tags as the label text between the braces, sorted by name so that one tag set is one series whatever the order given.</summary>
        private static string Labels(ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var pairs = new (string Name, string Value)[tags.Length];
            for (var i = 0; i < tags.Length; i++)
            {
                pairs[i] = (SanitizeName(tags[i].Key, label: true), Convert.ToString(tags[i].Value, CultureInfo.InvariantCulture) ?? "");
            }
            Array.Sort(pairs, static (a, b) => string.CompareOrdinal(a.Name, b.Name));
            var sb = new StringBuilder();
            foreach (var (name, value) in pairs)
            {
                if (sb.Length > 0) sb.Append(',');
                sb.Append(name).Append("=\"");
                AppendLabelValue(sb, value);
                sb.Append('"');
            }
            return sb.ToString();
        }

        public void Write(StringBuilder sb)
        {
            sb.Append("# HELP ").Append(_name).Append(' ');
            AppendHelp(sb, _help);
            sb.Append('\n');
            sb.Append("# TYPE ").Append(_name).Append(' ').Append(_kind switch { Kind.Counter => "counter", Kind.Histogram => "histogram", _ => "gauge" }).Append('\n');
            foreach (var (labels, s) in _series.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                if (_kind != Kind.Histogram)
                {
                    Sample(sb, _name, labels, null, s.Value);
                    continue;
                }
                var (counts, sum, count) = s.Snapshot();
                long cumulative = 0;
                for (var i = 0; i < _bounds.Length; i++)
                {
                    cumulative += counts[i];
                    Sample(sb, _name + "_bucket", labels, FormatValue(_bounds[i]), cumulative);
                }
                Sample(sb, _name + "_bucket", labels, "+Inf", count);
                Sample(sb, _name + "_sum", labels, null, sum);
                Sample(sb, _name + "_count", labels, null, count);
            }
        }

        private static void Sample(StringBuilder sb, string name, string labels, string? le, double value)
        {
            sb.Append(name);
            if (labels.Length > 0 || le is not null)
            {
                sb.Append('{').Append(labels);
                if (le is not null) sb.Append(labels.Length > 0 ? "," : "").Append("le=\"").Append(le).Append('"');
                sb.Append('}');
            }
            sb.Append(' ').Append(FormatValue(value)).Append('\n');
        }
    }

    /// <summary>One series: an integer part and a fractional part for sums and gauges, or a histogram's buckets.</summary>
    private sealed class Series(int buckets)
    {
        private readonly long[] _counts = new long[buckets + 1];
        private readonly Lock _histogram = new();
        private long _integer;
        private double _real;
        private double _sum;
        private long _count;

        public double Value => Interlocked.Read(ref _integer) + Volatile.Read(ref _real);

        public void Add(long v) => Interlocked.Add(ref _integer, v);

        public void Add(double v)
        {
            double seen;
            do seen = Volatile.Read(ref _real);
            while (Interlocked.CompareExchange(ref _real, seen + v, seen) != seen);
        }

        public void Set(double v)
        {
            Interlocked.Exchange(ref _integer, 0);
            Volatile.Write(ref _real, v);
        }

        public void Observe(double v, double[] bounds)
        {
            // Prometheus buckets are "less than or equal": a value on a bound counts in that bound's bucket.
            var i = 0;
            while (i < bounds.Length && v > bounds[i]) i++;
            lock (_histogram)
            {
                _counts[i]++;
                _sum += v;
                _count++;
            }
        }

        public (long[] Counts, double Sum, long Count) Snapshot()
        {
            lock (_histogram) return ((long[])_counts.Clone(), _sum, _count);
        }
    }
}
