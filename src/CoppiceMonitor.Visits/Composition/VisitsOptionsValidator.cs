using Microsoft.Extensions.Options;

namespace CoppiceMonitor.Visits;

/// <summary>
/// Rules between "Visits" settings that the per-field ranges cannot express; every message names the key at fault.
/// </summary>
public sealed class VisitsOptionsValidator : IValidateOptions<VisitsOptions>
{
    public ValidateOptionsResult Validate(string? name, VisitsOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = Check(options);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    public static IReadOnlyList<string> Check(VisitsOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        const string prefix = VisitsOptions.SectionName;

        // A connection's FlowSummary arrives up to FlowSummaryGrace after its last packet; giving up on it sooner
        // would drop the minutes of every short connection whose summary was merely on its way.
        if (options.MaxOpenConnectionMinutes <= options.FlowSummaryGraceMinutes)
        {
            errors.Add($"{prefix}:MaxOpenConnectionMinutes: {options.MaxOpenConnectionMinutes} must be more than "
                + $"{prefix}:FlowSummaryGraceMinutes ({options.FlowSummaryGraceMinutes}).");
        }

        return errors;
    }
}
