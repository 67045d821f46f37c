using CoppiceMonitor.Visits;
using Npgsql;

namespace CoppiceMonitor.Storage.Portal;

/// <summary>One person of the staff registry as the portal sees them.</summary>
public sealed record StaffMember(string SchoolId, string StaffId, string DisplayName, string Email, string? LineManagerId, StaffRoles Roles);

/// <summary>Read-only look-ups in the staff registry: who an account is (by email), who can be investigated.</summary>
public sealed class StaffDirectory(NpgsqlDataSource dataSource)
{
    private const string Select = "SELECT school_id, staff_id, display_name, email, line_manager_id, roles FROM staff";

    /// <summary>The staff member whose registry email is <paramref name="email"/> (case-insensitive), or null.</summary>
    public async Task<StaffMember?> FindByEmailAsync(string schoolId, string email, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(schoolId);
        ArgumentException.ThrowIfNullOrEmpty(email);
        var rows = await QueryAsync($"{Select} WHERE school_id = $1 AND lower(email) = lower($2) ORDER BY staff_id LIMIT 2",
            [schoolId, email.Trim()], cancellationToken).ConfigureAwait(false);
        // Two staff rows sharing an email cannot be told apart: no account maps to either.
        return rows.Count == 1 ? rows[0] : null;
    }

    /// <summary>Every school whose registry holds <paramref name="email"/> (for an external sign-in without a school).</summary>
    public async Task<IReadOnlyList<StaffMember>> FindByEmailInAnySchoolAsync(string email, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(email);
        return await QueryAsync($"{Select} WHERE lower(email) = lower($1) ORDER BY school_id, staff_id", [email.Trim()], cancellationToken).ConfigureAwait(false);
    }

    public async Task<StaffMember?> GetAsync(string schoolId, string staffId, CancellationToken cancellationToken = default)
    {
        var rows = await QueryAsync($"{Select} WHERE school_id = $1 AND staff_id = $2", [schoolId, staffId], cancellationToken).ConfigureAwait(false);
        return rows.Count == 0 ? null : rows[0];
    }

    /// <summary>The school's staff in name order.</summary>
    public Task<IReadOnlyList<StaffMember>> ListAsync(string schoolId, CancellationToken cancellationToken = default) =>
        QueryAsync($"{Select} WHERE school_id = $1 ORDER BY display_name, staff_id", [schoolId], cancellationToken);

    private async Task<IReadOnlyList<StaffMember>> QueryAsync(string sql, object[] values, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(sql);
        foreach (var value in values)
        {
            command.Parameters.AddWithValue(value);
        }

        var rows = new List<StaffMember>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            rows.Add(new StaffMember(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3),
                reader.IsDBNull(4) ? null : reader.GetString(4), (StaffRoles)reader.GetInt32(5)));
        }

        return rows;
    }
}
