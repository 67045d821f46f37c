using Microsoft.Extensions.Options;

namespace CoppiceMonitor.Visits;

/// <summary>The "Schools" list: each school's calendar and rules. The first is the default for verbs run without --school.</summary>
public sealed class SchoolListOptions
{
    public List<SchoolOptions> Schools { get; } = [];
}

/// <summary>Every school by index (its timetable, per-weekday overrides, terms, closures, subnets) and unique ids.</summary>
public sealed class SchoolListOptionsValidator : IValidateOptions<SchoolListOptions>
{
    public ValidateOptionsResult Validate(string? name, SchoolListOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = SchoolOptionsValidator.CheckAll(options.Schools);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
