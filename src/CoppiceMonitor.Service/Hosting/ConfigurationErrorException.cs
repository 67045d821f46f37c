namespace CoppiceMonitor.Service.Hosting;

/// <summary>Configuration that cannot be used; the message names the file or key so ICT can fix it.</summary>
public sealed class ConfigurationErrorException : Exception
{
    public ConfigurationErrorException(string message)
        : base(message)
    {
    }

    public ConfigurationErrorException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public ConfigurationErrorException()
    {
    }
}
