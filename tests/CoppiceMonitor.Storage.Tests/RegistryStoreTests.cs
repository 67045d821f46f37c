using System.Net;
using CoppiceMonitor.Capture;
using CoppiceMonitor.Testing;
using CoppiceMonitor.Visits;
using Npgsql;

namespace CoppiceMonitor.Storage.Tests;

public sealed class RegistryStoreTests(PostgresCluster cluster) : IClassFixture<PostgresCluster>
{
    [Fact]
    public async Task ApplyStaffAsync_SameSnapshotTwiceThenAChange_AppliesAdditionsUpdatesAndRemovals()
    {
        var cs = await cluster.CreateDatabaseAsync();
        await using var dataSource = NpgsqlDataSource.Create(cs);
        var store = new RegistryStore(dataSource, TimeProvider.System);
        StaffRecord[] snapshot =
        [
            new("head", "Head Teacher", "head@school.example", null, StaffRoles.Headteacher | StaffRoles.LineManager),
            new("t1", "Teacher One", "t1@school.example", "head", StaffRoles.None),
            new("t2", "Teacher Two", "t2@school.example", "head", StaffRoles.None),
        ];

        Assert.Equal(new RegistryApplyResult(3, 0, 0, 0), await store.ApplyStaffAsync("s1", snapshot));
        Assert.Equal(new RegistryApplyResult(0, 0, 0, 3), await store.ApplyStaffAsync("s1", snapshot));

        StaffRecord[] changed = [snapshot[0], snapshot[1] with { LineManagerId = null, Email = "one@school.example" }];
        Assert.Equal(new RegistryApplyResult(0, 1, 1, 1), await store.ApplyStaffAsync("s1", changed));

        Assert.Equal(2, await TestData.ScalarAsync(cs, "SELECT count(*) FROM staff"));
        Assert.Equal(1, await TestData.ScalarAsync(cs, "SELECT count(*) FROM staff WHERE staff_id = 't1' AND line_manager_id IS NULL AND email = 'one@school.example'"));
        // Another school's directory is a separate snapshot.
        await store.ApplyStaffAsync("s2", [snapshot[2]]);
        Assert.Equal(2, await TestData.ScalarAsync(cs, "SELECT count(*) FROM staff WHERE school_id = 's1'"));
    }

    [Fact]
    public async Task ApplyDevicesAsync_MacHostnameAndServices_RoundTripAndRemovalsApply()
    {
        var cs = await cluster.CreateDatabaseAsync();
        await using var dataSource = NpgsqlDataSource.Create(cs);
        var store = new RegistryStore(dataSource, TimeProvider.System);
        DeviceRecord[] devices =
        [
            new("lap-1", "t1", new MacAddress(0xAA_BB_CC_00_11_22), "lap-1.school", null, DeviceKind.Staff, ["YouTube", "Twitter"]),
            new("pc-2", null, null, null, IPAddress.Parse("10.10.0.20"), DeviceKind.Shared, []),
        ];

        Assert.Equal(new RegistryApplyResult(2, 0, 0, 0), await store.ApplyDevicesAsync("s1", devices));
        Assert.Equal(new RegistryApplyResult(0, 0, 0, 2), await store.ApplyDevicesAsync("s1", devices));
        Assert.Equal(1, await TestData.ScalarAsync(cs,
            "SELECT count(*) FROM devices WHERE mac = 'aa:bb:cc:00:11:22' AND authorised_services = '{YouTube,Twitter}' AND kind = 0"));
        Assert.Equal(1, await TestData.ScalarAsync(cs, "SELECT count(*) FROM devices WHERE static_ip = '10.10.0.20'"));

        Assert.Equal(new RegistryApplyResult(0, 1, 1, 0),
            await store.ApplyDevicesAsync("s1", [devices[0] with { AuthorisedServices = [] }]));
        Assert.Equal(1, await TestData.ScalarAsync(cs, "SELECT count(*) FROM devices WHERE authorised_services = '{}'"));
    }
}
