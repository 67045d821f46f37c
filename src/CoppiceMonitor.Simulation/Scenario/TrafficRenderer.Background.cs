using CoppiceMonitor.Simulation.Truth;

namespace CoppiceMonitor.Simulation.Scenario;

/// <summary>Background scenarios: connections that carry payload but are not a person's use.</summary>
internal sealed partial class TrafficRenderer
{
    /// <summary>Renders a background scenario (always TLS over TCP) and returns its truth: it adds no fair minutes.</summary>
    public TruthBackground Background(PlannedBackground plan)
    {
        var state = State(plan.Device);
        var connections = plan.Connections
            .Select(c => ConnectTls(state, plan.Host, c.Start, 1, new TlsShape(Tail: c.Tail)))
            .ToList();
        return new TruthBackground(plan.Scenario, plan.Device.DeviceId, plan.Device.StaffId, plan.Host.Service, plan.Host.Name,
            connections.SelectMany(c => c.ActiveMinutesUtc).Distinct().Count(), FairMinutes: 0, connections);
    }
}
