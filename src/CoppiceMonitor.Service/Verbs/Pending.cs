using CoppiceMonitor.Service.Cli;

namespace CoppiceMonitor.Service.Verbs;

/// <summary>Verbs whose feature project has not been merged into this build yet say so plainly.</summary>
internal static class Pending
{
    public static Task<int> Run(string verb, string feature)
    {
        Console.Error.WriteLine($"coppice-monitor: '{verb}' is not available in this build ({feature} is not included yet).");
        return Task.FromResult(ExitCodes.RuntimeFailure);
    }
}
