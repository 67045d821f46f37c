using Npgsql;

namespace CoppiceMonitor.Reports.Data;

/// <summary>
/// The PostgreSQL database the reports read and record runs in (the Storage schema). One pooled data source per
/// process; disposed with the container.
/// </summary>
public sealed class ReportDatabase : IAsyncDisposable, IDisposable
{
    public ReportDatabase(string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        ConnectionString = connectionString;
        DataSource = NpgsqlDataSource.Create(connectionString);
    }

    public string ConnectionString { get; }

    public NpgsqlDataSource DataSource { get; }

    public ValueTask DisposeAsync() => DataSource.DisposeAsync();

    public void Dispose() => DataSource.Dispose();
}
