using System.Runtime.InteropServices;
using CoppiceMonitor.Storage.Ingest;
using CoppiceMonitor.Storage.Platform;

namespace CoppiceMonitor.Storage.Tests.Security;

/// <summary>Files with personal data are 0600 in 0700 folders even under the usual interactive umask 022.</summary>
[Collection(nameof(ProcessUmask))]
public sealed partial class PrivateFileTests : IDisposable
{
    private const UnixFileMode File0600 = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode Folder0700 = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private readonly string _root = Directory.CreateTempSubdirectory("coppice-private").FullName;

    [LibraryImport("libc", EntryPoint = "umask")]
    private static partial uint Umask(uint mask);

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void Umask022_SpoolSegmentsExportsAndTheirFolders_AreOwnerOnly()
    {
        if (!OperatingSystem.IsLinux())
        {
            return; // Windows uses ACLs set by the installer; nothing to check here.
        }

        File.SetUnixFileMode(_root, Folder0700 | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        var previous = Umask(0x12); // 022
        try
        {
            var spoolFolder = Path.Combine(_root, "spool", "s1");
            using (var spool = new IngestSpool(spoolFolder))
            {
                spool.Append(new ObservationBatch(Guid.NewGuid(), [TestData.Observation(1, DateTime.UtcNow)]));
            }

            var segment = Assert.Single(Directory.GetFiles(spoolFolder));
            Assert.Equal(File0600, File.GetUnixFileMode(segment));
            Assert.Equal(Folder0700, File.GetUnixFileMode(spoolFolder));

            // An export into a new folder: file 0600, the folders it had to create 0700...
            var export = Path.Combine(_root, "exports", "case-17", "visits.csv");
            using (var stream = PrivateFiles.Create(export))
            {
                stream.WriteByte(1);
            }

            Assert.Equal(File0600, File.GetUnixFileMode(export));
            Assert.Equal(Folder0700, File.GetUnixFileMode(Path.GetDirectoryName(export)!));
            Assert.Equal(Folder0700, File.GetUnixFileMode(Path.Combine(_root, "exports")));
            // ...and an existing file written 0644 earlier is narrowed, while the folder the operator chose is not.
            var old = Path.Combine(_root, "old.csv");
            File.WriteAllText(old, "x");
            Assert.NotEqual(File0600, File.GetUnixFileMode(old));
            PrivateFiles.Create(old).Dispose();
            Assert.Equal(File0600, File.GetUnixFileMode(old));
            Assert.True(File.GetUnixFileMode(_root).HasFlag(UnixFileMode.OtherRead));
        }
        finally
        {
            Assert.Equal(0x12u, Umask(previous));
        }
    }
}

/// <summary>The umask is process-wide: tests that change it do not run beside each other.</summary>
[CollectionDefinition(nameof(ProcessUmask), DisableParallelization = true)]
public sealed class ProcessUmask;
