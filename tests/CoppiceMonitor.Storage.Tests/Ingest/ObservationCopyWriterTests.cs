using CoppiceMonitor.Visits;
using System.Net;
using CoppiceMonitor.Capture;
using CoppiceMonitor.Storage.Ingest;
using CoppiceMonitor.Testing;
using Npgsql;

namespace CoppiceMonitor.Storage.Tests.Ingest;

public sealed class ObservationCopyWriterTests(PostgresCluster cluster) : IClassFixture<PostgresCluster>
{
    [Fact]
    public async Task WriteAsync_EveryColumnAndNulls_RoundTripThroughTheServerExactly()
    {
        var cs = await cluster.CreateDatabaseAsync();
        await using var dataSource = NpgsqlDataSource.Create(cs);
        var ts = new DateTime(2026, 11, 25, 9, 0, 0, DateTimeKind.Utc).AddTicks(1_234_567); // .1234567 s: stored to the microsecond
        var full = new ObservationRecord("coppice-primary", ts, ObservationKind.QuicInitial, IPAddress.Parse("10.10.0.5"),
            new MacAddress(0x0A_1B_2C_3D_4E_5F), IPAddress.Parse("2a03:2880:f12f:83:face:b00c:0:25de"), 443, TransportProtocol.Udp, 4094,
            "café.example", """{"alpn": "h3", "ech": true, "version": 772}""");
        var sparse = new ObservationRecord("s2", ts.AddDays(-400), ObservationKind.DnsQuery, null, MacAddress.None, null, 0,
            TransportProtocol.Tcp, 0, null, null);
        var batch = new ObservationBatch(Guid.Parse("0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"), [full, sparse]);

        Assert.Equal(BatchWriteOutcome.Written, await new ObservationCopyWriter(dataSource, TimeProvider.System).WriteAsync(batch));

        await using var command = dataSource.CreateCommand("""
            SELECT school_id, ts, kind, host(client), masklen(client), client_mac::text, host(server), masklen(server), server_port,
                   transport, vlan, name, detail->>'alpn', (detail->>'version')::int, batch_id::text
            FROM observations ORDER BY ts DESC
            """);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal("coppice-primary", reader.GetString(0));
        Assert.Equal(new DateTime(2026, 11, 25, 9, 0, 0, 123, 456, DateTimeKind.Utc), reader.GetDateTime(1));
        Assert.Equal((short)ObservationKind.QuicInitial, reader.GetInt16(2));
        Assert.Equal("10.10.0.5", reader.GetString(3));
        Assert.Equal(32, reader.GetInt32(4));
        Assert.Equal("0a:1b:2c:3d:4e:5f", reader.GetString(5));
        Assert.Equal("2a03:2880:f12f:83:face:b00c:0:25de", reader.GetString(6));
        Assert.Equal(128, reader.GetInt32(7));
        Assert.Equal(443, reader.GetInt32(8));
        Assert.Equal((short)TransportProtocol.Udp, reader.GetInt16(9));
        Assert.Equal(4094, reader.GetInt32(10));
        Assert.Equal("café.example", reader.GetString(11));
        Assert.Equal("h3", reader.GetString(12));
        Assert.Equal(772, reader.GetInt32(13));
        Assert.Equal("0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0", reader.GetString(14));

        Assert.True(await reader.ReadAsync());
        Assert.Equal("s2", reader.GetString(0));
        Assert.Equal(new DateTime(2025, 10, 21, 9, 0, 0, 123, 456, DateTimeKind.Utc), reader.GetDateTime(1));
        foreach (var column in new[] { 3, 5, 6, 11, 12 })
        {
            Assert.True(reader.IsDBNull(column), $"column {column} should be NULL");
        }

        Assert.False(await reader.ReadAsync());
    }

    [Fact]
    public async Task WriteAsync_FailsMidStream_NothingIsCommittedAndTheBatchCanBeWrittenAgain()
    {
        var cs = await cluster.CreateDatabaseAsync();
        await using var dataSource = NpgsqlDataSource.Create(cs);
        var batch = new ObservationBatch(Guid.NewGuid(),
            [.. Enumerable.Range(0, 50).Select(i => TestData.Observation(i, new DateTime(2026, 11, 25, 9, 0, i, DateTimeKind.Utc)))]);
        var failing = new ObservationCopyWriter(dataSource, TimeProvider.System)
        {
            RowWritten = row =>
            {
                if (row == 25)
                {
                    throw new InvalidDataException("writer failed");
                }
            },
        };

        await Assert.ThrowsAsync<InvalidDataException>(() => failing.WriteAsync(batch));
        Assert.Equal(0, await TestData.ScalarAsync(cs, "SELECT count(*) FROM observations"));
        Assert.Equal(0, await TestData.ScalarAsync(cs, "SELECT count(*) FROM ingest_batches"));

        Assert.Equal(BatchWriteOutcome.Written, await new ObservationCopyWriter(dataSource, TimeProvider.System).WriteAsync(batch));
        Assert.Equal(50, await TestData.ScalarAsync(cs, "SELECT count(DISTINCT name) FROM observations"));
    }

    [Fact]
    public async Task VisitCopyWriter_EveryColumn_RoundTripsExactly()
    {
        var cs = await cluster.CreateDatabaseAsync();
        await using var dataSource = NpgsqlDataSource.Create(cs);
        var start = new DateTime(2026, 11, 25, 10, 31, 7, 250, DateTimeKind.Utc);
        var visit = new Visit("coppice-primary", "p9", "d-p9", "TikTok", "SocialMedia", start, start.AddMinutes(7),
            420, 300, 60, 45, 15, true, "www.tiktok.com", 11);
        var special = visit with { Service = "Health", Category = "Health", SiteName = null, IsWorkUse = false };
        var batch = new VisitBatch(Guid.NewGuid(), [visit, special]);
        Assert.Equal(BatchWriteOutcome.Written, await new VisitCopyWriter(dataSource, TimeProvider.System).WriteAsync(batch));

        await using var command = dataSource.CreateCommand("""
            SELECT school_id, staff_id, device_id, service, category, start_utc, end_utc, active_seconds, directed_seconds,
                   break_seconds, non_directed_seconds, outside_hours_seconds, is_work_use, site_name, evidence_count, batch_id
            FROM visits ORDER BY service DESC
            """);
        await using var reader = await command.ExecuteReaderAsync();
        foreach (var expected in new[] { visit, special })
        {
            Assert.True(await reader.ReadAsync());
            var actual = new Visit(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3),
                reader.GetString(4), reader.GetDateTime(5), reader.GetDateTime(6), reader.GetInt32(7), reader.GetInt32(8),
                reader.GetInt32(9), reader.GetInt32(10), reader.GetInt32(11), reader.GetBoolean(12),
                reader.IsDBNull(13) ? null : reader.GetString(13), reader.GetInt32(14));
            Assert.Equal(expected, actual);
            Assert.Equal(batch.BatchId, reader.GetGuid(15));
        }
    }
}
