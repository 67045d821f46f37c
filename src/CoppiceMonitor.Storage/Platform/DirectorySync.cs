using System.Runtime.InteropServices;

namespace CoppiceMonitor.Storage.Platform;

/// <summary>
/// fsync of a directory. Creating or deleting a file changes its directory, and that change is only durable once
/// the directory itself is flushed: without it a power cut can lose a freshly created spool segment (its data was
/// fsynced, but no name points at it) or bring back a deleted one. .NET cannot open a directory as a file, hence libc.
/// </summary>
internal static partial class DirectorySync
{
    private const int ReadOnly = 0; // O_RDONLY
    private static bool s_unavailable;

    /// <summary>Flushes the directory entry changes of <paramref name="directory"/> to disk (no-op off Unix).</summary>
    public static void Flush(string directory)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            return;
        }

        if (s_unavailable)
        {
            return;
        }

        int fd;
        try
        {
            fd = Open(directory, ReadOnly);
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            // A Unix without a "libc" to bind (unusual): file data is still fsynced, only the names are not.
            s_unavailable = true;
            return;
        }

        if (fd < 0)
        {
            throw new IOException($"open({directory}) for fsync failed: errno {Marshal.GetLastPInvokeError()}");
        }

        try
        {
            if (Fsync(fd) != 0)
            {
                throw new IOException($"fsync({directory}) failed: errno {Marshal.GetLastPInvokeError()}");
            }
        }
        finally
        {
            _ = Close(fd);
        }
    }

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);
}
