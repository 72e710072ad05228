namespace Gatehouse.Spool;

/// <summary>Makes a directory's new entries durable (fsync of the directory), for writers outside the spool such as Maildir delivery.</summary>
public static class DirectorySync
{
    public static void Sync(string path) => NativeSync.SyncDirectory(path);
}
