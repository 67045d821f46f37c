using System.Diagnostics;

namespace CoppiceMonitor.Service.Tests.Deployment;

/// <summary>
/// The repository's .editorconfig naming rules fail a command-line build (the per-rule ":warning" suffix alone is
/// honoured only by the IDE). Builds a one-file project with the repository's own .editorconfig and build props.
/// </summary>
public sealed class CodeStyleTests : IDisposable
{
    private readonly TempFolder _folder = new();

    [Fact]
    public async Task Build_FieldsBreakingNamingRules_FailsOnEachOne()
    {
        // One build for all three (a build costs ~20 s): each field must be reported on its own line of Sample.cs.
        var result = await BuildWithFieldAsync("private int badName;\n    private static readonly int s_badStatic = 1;\n    private const int badConstant = 1;");

        Assert.True(result.ExitCode != 0, result.ToString());
        foreach (var line in new[] { "Sample.cs(5,", "Sample.cs(6,", "Sample.cs(7," })
        {
            Assert.Contains(line, result.Stdout, StringComparison.Ordinal);
        }

        Assert.Contains("IDE1006", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Build_FieldsFollowingNamingRules_Succeeds()
    {
        var result = await BuildWithFieldAsync("private int _count; private static int s_total; private const int Limit = 1; private static readonly int Default = 1;");

        Assert.True(result.ExitCode == 0, result.ToString());
    }

    public void Dispose() => _folder.Dispose();

    private async Task<ProcessResult> BuildWithFieldAsync(string fields)
    {
        var root = FindRepoRoot();
        foreach (var file in new[] { ".editorconfig", "Directory.Build.props", "global.json" })
        {
            File.Copy(Path.Combine(root, file), _folder.File(file));
        }

        _folder.Write("Directory.Packages.props", "<Project />\n");
        _folder.Write("Style.csproj", "<Project Sdk=\"Microsoft.NET.Sdk\"><PropertyGroup><OutputType>Library</OutputType></PropertyGroup></Project>\n");
        _folder.Write("Sample.cs", $$"""
            namespace Style;

            public sealed class Sample
            {
                {{fields}}

                public override string ToString() => GetType().Name;
            }

            """);

        var info = new ProcessStartInfo("dotnet") { WorkingDirectory = _folder.Path, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "build", "-nologo", "-v", "q", "-p:NoWarn=CS0169%3BCS0414%3BIDE0051%3BIDE0052%3BCA1823" })
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(5));
        return new ProcessResult(process.ExitCode, await stdout, await stderr);
    }

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, ".editorconfig")) && File.Exists(Path.Combine(dir.FullName, "CoppiceMonitor.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException(".editorconfig not found above " + AppContext.BaseDirectory);
    }
}
