using CoppiceMonitor.Capture;
using Npgsql;

namespace CoppiceMonitor.Storage.Ingest;

/// <summary>
/// Which devices an open investigation holds right now (ingest_held_devices: MAC and held range per school, nothing
/// else), refreshed in the background at most once a minute so the capture path never waits on the database.
/// Until the first refresh succeeds nothing counts as held, so the failure mode is minimising, not keeping.
/// </summary>
public sealed class HeldDevices(NpgsqlDataSource dataSource, IReadOnlyCollection<string> schoolIds, TimeProvider timeProvider)
{
    private static readonly TimeSpan RefreshEvery = TimeSpan.FromMinutes(1);
    private volatile Dictionary<(string School, MacAddress Mac), (DateTime From, DateTime To)[]> _held =
        new Dictionary<(string, MacAddress), (DateTime, DateTime)[]>();
    private long _refreshedTicks = long.MinValue;
    private int _refreshing;

    /// <summary>True when an open investigation holds <paramref name="mac"/> of <paramref name="schoolId"/> at <paramref name="utc"/>.</summary>
    public bool IsHeld(string schoolId, MacAddress mac, DateTime utc)
    {
        RefreshIfStale();
        return _held.TryGetValue((schoolId, mac), out var ranges) && ranges.Any(r => utc >= r.From && utc < r.To);
    }

    /// <summary>Loads the held devices now (start-up, tests).</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken = default)
    {
        var held = new Dictionary<(string, MacAddress), List<(DateTime, DateTime)>>();
        foreach (var school in schoolIds)
        {
            await using var command = dataSource.CreateCommand("SELECT mac, from_utc, to_utc FROM ingest_held_devices($1)");
            command.Parameters.AddWithValue(school);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var mac = MacAddress.FromSpan(reader.GetFieldValue<System.Net.NetworkInformation.PhysicalAddress>(0).GetAddressBytes());
                if (!held.TryGetValue((school, mac), out var ranges))
                {
                    held[(school, mac)] = ranges = [];
                }

                ranges.Add((reader.GetDateTime(1), reader.GetDateTime(2)));
            }
        }

        _held = held.ToDictionary(p => p.Key, p => p.Value.ToArray());
        Interlocked.Exchange(ref _refreshedTicks, timeProvider.GetUtcNow().UtcTicks);
    }

    private void RefreshIfStale()
    {
        if (timeProvider.GetUtcNow().UtcTicks - Interlocked.Read(ref _refreshedTicks) < RefreshEvery.Ticks
            || Interlocked.Exchange(ref _refreshing, 1) == 1)
        {
            return;
        }

        _ = Task.Run(async () =>
        {
            try
            {
                await RefreshAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException)
            {
                // Keep the last known set (or none): the next stale check tries again.
                Interlocked.Exchange(ref _refreshedTicks, timeProvider.GetUtcNow().UtcTicks);
            }
            finally
            {
                Interlocked.Exchange(ref _refreshing, 0);
            }
        });
    }
}
