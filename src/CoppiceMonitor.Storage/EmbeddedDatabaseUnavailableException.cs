namespace CoppiceMonitor.Storage;

/// <summary>
/// No connection string is configured and the embedded PostgreSQL server cannot run here (Windows). The executable
/// reports it as a configuration error (exit 3) naming ConnectionStrings:Coppice.
/// </summary>
public sealed class EmbeddedDatabaseUnavailableException : InvalidOperationException
{
    public EmbeddedDatabaseUnavailableException(string message)
        : base(message)
    {
    }

    public EmbeddedDatabaseUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public EmbeddedDatabaseUnavailableException()
    {
    }
}
