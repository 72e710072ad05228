using System.Text;

namespace Gatehouse.Spool.Tests;

public sealed class MessageSpoolTests : IDisposable
{
    private readonly string _dir = SpoolTestData.TempDir();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData(SyncMethod.Syncfs)]
    [InlineData(SyncMethod.Fsync)]
    public async Task Committed_message_is_found_with_its_envelope_and_exact_content(SyncMethod method)
    {
        var content = Encoding.UTF8.GetBytes("Subject: hi\r\n\r\nbody ünïcode\r\n.not a terminator\r\n");
        using (var spool = MessageSpool.Open(_dir, method))
        {
            await using var w = spool.Begin("01M84EA1BFXW30", SpoolTestData.Envelope(3));
            w.Write(content.AsSpan(0, 10));
            w.Write(content.AsSpan(10));
            await w.CommitAsync();
            Assert.True(spool.Statistics.Syncs >= 1);
        }
        using var reopened = MessageSpool.Open(_dir, method);
        Assert.Equal(1, reopened.Recovery.Queued);
        var m = reopened.Find("01M84EA1BFXW30");
        Assert.NotNull(m);
        Assert.Equal(SpoolTestData.Envelope(3) with { Recipients = m.Envelope.Recipients }, m.Envelope);
        Assert.Equal(SpoolTestData.Envelope(3).Recipients, m.Envelope.Recipients);
        using var s = m.OpenContent();
        using var ms = new MemoryStream();
        s.CopyTo(ms);
        Assert.Equal(content, ms.ToArray());
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task Content_written_in_pieces_of_any_size_reads_back_exactly(int seed)
    {
        // Pieces from one octet to several times the writer's buffer, by Write and WriteAsync, read back
        // by Read and ReadAsync in chunks of other sizes: what went in comes out, no more and no less.
        var random = new Random(seed);
        var content = new byte[random.Next(200_000, 400_000)];
        random.NextBytes(content);
        using var spool = MessageSpool.Open(_dir, SyncMethod.Syncfs);
        await using (var w = spool.Begin("01M84EA1BFXW50", SpoolTestData.Envelope(2)))
        {
            for (var at = 0; at < content.Length;)
            {
                var n = Math.Min(content.Length - at, random.Next(3) switch { 0 => random.Next(1, 100), 1 => random.Next(1, 20_000), _ => random.Next(16_000, 70_000) });
                if (random.Next(2) == 0) w.Write(content.AsSpan(at, n));
                else await w.WriteAsync(content.AsMemory(at, n));
                at += n;
            }
            Assert.Equal(content.Length, w.Length);
            await w.CommitAsync();
        }
        var m = spool.Find("01M84EA1BFXW50")!;
        Assert.Equal(content.Length, m.BodyLength);
        using var s = m.OpenContent();
        var back = new byte[content.Length + 100];
        var read = 0;
        while (true)
        {
            var room = Math.Min(back.Length - read, random.Next(1, 70_000));
            var n = random.Next(2) == 0 ? await s.ReadAsync(back.AsMemory(read, room)) : s.Read(back, read, room);
            if (n == 0) break;
            read += n;
        }
        Assert.Equal(content, back.AsSpan(0, read).ToArray());
    }

    [Theory]
    [InlineData(SyncMethod.Syncfs)]
    [InlineData(SyncMethod.Fsync)]
    public async Task A_removed_messages_file_is_reused_emptied_for_the_next_one(SyncMethod method)
    {
        using var spool = MessageSpool.Open(_dir, method);
        var big = Encoding.ASCII.GetBytes("Subject: long\r\n\r\n" + new string('x', 100_000) + "\r\n");
        await using (var w = spool.Begin("01M84EA1BFXW40", SpoolTestData.Envelope(2)))
        {
            w.Write(big);
            await w.CommitAsync();
        }
        spool.Remove("01M84EA1BFXW40");
        var free = Assert.Single(Directory.GetFiles(spool.FreeDirectory));
        Assert.Equal(0, new FileInfo(free).Length);
        Assert.Empty(Directory.GetFiles(spool.QueueDirectory));

        // The next message is written into that file: shorter than the last, with nothing of it left over.
        var small = "Subject: short\r\n\r\nhi\r\n"u8.ToArray();
        await using (var w = spool.Begin("01M84EA1BFXW41", SpoolTestData.Envelope(1)))
        {
            w.Write(small);
            await w.CommitAsync();
        }
        Assert.Empty(Directory.GetFiles(spool.FreeDirectory));
        using var content = spool.Find("01M84EA1BFXW41")!.OpenContent();
        using var ms = new MemoryStream();
        content.CopyTo(ms);
        Assert.Equal(small, ms.ToArray());
    }

    [Fact]
    public async Task Start_up_deletes_what_is_in_free_even_a_whole_message_a_crash_left_there()
    {
        using (var spool = MessageSpool.Open(_dir, SyncMethod.Syncfs))
        {
            await using var w = spool.Begin("01M84EA1BFXW42", SpoolTestData.Envelope());
            w.Write("Subject: delivered\r\n\r\nx\r\n"u8);
            await w.CommitAsync();
        }
        // A crash between the rename into free/ and the truncation leaves a whole, delivered message there.
        File.Move(Path.Combine(_dir, "queue", "01M84EA1BFXW42"), Path.Combine(_dir, "free", "01M84EA1BFXW42"));
        using var reopened = MessageSpool.Open(_dir, SyncMethod.Syncfs);
        Assert.Equal(0, reopened.Recovery.Queued);
        Assert.Empty(Directory.GetFiles(reopened.FreeDirectory));
    }

    [Fact]
    public async Task Aborted_or_abandoned_message_leaves_nothing_behind()
    {
        using var spool = MessageSpool.Open(_dir, SyncMethod.Syncfs);
        var w = spool.Begin("01M84EA1BFXW31", SpoolTestData.Envelope());
        w.Write("partial"u8);
        w.Abort();
        await using (var w2 = spool.Begin("01M84EA1BFXW32", SpoolTestData.Envelope()))
        {
            w2.Write("dropped when disposed without commit"u8);
        }
        Assert.Empty(Directory.GetFiles(spool.IncomingDirectory));
        Assert.Empty(Directory.GetFiles(spool.QueueDirectory));
    }

    [Fact]
    public void Recovery_drops_unacknowledged_incoming_and_sets_aside_damaged_queue_files()
    {
        using (MessageSpool.Open(_dir, SyncMethod.Syncfs))
        {
        }
        File.WriteAllText(Path.Combine(_dir, "incoming", "01M84EA1BFXW33"), "GATEHOUSE-QUEUE 1\n{\"v\":1}\nhalf a mess");
        File.WriteAllText(Path.Combine(_dir, "queue", "01M84EA1BFXW34"), "GATEHOUSE-QUEUE 1\n{\"v\":1}\nno trailer here");
        using var spool = MessageSpool.Open(_dir, SyncMethod.Syncfs);
        Assert.Equal(new RecoveryReport(0, 1, 1), spool.Recovery);
        Assert.True(File.Exists(Path.Combine(_dir, "corrupt", "01M84EA1BFXW34")));
        Assert.Empty(spool.List());
    }

    [Fact]
    public async Task A_file_cut_short_after_commit_is_never_taken_for_a_message()
    {
        using (var spool = MessageSpool.Open(_dir, SyncMethod.Syncfs))
        {
            await using var w = spool.Begin("01M84EA1BFXW35", SpoolTestData.Envelope());
            w.Write(new byte[5000]);
            await w.CommitAsync();
        }
        var path = Path.Combine(_dir, "queue", "01M84EA1BFXW35");
        var bytes = File.ReadAllBytes(path);
        for (var cut = 1; cut < bytes.Length; cut += 997)
        {
            File.WriteAllBytes(path, bytes[..cut]);
            Assert.ThrowsAny<Exception>(() => QueueFile.Read(path));
        }
    }

    [Fact]
    public void A_second_process_cannot_open_the_same_spool()
    {
        using var first = MessageSpool.Open(_dir, SyncMethod.Syncfs);
        var e = Assert.Throws<IOException>(() => MessageSpool.Open(_dir, SyncMethod.Syncfs));
        Assert.Contains("in use", e.Message);
    }

    [Fact]
    public async Task Concurrent_commits_share_syncs()
    {
        using var spool = MessageSpool.Open(_dir, SyncMethod.Syncfs);
        var gen = new Core.Queue.QueueIdGenerator(TimeProvider.System);
        const int n = 200;
        await Task.WhenAll(Enumerable.Range(0, n).Select(async _ =>
        {
            await Task.Yield();
            await using var w = spool.Begin(gen.Next(), SpoolTestData.Envelope());
            w.Write(new byte[1024]);
            await w.CommitAsync();
        }));
        Assert.Equal(n, spool.Statistics.MessagesCommitted);
        Assert.Equal(n, spool.List().Count());
        // With 200 commits racing, at least two must have shared a sync; on any machine.
        Assert.True(spool.Statistics.Syncs < n, $"{spool.Statistics.Syncs} syncs for {n} messages");
    }

    [Fact]
    public void Find_refuses_ids_that_are_not_queue_ids()
    {
        using var spool = MessageSpool.Open(_dir, SyncMethod.Syncfs);
        Assert.Null(spool.Find("../../etc/passwd"));
        Assert.Null(spool.Find("spool.lock"));
    }
}
