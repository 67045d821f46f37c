namespace CoppiceMonitor.Storage.Platform;

/// <summary>
/// Files that hold personal data (investigation exports, spool segments, logs, the report archive): created 0600 in
/// a 0700 folder, whatever the process umask (systemd's UMask= covers the service, not an operator's shell running
/// a verb). The create mode is given at open time so there is no moment with wider rights, then set explicitly
/// because the umask filters it and an existing file keeps its old mode. Folders: <see cref="EnsureFolder"/> narrows
/// a product folder (spool, archive, logs) to 0700; opening a file only creates missing parents 0700 and never
/// changes an existing folder it was pointed into (an export to /tmp must not chmod /tmp). Modes are no-ops on
/// Windows, where the install scripts set ACLs.
/// </summary>
public static class PrivateFiles
{
    public const UnixFileMode FileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    public const UnixFileMode FolderMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>Creates <paramref name="folder"/> (and parents) if needed and makes it 0700.</summary>
    public static string EnsureFolder(string folder)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(folder);
            return folder;
        }

        CreateMissingFolders(folder);
        File.SetUnixFileMode(folder, FolderMode);
        return folder;
    }

    /// <summary>Creates each missing folder of the path 0700 (Directory.CreateDirectory applies its mode to the last one only).</summary>
    private static void CreateMissingFolders(string folder)
    {
        var full = Path.GetFullPath(folder);
        if (Directory.Exists(full))
        {
            return;
        }

        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(full);
            return;
        }

        var missing = new Stack<string>();
        for (var f = full; f is not null && !Directory.Exists(f); f = Path.GetDirectoryName(f))
        {
            missing.Push(f);
        }

        while (missing.TryPop(out var f))
        {
            Directory.CreateDirectory(f, FolderMode);
        }
    }

    /// <summary>Opens a new (or truncated) file for writing, 0600, in a 0700 folder.</summary>
    public static FileStream Create(string path) => Open(path, System.IO.FileMode.Create);

    /// <summary>Opens a file to append to (created if missing), 0600, in a 0700 folder.</summary>
    public static FileStream Append(string path) => Open(path, System.IO.FileMode.Append, FileShare.Read);

    public static async Task WriteAllBytesAsync(string path, byte[] bytes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        var stream = Create(path);
        await using (stream.ConfigureAwait(false))
        {
            await stream.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
        }
    }

    public static Task WriteAllTextAsync(string path, string text, CancellationToken cancellationToken = default) =>
        WriteAllBytesAsync(path, new System.Text.UTF8Encoding(false).GetBytes(text ?? string.Empty), cancellationToken);

    private static FileStream Open(string path, System.IO.FileMode mode, FileShare share = FileShare.None)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var full = Path.GetFullPath(path);
        CreateMissingFolders(Path.GetDirectoryName(full)!);

        var options = new FileStreamOptions { Mode = mode, Access = FileAccess.Write, Share = share };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = FileMode;
        }

        var stream = new FileStream(full, options);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(stream.SafeFileHandle, FileMode);
        }

        return stream;
    }
}
