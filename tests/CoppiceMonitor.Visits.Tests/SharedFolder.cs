namespace CoppiceMonitor.Visits.Tests;

/// <summary>
/// Finds the read-only shared/ folder: $COPPICE_SHARED, else the first ancestor of the repository root that has a
/// shared/corpus sub-folder (CI clones with ../shared beside the clone; worktrees sit deeper).
/// </summary>
internal static class SharedFolder
{
    private static readonly Lazy<string?> Found = new(Locate);

    public static string? Path => Found.Value;

    private static string? Locate()
    {
        var env = Environment.GetEnvironmentVariable("COPPICE_SHARED");
        if (!string.IsNullOrEmpty(env) && Directory.Exists(env))
        {
            return env;
        }

        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(System.IO.Path.Combine(dir.FullName, "CoppiceMonitor.sln")))
        {
            dir = dir.Parent;
        }

        for (var ancestor = dir?.Parent; ancestor is not null; ancestor = ancestor.Parent)
        {
            var candidate = System.IO.Path.Combine(ancestor.FullName, "shared");
            if (Directory.Exists(System.IO.Path.Combine(candidate, "corpus")))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>Ends the calling [SkippableFact] as skipped, with the reason, when shared/ is not present.</summary>
    public static string SkipIfAbsent()
    {
        Skip.If(Path is null, "shared/ not found (set COPPICE_SHARED or place shared/ beside the repository)");
        return Path!;
    }
}
