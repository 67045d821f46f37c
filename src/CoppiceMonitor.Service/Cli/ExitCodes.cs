namespace CoppiceMonitor.Service.Cli;

/// <summary>Process exit codes, documented in `--help` and relied on by install scripts and tests.</summary>
public static class ExitCodes
{
    public const int Success = 0;
    public const int RuntimeFailure = 1;
    public const int BadArguments = 2;
    public const int BadConfiguration = 3;
}
