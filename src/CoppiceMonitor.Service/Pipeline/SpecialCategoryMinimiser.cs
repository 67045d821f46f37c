using CoppiceMonitor.Capture;
using CoppiceMonitor.Storage.Ingest;
using CoppiceMonitor.Visits;

namespace CoppiceMonitor.Service.Pipeline;

/// <summary>
/// Policy 10.3 for the raw observations too: a name in a special category (health, religion, politics, trade union,
/// sexual orientation) is stored as its category, with its detail (CNAME targets, addresses, ALPN) dropped, unless
/// an open investigation holds the device at that moment. Attribution here is by the observation's client MAC
/// against the registry devices of the held staff member (ingest_held_devices): the ingest path has no IP-to-person
/// attribution of its own, so a held person's device seen only by IP (routed, no MAC) is minimised like anyone's.
/// DHCP and mDNS names are device hostnames, not sites, and are left alone.
/// </summary>
public sealed class SpecialCategoryMinimiser(ServiceCatalog catalog, HeldDevices? held)
{
    private long _minimised;

    /// <summary>Observations whose name was replaced by its category.</summary>
    public long Minimised => Interlocked.Read(ref _minimised);

    public Observation Minimise(string schoolId, in Observation observation)
    {
        if (observation.Name is not { Length: > 0 } name || observation.Kind is ObservationKind.DhcpLease or ObservationKind.Mdns)
        {
            return observation;
        }

        var classification = catalog.Classify(name);
        if (!classification.IsSpecialCategory
            || (held is not null && held.IsHeld(schoolId, observation.ClientMac, observation.TimestampUtc)))
        {
            return observation;
        }

        Interlocked.Increment(ref _minimised);
        return observation with { Name = classification.Category, Detail = null };
    }
}
