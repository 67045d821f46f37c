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

/// <summary>
/// The embedded server runs the Unix initdb/pg_ctl as another user; elsewhere (Windows) the product needs a PostgreSQL
/// server of its own, which is a configuration matter (exit 3), not a crash.
/// </summary>
public static class LocalPostgresServerMessages
{
    public static EmbeddedDatabaseUnavailableException Unsupported() => new(
        "ConnectionStrings:Coppice is not set, and the embedded PostgreSQL server runs only on Linux: on Windows set " +
        "ConnectionStrings:Coppice (environment variable COPPICE_ConnectionStrings__Coppice) to a PostgreSQL server.");
}
