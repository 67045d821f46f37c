// Placeholder entry point until the Service issue lands the command line.
Console.Error.WriteLine("coppice-monitor: not built yet");
return 1;
