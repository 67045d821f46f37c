using Microsoft.Extensions.Options;

namespace CoppiceMonitor.Visits;

/// <summary>
/// The "Schools" configuration list as one options object, bound from the configuration root
/// (Schools:0:Id, Schools:0:Timetable:Directed:0, ...).
/// </summary>
public sealed class SchoolsOptions
{
    public IList<SchoolOptions> Schools { get; init; } = [];
}

/// <summary>Validates every school by index (messages name the key) and that ids are unique.</summary>
public sealed class SchoolsOptionsValidator : IValidateOptions<SchoolsOptions>
{
    public ValidateOptionsResult Validate(string? name, SchoolsOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = SchoolOptionsValidator.CheckAll([.. options.Schools]);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
