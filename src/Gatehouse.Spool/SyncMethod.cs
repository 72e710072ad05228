namespace Gatehouse.Spool;

/// <summary>How the spool makes a message durable before the 250 reply.</summary>
public enum SyncMethod
{
    /// <summary>Group commit: one syncfs(2) for every message that finished while the previous one ran (Linux).</summary>
    Syncfs,

    /// <summary>fsync(2) of each message file and of the queue directory: one or two per message, on any POSIX system.</summary>
    Fsync,
}
