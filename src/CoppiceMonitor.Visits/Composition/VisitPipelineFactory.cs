using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CoppiceMonitor.Visits;

/// <summary>
/// Builds the Visits objects (calendars, the catalogue, pipelines) from validated configuration; the only place a
/// composed host builds them. The catalogue is loaded once and shared by every school's pipeline (it is read-only).
/// </summary>
public sealed class VisitPipelineFactory(
    IOptions<SchoolListOptions> schools,
    IOptions<VisitsOptions> visits,
    IOptions<CatalogueOptions> catalogue,
    ILoggerFactory loggerFactory)
{
    private readonly Lazy<ServiceCatalog> _catalog = new(() => ServiceCatalog.LoadDefault(catalogue.Value));

    /// <summary>The first configured school: the default of verbs run without --school.</summary>
    public SchoolOptions School => schools.Value.Schools[0];

    public IReadOnlyList<SchoolOptions> Schools => schools.Value.Schools;

    public VisitsOptions Options => visits.Value;

    public ServiceCatalog Catalog => _catalog.Value;

    /// <summary>The school with this id, or null.</summary>
    public SchoolOptions? Find(string id) => schools.Value.Schools.FirstOrDefault(s => string.Equals(s.Id, id, StringComparison.Ordinal));

    /// <summary>The first school's calendar.</summary>
    public SchoolCalendar CreateCalendar() => SchoolCalendar.Create(School);

    public VisitPipeline Create(IVisitSink sink, DeviceRegistry registry) => Create(School, sink, registry);

    /// <summary>One pipeline for one school: its calendar, its registry.</summary>
    public VisitPipeline Create(SchoolOptions school, IVisitSink sink, DeviceRegistry registry) =>
        new(SchoolCalendar.Create(school), _catalog.Value, registry, sink, visits.Value, loggerFactory.CreateLogger<VisitPipeline>());
}
