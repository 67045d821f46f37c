using Microsoft.Extensions.Options;

namespace CoppiceMonitor.Visits;

/// <summary>
/// The school's catalogue additions and per-service category overrides, checked at start so a typo is a clear
/// configuration error naming the key instead of a failure when the first pipeline is built.
/// </summary>
public sealed class CatalogueOptionsValidator : IValidateOptions<CatalogueOptions>
{
    public ValidateOptionsResult Validate(string? name, CatalogueOptions options)
    {
        var errors = ServiceCatalog.CheckOptions(options);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
