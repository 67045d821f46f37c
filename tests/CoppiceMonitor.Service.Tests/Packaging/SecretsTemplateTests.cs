using System.Text.RegularExpressions;
using CoppiceMonitor.Reports;
using System.Text.Json;

namespace CoppiceMonitor.Service.Tests.Packaging;

/// <summary>
/// Every COPPICE_ variable the environment template and the unit name is one the code reads: a secret under the
/// wrong name is silently ignored (the template once said COPPICE_Smtp__Password; the code reads COPPICE_SMTP_PASSWORD).
/// </summary>
public sealed partial class SecretsTemplateTests
{
    [GeneratedRegex(@"\bCOPPICE_[A-Za-z0-9_]+")]
    private static partial Regex VariableName();

    [Theory]
    [InlineData("deploy/linux/environment")]
    [InlineData("deploy/linux/coppice-monitor.service")]
    [InlineData("appsettings.sample.json")]
    public void EveryVariableNamed_IsReadByTheCode(string file)
    {
        var names = VariableName().Matches(File.ReadAllText(RepoFiles.Path(file))).Select(m => m.Value).Distinct().ToList();
        Assert.NotEmpty(names);

        var sample = ReadSample();
        var unknown = names.Where(name => !IsRead(name, sample)).ToList();

        Assert.True(unknown.Count == 0, $"{file} names variables the code does not read: {string.Join(", ", unknown)}");
    }

    [Fact]
    public void Template_NamesTheSecretsTheCodeReads()
    {
        var template = File.ReadAllText(RepoFiles.Path("deploy/linux/environment"));

        Assert.Contains(new SmtpOptions().PasswordEnvironmentVariable + "=", template, StringComparison.Ordinal);
        Assert.Contains("COPPICE_ConnectionStrings__Coppice=", template, StringComparison.Ordinal);
    }

    /// <summary>
    /// Read by the code: the SMTP password variable (by name), COPPICE_PG_BIN and COPPICE_CONFIG (read directly), or
    /// COPPICE_Section__Key for a key of the sample configuration, which lists every setting the product reads.
    /// </summary>
    private static bool IsRead(string name, JsonElement sample)
    {
        if (name == new SmtpOptions().PasswordEnvironmentVariable || name is "COPPICE_PG_BIN" or "COPPICE_CONFIG")
        {
            return true;
        }

        var path = name["COPPICE_".Length..].Split("__");
        if (path.Length < 2)
        {
            return false;
        }

        var node = sample;
        foreach (var part in path)
        {
            if (node.ValueKind != JsonValueKind.Object)
            {
                return false;
            }

            var match = node.EnumerateObject().Where(p => string.Equals(p.Name, part, StringComparison.OrdinalIgnoreCase)).ToList();
            if (match.Count == 0)
            {
                return false;
            }

            node = match[0].Value;
        }

        return true;
    }

    private static JsonElement ReadSample()
    {
        using var document = JsonDocument.Parse(File.ReadAllText(RepoFiles.Path("appsettings.sample.json")),
            new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        return document.RootElement.Clone();
    }
}
