using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Gatehouse.Spool;

/// <summary>The few POSIX calls the spool needs that .NET does not expose: syncfs, fsync of a directory, and a rename and truncate by name without .NET's extra checks.</summary>
internal static partial class NativeSync
{
    private const int ORdOnly = 0;
    private const int ODirectory = 0x10000; // Linux x86-64 and arm64

    [LibraryImport("libc", SetLastError = true)]
    private static partial int syncfs(int fd);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int fsync(int fd);

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int close(int fd);

    [LibraryImport("libc", EntryPoint = "rename", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Rename(string from, string to);

    [LibraryImport("libc", EntryPoint = "truncate", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Truncate(string path, long length);

    public static bool SyncFsAvailable => OperatingSystem.IsLinux();

    /// <summary>rename(2), without the existence checks of <see cref="File.Move(string, string)"/>; false on any error.</summary>
    public static bool TryRename(string from, string to)
    {
        if (OperatingSystem.IsWindows())
        {
            try
            {
                File.Move(from, to, overwrite: true);
                return true;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return false;
            }
        }
        return Rename(from, to) == 0;
    }

    /// <summary>Empties a file by name; false on any error.</summary>
    public static bool TryTruncate(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            try
            {
                using var f = new FileStream(path, FileMode.Truncate, FileAccess.Write);
                return true;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return false;
            }
        }
        return Truncate(path, 0) == 0;
    }

    /// <summary>Flushes every dirty page and inode of the file system that holds <paramref name="handle"/>.</summary>
    public static void SyncFileSystem(SafeFileHandle handle)
    {
        var fd = (int)handle.DangerousGetHandle();
        if (syncfs(fd) != 0) throw new IOException($"syncfs failed: errno {Marshal.GetLastPInvokeError()}");
    }

    /// <summary>Makes a directory's entries (creations, renames) durable.</summary>
    public static void SyncDirectory(string path)
    {
        if (OperatingSystem.IsWindows()) return; // NTFS journals directory changes with the file.
        var fd = Open(path, ORdOnly | (OperatingSystem.IsLinux() ? ODirectory : 0));
        if (fd < 0) throw new IOException($"open({path}) failed: errno {Marshal.GetLastPInvokeError()}");
        try
        {
            if (fsync(fd) != 0) throw new IOException($"fsync({path}) failed: errno {Marshal.GetLastPInvokeError()}");
        }
        finally
        {
            close(fd);
        }
    }
}
