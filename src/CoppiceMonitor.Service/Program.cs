using CoppiceMonitor.Service.Cli;

// Everything lives in the verbs; the command line decides which host (if any) a verb needs.
return await CoppiceCommandLine.RunAsync(args).ConfigureAwait(false);
