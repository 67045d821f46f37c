using CoppiceMonitor.Service.Cli;
using CoppiceMonitor.Storage;

namespace CoppiceMonitor.Service.Tests.Packaging;

/// <summary>
/// On Windows without ConnectionStrings:Coppice the embedded server cannot run: that is a configuration error (exit 3)
/// naming the key, not a PlatformNotSupportedException. The platform branch itself runs only on Windows; here the
/// exception it throws goes through the executable's failure mapping.
/// </summary>
public sealed class WindowsDatabaseTests
{
    [Fact]
    public async Task EmbeddedDatabaseUnavailable_ExitsThreeNamingTheConnectionString()
    {
        var error = new StringWriter();
        var original = Console.Error;
        Console.SetError(error);
        int code;
        try
        {
            code = await CoppiceCommandLine.ReportFailureAsync(LocalPostgresServerMessages.Unsupported());
        }
        finally
        {
            Console.SetError(original);
        }

        Assert.Equal(ExitCodes.BadConfiguration, code);
        Assert.Contains("configuration error", error.ToString(), StringComparison.Ordinal);
        Assert.Contains("ConnectionStrings:Coppice", error.ToString(), StringComparison.Ordinal);
        Assert.Contains("COPPICE_ConnectionStrings__Coppice", error.ToString(), StringComparison.Ordinal);
        Assert.IsNotType<PlatformNotSupportedException>(LocalPostgresServerMessages.Unsupported(), exactMatch: false);
    }
}
