using System.Globalization;
using System.Text;
using Gatehouse.Core.Protocol;
using Gatehouse.Spool;

namespace Gatehouse.Server.Delivery.Agents;

/// <summary>Delivers to mailboxes homed on this server: one Maildir per mailbox under <c>DATA/mailboxes/</c>.</summary>
/// <remarks>
/// Standard Maildir (as Postfix's local and virtual agents write it): the file is written in
/// <c>tmp/</c>, synced, renamed into <c>new/</c>, and the directory synced, so that a delivery
/// reported done survives a crash. <c>Return-Path</c> and <c>Delivered-To</c> are prepended. A
/// write error defers (4.3.0); nothing here fails a recipient for good.
/// </remarks>
internal sealed class MaildirAgent(DeliveryContext context) : IDeliveryAgent
{
    private static long _counter;

    public IDeliverySession Open(Destination destination) => new Session(context);

    /// <summary>The folder of a mailbox: the alias, lower case, with anything that could leave the directory replaced.</summary>
    public static string FolderName(string mailbox)
    {
        var sb = new StringBuilder(mailbox.Length);
        foreach (var ch in mailbox.ToLowerInvariant())
        {
            sb.Append(char.IsAsciiLetterOrDigit(ch) || ch is '-' or '_' or '.' or '@' or '+' ? ch : '_');
        }
        var name = sb.ToString().Trim('.');
        return name.Length == 0 ? "_" : name;
    }

    private sealed class Session(DeliveryContext context) : IDeliverySession
    {
        public async Task<IReadOnlyList<RecipientResult>> DeliverAsync(DeliveryJob job, CancellationToken cancellationToken)
        {
            var root = Path.Combine(context.Current.Server.DataDirectory, "mailboxes");
            var results = new List<RecipientResult>(job.Recipients.Count);
            foreach (var r in job.Recipients)
            {
                var folder = Path.Combine(root, FolderName(r.Mailbox ?? r.Address));
                try
                {
                    var name = await WriteAsync(folder, job, r, cancellationToken).ConfigureAwait(false);
                    results.Add(RecipientResult.Ours(r.Index, ResultKind.Delivered, SmtpReply.Of(250, "2.0.0", $"delivered to maildir {FolderName(r.Mailbox ?? r.Address)} as {name}"), hop: "local"));
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    results.Add(RecipientResult.Ours(r.Index, ResultKind.Deferred, SmtpReply.Of(451, "4.3.0", "Could not write to the mailbox: " + e.Message), hop: "local"));
                }
            }
            return results;
        }

        private async Task<string> WriteAsync(string folder, DeliveryJob job, JobRecipient r, CancellationToken ct)
        {
            var tmp = Path.Combine(folder, "tmp");
            var @new = Path.Combine(folder, "new");
            Directory.CreateDirectory(tmp);
            Directory.CreateDirectory(@new);
            Directory.CreateDirectory(Path.Combine(folder, "cur"));
            var now = context.Time.GetUtcNow();
            var unique = string.Create(CultureInfo.InvariantCulture,
                $"{now.ToUnixTimeSeconds()}.M{now.Millisecond * 1000 + now.Microsecond}P{Environment.ProcessId}Q{Interlocked.Increment(ref _counter)}.{context.Current.Server.Hostname.Replace('/', '_').Replace(':', '_')}");
            var tmpPath = Path.Combine(tmp, unique);
            long size;
            await using (var file = new FileStream(tmpPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, 64 * 1024, FileOptions.Asynchronous))
            {
                var prefix = Encoding.UTF8.GetBytes($"Return-Path: <{job.ReversePath}>\r\nDelivered-To: {r.Address}\r\n");
                await file.WriteAsync(prefix, ct).ConfigureAwait(false);
                await using (var content = job.Entry.Message.OpenContent())
                {
                    await content.CopyToAsync(file, ct).ConfigureAwait(false);
                }
                await file.FlushAsync(ct).ConfigureAwait(false);
                file.Flush(flushToDisk: true);
                size = file.Length;
            }
            var final = $"{unique},S={size.ToString(CultureInfo.InvariantCulture)}";
            try
            {
                File.Move(tmpPath, Path.Combine(@new, final));
            }
            catch
            {
                File.Delete(tmpPath);
                throw;
            }
            DirectorySync.Sync(@new);
            return final;
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
